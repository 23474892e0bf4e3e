// Volume commands: volume create, ls, rm, prune (volume inspect is in container.cpp), with
// docker's flags, output and messages.

#include <algorithm>

#include "cli/format.h"
#include "cli/internal/command.h"
#include "cli/internal/prune.h"

namespace wharf::cli {

namespace {

using FilterMap = std::map<std::string, std::vector<std::string>>;

// `--filter k=v` values (docker's opts.FilterOpt): "k=v" pairs, "bad filter" otherwise.
Result<FilterMap> parseFilterFlags(const std::vector<std::string>& flags) {
  FilterMap out;
  for (const std::string& f : flags) {
    size_t eq = f.find('=');
    if (eq == std::string::npos)
      return invalidArgument("invalid argument \"" + f +
                             "\" for \"-f, --filter\" flag: bad format of filter (expected "
                             "name=value)");
    out[f.substr(0, eq)].push_back(f.substr(eq + 1));
  }
  return out;
}

// "key=value" (or "key", empty value) list flags into a map: --label, --opt.
std::map<std::string, std::string> keyValues(const std::vector<std::string>& list) {
  std::map<std::string, std::string> out;
  for (const auto& kv : list) {
    size_t eq = kv.find('=');
    out[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  return out;
}

Json volumesHeader() {
  return {{"Name", "VOLUME NAME"}, {"Driver", "DRIVER"},
          {"Scope", "SCOPE"},      {"Mountpoint", "MOUNTPOINT"},
          {"Labels", "LABELS"},    {"Links", "LINKS"},
          {"Size", "SIZE"},        {"CreatedAt", "CREATED AT"}};
}

Json volumeRow(const Json& v) {
  Json row = Json::object();
  row["Name"] = v.value("Name", "");
  row["Driver"] = v.value("Driver", "");
  row["Scope"] = v.value("Scope", "local");
  row["Mountpoint"] = v.value("Mountpoint", "");
  row["CreatedAt"] = v.value("CreatedAt", "");
  std::string labels;
  Json labelMap = Json::object();
  if (auto it = v.find("Labels"); it != v.end() && it->is_object()) {
    for (const auto& [k, val] : it->items()) {
      std::string s = val.is_string() ? val.get<std::string>() : "";
      labels += (labels.empty() ? "" : ",") + k + "=" + s;
      labelMap[k] = s;
    }
  }
  row["Labels"] = labels;
  row["LabelMap"] = labelMap;
  row["Links"] = "N/A";
  row["Size"] = "N/A";
  return row;
}

std::optional<int> badFilters(Context& ctx, const Result<FilterMap>& f) {
  if (f.ok()) return std::nullopt;
  ctx.io.err << f.error().message() << "\nSee 'wharf volume --help'.\n";
  return 125;
}

}  // namespace

int cmdVolumeCreate(Context& ctx, std::vector<std::string> args) {
  std::string driver = "local", nameFlag;
  std::vector<std::string> labels, opts, names;
  CLI::App app;
  const char* usage = "[OPTIONS] [VOLUME]";
  initApp(app, "wharf volume create", usage);
  app.add_option("-d,--driver", driver, "Specify volume driver name");
  app.add_option("--label", labels, "Set metadata for a volume")
      ->allow_extra_args(false)
      ->take_all();
  app.add_option("-o,--opt", opts, "Set driver specific options")
      ->allow_extra_args(false)
      ->take_all();
  app.add_option("--name", nameFlag, "Specify volume name")->group("");
  app.add_option("name", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf volume create", std::move(args))) return *rc;
  if (names.size() > 1) {
    ctx.io.err << "\"wharf volume create\" requires at most 1 argument.\nSee 'wharf volume "
                  "create --help'.\n\nUsage:  wharf volume create "
               << usage << "\n\nCreate a volume\n";
    return 1;
  }
  std::string name = nameFlag;
  if (!names.empty()) {
    if (!nameFlag.empty() && nameFlag != names[0]) {
      ctx.io.err << "conflicting options: either specify --name or provide positional arg, not "
                    "both\n";
      return 1;
    }
    name = names[0];
  }
  Json body = {{"Name", name},
               {"Driver", driver},
               {"DriverOpts", keyValues(opts)},
               {"Labels", keyValues(labels)}};
  auto v = ctx.client().volumeCreate(body);
  if (!v.ok()) return ctx.fail(v.error());
  ctx.io.out << v->value("Name", name) << "\n";
  return 0;
}

int cmdVolumeLs(Context& ctx, std::vector<std::string> args) {
  bool quiet = false, cluster = false;
  std::string format;
  std::vector<std::string> filterFlags;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf volume ls", usage);
  app.add_flag("-q,--quiet", quiet, "Only display volume names");
  app.add_option("--format", format, "Format output using a custom template");
  app.add_option("-f,--filter", filterFlags, "Provide filter values (e.g. \"dangling=true\")")
      ->allow_extra_args(false)
      ->take_all();
  app.add_flag("--cluster", cluster,
               "Display only cluster volumes, and use cluster volume list "
               "formatting")
      ->group("");
  std::vector<std::string> extra;
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf volume ls", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf volume ls", extra.size(), usage)) return *rc;
  auto filters = parseFilterFlags(filterFlags);
  if (auto rc = badFilters(ctx, filters)) return *rc;
  auto list = ctx.client().volumeList(*filters);
  if (!list.ok()) return ctx.fail(list.error());
  std::vector<Json> rows;
  if (auto it = list->find("Volumes"); it != list->end() && it->is_array())
    for (const Json& v : *it) rows.push_back(volumeRow(v));
  // docker sorts by name.
  std::sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
    return a["Name"].get<std::string>() < b["Name"].get<std::string>();
  });
  if (quiet && format.empty()) return writeFormatted(ctx, "{{.Name}}", "", volumesHeader(), rows);
  return writeFormatted(ctx, format, "table {{.Driver}}\t{{.Name}}", volumesHeader(), rows);
}

int cmdVolumeRm(Context& ctx, std::vector<std::string> args) {
  bool force = false;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] VOLUME [VOLUME...]";
  initApp(app, "wharf volume rm", usage);
  app.add_flag("-f,--force", force, "Force the removal of one or more volumes");
  app.add_option("names", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf volume rm", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf volume rm", names.size(), 1, usage)) return *rc;
  int rc = 0;
  for (const auto& n : names) {
    Status st = ctx.client().volumeRemove(n, force);
    if (!st.ok()) {
      ctx.io.err << ctx.describe(st.error()) << "\n";
      rc = 1;
      continue;
    }
    ctx.io.out << n << "\n";
  }
  return rc;
}

int cmdVolumePrune(Context& ctx, std::vector<std::string> args) {
  bool all = false, force = false;
  std::vector<std::string> filterFlags;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf volume prune", usage);
  app.add_flag("-a,--all", all, "Remove all unused volumes, not just anonymous ones");
  app.add_option("--filter", filterFlags, "Provide filter values (e.g. \"label=<label>\")")
      ->allow_extra_args(false)
      ->take_all();
  app.add_flag("-f,--force", force, "Do not prompt for confirmation");
  std::vector<std::string> extra;
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf volume prune", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf volume prune", extra.size(), usage)) return *rc;
  auto filters = parseFilterFlags(filterFlags);
  if (auto rc = badFilters(ctx, filters)) return *rc;
  if (all) {
    if (filters->count("all")) {
      ctx.io.err << "conflicting options: cannot specify both --all and --filter all=1\n";
      return 1;
    }
    (*filters)["all"] = {"true"};
  }
  if (!force && !confirmPrune(ctx, all ? "This will remove all local volumes not used by at "
                                         "least one container."
                                       : "This will remove anonymous local volumes not used "
                                         "by at least one container.")) {
    return 0;  // docker 28 prints nothing more when the prompt is declined
  }
  auto r = runVolumePrune(ctx, false, *filters);  // "all" is in the filters already
  if (!r.ok()) return ctx.fail(r.error());
  if (!r->output.empty()) ctx.io.out << r->output << "\n";
  printReclaimed(ctx, r->spaceReclaimed);
  return 0;
}

}  // namespace wharf::cli
