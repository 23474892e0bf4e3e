// Image commands: images / image ls, image bootstrap (image inspect is in container.cpp with
// the other inspects).

#include <ctime>

#include "cli/format.h"
#include "cli/internal/auth_config.h"
#include "cli/internal/command.h"
#include "cli/progress.h"
#include "cli/ps_rows.h"

namespace wharf::cli {

Json imagesHeader() {
  return {{"Repository", "REPOSITORY"},
          {"Tag", "TAG"},
          {"ID", "IMAGE ID"},
          {"CreatedSince", "CREATED"},
          {"CreatedAt", "CREATED AT"},
          {"Size", "SIZE"},
          {"Digest", "DIGEST"},
          {"Containers", "CONTAINERS"},
          {"SharedSize", "SHARED SIZE"},
          {"UniqueSize", "UNIQUE SIZE"},
          {"VirtualSize", "VIRTUAL SIZE"}};
}

std::vector<Json> imageRows(const Json& image, bool trunc, int64_t now) {
  auto num = [&](const char* k) {
    auto it = image.find(k);
    return it != image.end() && it->is_number() ? it->get<int64_t>() : int64_t{-1};
  };
  std::string id = image.value("Id", "");
  Json base = Json::object();
  base["ID"] = trunc ? truncateId(id) : id;
  int64_t created = num("Created");
  base["CreatedSince"] = humanDuration(now - created) + " ago";
  base["CreatedAt"] = goTimeString(created);
  int64_t size = std::max<int64_t>(num("Size"), 0);
  base["Size"] = humanSize(static_cast<double>(size), 3);
  base["VirtualSize"] = base["Size"];
  int64_t shared = num("SharedSize");
  // docker's imageContext: Size with three significant digits, these two with go-units'
  // HumanSize (four).
  base["SharedSize"] = shared < 0 ? "N/A" : humanSize(static_cast<double>(shared), 4);
  base["UniqueSize"] =
      shared < 0 ? "N/A" : humanSize(static_cast<double>(std::max<int64_t>(size - shared, 0)), 4);
  int64_t containers = num("Containers");
  base["Containers"] = containers < 0 ? "N/A" : std::to_string(containers);
  std::string digest = "<none>";
  if (image.contains("RepoDigests") && image["RepoDigests"].is_array() &&
      !image["RepoDigests"].empty()) {
    std::string d = image["RepoDigests"][0].get<std::string>();
    if (size_t at = d.find('@'); at != std::string::npos) digest = d.substr(at + 1);
  }
  base["Digest"] = digest;

  std::vector<Json> rows;
  if (image.contains("RepoTags") && image["RepoTags"].is_array()) {
    for (const Json& t : image["RepoTags"]) {
      if (!t.is_string()) continue;
      std::string tag = t.get<std::string>();
      size_t slash = tag.rfind('/');
      size_t colon = tag.rfind(':');
      Json row = base;
      if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        row["Repository"] = tag.substr(0, colon);
        row["Tag"] = tag.substr(colon + 1);
      } else {
        row["Repository"] = tag;
        row["Tag"] = "<none>";
      }
      if (row["Repository"] == "<none>" && row["Tag"] == "<none>" && !rows.empty()) continue;
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) {
    Json row = base;
    row["Repository"] = "<none>";
    row["Tag"] = "<none>";
    rows.push_back(std::move(row));
  }
  return rows;
}

int cmdImages(Context& ctx, std::vector<std::string> args) {
  bool all = false, quiet = false, noTrunc = false, digests = false;
  std::string format;
  std::vector<std::string> filters, repo;
  CLI::App app;
  const char* usage = "[OPTIONS] [REPOSITORY[:TAG]]";
  initApp(app, "wharf images", usage);
  app.add_flag("-a,--all", all, "Show all images (default hides intermediate images)");
  app.add_flag("-q,--quiet", quiet, "Only show image IDs");
  app.add_flag("--no-trunc", noTrunc, "Don't truncate output");
  app.add_flag("--digests", digests, "Show digests");
  app.add_option("-f,--filter", filters, "Filter output based on conditions provided")
      ->allow_extra_args(false)
      ->take_all();
  app.add_option("--format", format, "Format output using a custom template");
  app.add_option("repository", repo)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf images", std::move(args))) return *rc;
  if (repo.size() > 1) {
    ctx.io.err << "\"wharf images\" requires at most 1 argument.\nSee 'wharf images --help'.\n";
    return 1;
  }
  auto list = ctx.client().imageList(all);
  if (!list.ok()) return ctx.fail(list.error());
  auto now = static_cast<int64_t>(std::time(nullptr));
  std::vector<Json> rows;
  if (list->is_array()) {
    for (const Json& img : *list) {
      for (Json& row : imageRows(img, !noTrunc, now)) {
        // REPOSITORY[:TAG] filters client-side (the daemon's "reference" filter does the same).
        if (!repo.empty()) {
          std::string want = repo[0];
          std::string ref =
              row["Repository"].get<std::string>() + ":" + row["Tag"].get<std::string>();
          if (want != row["Repository"] && want != ref) continue;
        }
        rows.push_back(std::move(row));
      }
    }
  }
  // Newest first, as docker sorts.
  std::stable_sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
    return a["CreatedAt"].get<std::string>() > b["CreatedAt"].get<std::string>();
  });
  if (quiet && format.empty()) {
    // -q lists each image id once.
    std::vector<Json> unique;
    for (const Json& r : rows)
      if (std::none_of(unique.begin(), unique.end(),
                       [&](const Json& u) { return u["ID"] == r["ID"]; }))
        unique.push_back(r);
    return writeFormatted(ctx, "{{.ID}}", "", imagesHeader(), unique);
  }
  std::string def = digests
                        ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
                          "{{.CreatedSince}}\t{{.Size}}"
                        : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
  return writeFormatted(ctx, format, def, imagesHeader(), rows);
}

int cmdPull(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> names;
  bool quiet = false;
  std::string platform;
  CLI::App app;
  const char* usage = "[OPTIONS] NAME[:TAG|@DIGEST]";
  initApp(app, "wharf pull", usage);
  app.add_flag("-q,--quiet", quiet, "Suppress verbose output");
  app.add_option("--platform", platform, "Set platform if server is multi-platform capable");
  app.add_option("name", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf pull", std::move(args))) return *rc;
  if (names.size() != 1) {
    ctx.io.err << "\"wharf pull\" requires exactly 1 argument.\nSee 'wharf pull --help'.\n\n"
                  "Usage:  wharf pull "
               << usage << "\n";
    return 1;
  }
  std::string ref = names[0];
  if (ref.find('@') == std::string::npos) {
    size_t slash = ref.rfind('/'), colon = ref.rfind(':');
    if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
      if (!quiet) ctx.io.out << "Using default tag: latest\n";
      ref += ":latest";
    }
  }
  auto auth = registryAuthHeader(ref);
  if (!auth.ok()) return ctx.fail(auth.error());
  ProgressPrinter progress(ctx.io.out, ctx.io.outIsTty);
  Status st = ctx.client().imagePull(
      ref,
      [&](const Json& j) {
        if (!quiet) progress.onMessage(j);
      },
      platform, *auth);
  if (!st.ok()) return ctx.fail(st.error());
  ctx.io.out << ref << "\n";
  return 0;
}

int cmdImageBootstrap(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "NAME";
  initApp(app, "wharf image bootstrap", usage);
  app.add_option("name", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf image bootstrap", std::move(args))) return *rc;
  if (names.size() != 1) {
    ctx.io.err << "\"wharf image bootstrap\" requires exactly 1 argument.\nSee 'wharf image "
                  "bootstrap --help'.\n\nUsage:  wharf image bootstrap NAME\n";
    return 1;
  }
  auto r = ctx.client().imageBootstrap(names[0]);
  if (!r.ok()) return ctx.fail(r.error());
  // The daemon answers with the image summary; print what docker prints after a pull.
  std::string id = r->is_object() ? r->value("Id", r->value("id", "")) : "";
  ctx.io.out << names[0] << ": bootstrapped" << (id.empty() ? "" : " " + id) << "\n";
  return 0;
}

}  // namespace wharf::cli
