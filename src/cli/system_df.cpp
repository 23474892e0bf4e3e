// `wharf system df [-v] [--format]`: docker's disk usage summary and its verbose sections,
// computed from GET /system/df as docker's CLI computes them (cli/command/formatter/
// disk_usage.go): the same columns, sizes (go-units), reclaimable percentages and headers.

#include <ctime>

#include "cli/format.h"
#include "cli/go_template.h"
#include "cli/internal/command.h"
#include "cli/ps_rows.h"

namespace wharf::cli {

namespace {

const Json& arrayOf(const Json& du, const char* key) {
  static const Json kEmpty = Json::array();
  auto it = du.find(key);
  return it != du.end() && it->is_array() ? *it : kEmpty;
}

int64_t num(const Json& j, const char* key, int64_t dflt = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : dflt;
}

// go-units HumanSize (four significant digits), which docker's df formatter uses.
std::string size(int64_t n) { return humanSize(static_cast<double>(n), 4); }

// "1.049MB (100%)", or without the percentage when there is nothing at all.
std::string reclaimable(int64_t reclaim, int64_t total) {
  if (total > 0) return size(reclaim) + " (" + std::to_string(reclaim * 100 / total) + "%)";
  return size(reclaim);
}

Json summaryRow(const char* type, int64_t total, int64_t active, const std::string& sz,
                const std::string& recl) {
  return {{"Type", type},
          {"TotalCount", std::to_string(total)},
          {"Active", std::to_string(active)},
          {"Size", sz},
          {"Reclaimable", recl}};
}

// The four rows of the summary table.
std::vector<Json> summaryRows(const Json& du) {
  std::vector<Json> rows;
  {
    const Json& images = arrayOf(du, "Images");
    int64_t totalSize = num(du, "LayersSize"), used = 0, active = 0;
    for (const Json& i : images) {
      if (num(i, "Containers") > 0) ++active;
      if (num(i, "Containers") != 0) {
        int64_t s = num(i, "Size", -1), shared = num(i, "SharedSize", -1);
        if (s != -1 && shared != -1) used += s - shared;
      }
    }
    rows.push_back(summaryRow("Images", static_cast<int64_t>(images.size()), active,
                              size(totalSize), reclaimable(totalSize - used, totalSize)));
  }
  {
    const Json& containers = arrayOf(du, "Containers");
    int64_t active = 0, total = 0, reclaim = 0;
    for (const Json& c : containers) {
      std::string state = c.value("State", "");
      bool on = state.find("running") != std::string::npos ||
                state.find("paused") != std::string::npos ||
                state.find("restarting") != std::string::npos;
      int64_t rw = num(c, "SizeRw");
      if (on)
        ++active;
      else
        reclaim += rw;
      total += rw;
    }
    rows.push_back(summaryRow("Containers", static_cast<int64_t>(containers.size()), active,
                              size(total), reclaimable(reclaim, total)));
  }
  {
    const Json& volumes = arrayOf(du, "Volumes");
    int64_t active = 0, total = 0, reclaim = 0;
    for (const Json& v : volumes) {
      Json usage =
          v.contains("UsageData") && v["UsageData"].is_object() ? v["UsageData"] : Json::object();
      int64_t refs = num(usage, "RefCount"), sz = num(usage, "Size", -1);
      if (refs > 0) ++active;
      if (sz == -1) continue;
      if (refs == 0) reclaim += sz;
      total += sz;
    }
    rows.push_back(summaryRow("Local Volumes", static_cast<int64_t>(volumes.size()), active,
                              size(total), reclaimable(reclaim, total)));
  }
  {
    const Json& cache = arrayOf(du, "BuildCache");
    int64_t active = 0, total = 0, inUse = 0;
    for (const Json& b : cache) {
      bool used = b.value("InUse", false);
      if (used) ++active;
      total += num(b, "Size");
      if (used && !b.value("Shared", false)) inUse += num(b, "Size");
    }
    rows.push_back(summaryRow("Build Cache", static_cast<int64_t>(cache.size()), active,
                              size(total), size(total - inUse)));
  }
  return rows;
}

Json summaryHeader() {
  return {{"Type", "TYPE"},
          {"TotalCount", "TOTAL"},
          {"Active", "ACTIVE"},
          {"Size", "SIZE"},
          {"Reclaimable", "RECLAIMABLE"}};
}

// The verbose sections' rows: images (first tag only, as docker), containers (without the
// virtual size), volumes; the build cache is always empty in wharf.
struct Verbose {
  std::vector<Json> images, containers, volumes;
};

Verbose verboseRows(const Json& du, bool trunc) {
  Verbose v;
  const int64_t now = std::time(nullptr);
  for (const Json& i : arrayOf(du, "Images")) {
    auto rows = imageRows(i, trunc, now);
    if (!rows.empty()) v.images.push_back(rows.front());
  }
  for (Json c : arrayOf(du, "Containers")) {
    c["SizeRootFs"] = 0;  // docker: "Don't display the virtual size"
    v.containers.push_back(psRow(c, trunc, now));
  }
  for (const Json& vol : arrayOf(du, "Volumes")) {
    Json usage =
        vol.contains("UsageData") && vol["UsageData"].is_object() ? vol["UsageData"] : Json();
    Json row{{"Name", vol.value("Name", "")}, {"Driver", vol.value("Driver", "")}};
    row["Links"] = usage.is_null() ? "N/A" : std::to_string(num(usage, "RefCount"));
    int64_t sz = usage.is_null() ? -1 : num(usage, "Size", -1);
    row["Size"] = sz == -1 ? "N/A" : size(sz);
    v.volumes.push_back(std::move(row));
  }
  return v;
}

int writeVerboseTable(Context& ctx, const Verbose& v) {
  ctx.io.out << "Images space usage:\n\n";
  int rc = writeFormatted(ctx,
                          "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                          "\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
                          "", imagesHeader(), v.images);
  if (rc) return rc;
  ctx.io.out << "\nContainers space usage:\n\n";
  rc = writeFormatted(ctx,
                      "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}"
                      "\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
                      "", psHeader(), v.containers);
  if (rc) return rc;
  ctx.io.out << "\nLocal Volumes space usage:\n\n";
  rc = writeFormatted(ctx, "table {{.Name}}\t{{.Links}}\t{{.Size}}", "",
                      {{"Name", "VOLUME NAME"}, {"Links", "LINKS"}, {"Size", "SIZE"}}, v.volumes);
  if (rc) return rc;
  ctx.io.out << "\nBuild cache usage: " << size(0) << "\n\n";
  return writeFormatted(ctx,
                        "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}"
                        "\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
                        "",
                        {{"ID", "CACHE ID"},
                         {"CacheType", "CACHE TYPE"},
                         {"Size", "SIZE"},
                         {"CreatedSince", "CREATED"},
                         {"LastUsedSince", "LAST USED"},
                         {"UsageCount", "USAGE"},
                         {"Shared", "SHARED"}},
                        {});
}

}  // namespace

int cmdSystemDf(Context& ctx, std::vector<std::string> args) {
  bool verbose = false;
  std::string format;
  std::vector<std::string> extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf system df", usage);
  app.add_flag("-v,--verbose", verbose, "Show detailed information on space usage");
  app.add_option("--format", format, "Format output using a custom template");
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf system df", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf system df", extra.size(), usage)) return *rc;

  auto du = ctx.client().diskUsage();
  if (!du.ok()) return ctx.fail(du.error());
  if (!verbose) {
    // docker's "raw" format is its default without "table"; json and templates run per row.
    std::string def = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
    if (format == "table") format.clear();
    return writeFormatted(ctx, format, def, summaryHeader(), summaryRows(*du));
  }
  const bool table = format.empty() || format == "table";
  Verbose v = verboseRows(*du, table);
  if (table) return writeVerboseTable(ctx, v);
  // A template over the four lists, as docker's verbose non-table format runs it once.
  std::string f = format == "json" ? "{{json .}}" : format;
  auto t = GoTemplate::parse(f);
  if (!t.ok()) {
    ctx.io.err << t.error().message() << "\n";
    return 1;
  }
  Json data{{"Images", v.images},
            {"Containers", v.containers},
            {"Volumes", v.volumes},
            {"BuildCache", Json::array()}};
  auto out = t->execute(data);
  if (!out.ok()) {
    ctx.io.err << out.error().message() << "\n";
    return 1;
  }
  ctx.io.out << *out << "\n";
  return 0;
}

}  // namespace wharf::cli
