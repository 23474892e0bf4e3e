// The prune commands' shared steps (cli/internal/prune.h, the docker CLI's RunPrune functions)
// and `wharf image prune` / `wharf container prune`: docker's prompts, output and exit codes
// (cli/command/{image,container}/prune.go).

#include "cli/format.h"
#include "cli/internal/command.h"
#include "cli/internal/prune.h"

namespace wharf::cli {

std::optional<PruneFilters> pruneFilterFlags(Context& ctx, const std::vector<std::string>& flags,
                                             const std::string& path) {
  PruneFilters filters;
  for (const auto& f : flags) {
    size_t eq = f.find('=');
    if (eq == std::string::npos) {
      ctx.io.err << "invalid argument \"" << f
                 << "\" for \"--filter\" flag: bad format of filter (expected name=value)\n"
                    "See '"
                 << path << " --help'.\n";
      return std::nullopt;
    }
    filters[f.substr(0, eq)].push_back(f.substr(eq + 1));
  }
  return filters;
}

void printReclaimed(Context& ctx, int64_t space) {
  ctx.io.out << "Total reclaimed space: " << humanSize(static_cast<double>(space), 4) << "\n";
}

namespace {

// The names of a report's list ("ContainersDeleted", ...), each on its own line.
std::string deletedLines(const Json& report, const char* key, const char* title) {
  auto it = report.find(key);
  if (it == report.end() || !it->is_array() || it->empty()) return "";
  std::string out = std::string(title) + "\n";
  for (const auto& n : *it)
    if (n.is_string()) out += n.get<std::string>() + "\n";
  return out;
}

int64_t reclaimed(const Json& report) {
  auto it = report.find("SpaceReclaimed");
  return it != report.end() && it->is_number() ? it->get<int64_t>() : 0;
}

}  // namespace

Result<PruneOutcome> runContainerPrune(Context& ctx, const PruneFilters& filters) {
  WHARF_ASSIGN_OR_RETURN(Json r, ctx.client().containerPrune(filters));
  PruneOutcome out;
  out.output = deletedLines(r, "ContainersDeleted", "Deleted Containers:");
  if (!out.output.empty()) out.spaceReclaimed = reclaimed(r);
  return out;
}

Result<PruneOutcome> runNetworkPrune(Context& ctx, const PruneFilters& filters) {
  Json f = Json::object();
  for (const auto& [k, vals] : filters)
    for (const auto& v : vals) f[k][v] = true;
  WHARF_ASSIGN_OR_RETURN(Json r, ctx.client().networkPrune(f));
  return PruneOutcome{0, deletedLines(r, "NetworksDeleted", "Deleted Networks:")};
}

Result<PruneOutcome> runVolumePrune(Context& ctx, bool all, const PruneFilters& filters) {
  PruneFilters f = filters;
  if (all) f["all"] = {"true"};
  WHARF_ASSIGN_OR_RETURN(Json r, ctx.client().volumePrune(f));
  PruneOutcome out;
  out.output = deletedLines(r, "VolumesDeleted", "Deleted Volumes:");
  if (!out.output.empty()) out.spaceReclaimed = reclaimed(r);
  return out;
}

Result<PruneOutcome> runImagePrune(Context& ctx, bool all, const PruneFilters& filters) {
  PruneFilters f = filters;
  // docker sends dangling=true unless -a, which sends dangling=false.
  f["dangling"] = {all ? "false" : "true"};
  WHARF_ASSIGN_OR_RETURN(Json r, ctx.client().imagePrune(f));
  PruneOutcome out;
  if (auto it = r.find("ImagesDeleted"); it != r.end() && it->is_array() && !it->empty()) {
    out.output = "Deleted Images:\n";
    for (const auto& i : *it) {
      if (i.contains("Untagged") && i["Untagged"].is_string())
        out.output += "untagged: " + i["Untagged"].get<std::string>() + "\n";
      if (i.contains("Deleted") && i["Deleted"].is_string())
        out.output += "deleted: " + i["Deleted"].get<std::string>() + "\n";
    }
    out.spaceReclaimed = reclaimed(r);
  }
  return out;
}

Result<PruneOutcome> runBuildCachePrune(Context& ctx, bool all, const PruneFilters& filters) {
  WHARF_ASSIGN_OR_RETURN(Json r, ctx.client().buildCachePrune(all, filters));
  PruneOutcome out;
  out.output = deletedLines(r, "CachesDeleted", "Deleted build cache objects:");
  out.spaceReclaimed = reclaimed(r);
  return out;
}

int cmdImagePrune(Context& ctx, std::vector<std::string> args) {
  bool all = false, force = false;
  std::vector<std::string> filterFlags, extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf image prune", usage);
  app.add_flag("-a,--all", all, "Remove all unused images, not just dangling ones");
  app.add_option("--filter", filterFlags, "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false)
      ->take_all();
  app.add_flag("-f,--force", force, "Do not prompt for confirmation");
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf image prune", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf image prune", extra.size(), usage)) return *rc;
  auto filters = pruneFilterFlags(ctx, filterFlags, "wharf image prune");
  if (!filters) return 125;
  if (!force && !confirmPrune(ctx, all ? "This will remove all images without at least one "
                                         "container associated to them."
                                       : "This will remove all dangling images.")) {
    return 0;  // docker 28 prints nothing more when the prompt is declined
  }
  auto r = runImagePrune(ctx, all, *filters);
  if (!r.ok()) return ctx.fail(r.error());
  if (!r->output.empty()) ctx.io.out << r->output << "\n";
  printReclaimed(ctx, r->spaceReclaimed);
  return 0;
}

int cmdContainerPrune(Context& ctx, std::vector<std::string> args) {
  bool force = false;
  std::vector<std::string> filterFlags, extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf container prune", usage);
  app.add_option("--filter", filterFlags, "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false)
      ->take_all();
  app.add_flag("-f,--force", force, "Do not prompt for confirmation");
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf container prune", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf container prune", extra.size(), usage)) return *rc;
  auto filters = pruneFilterFlags(ctx, filterFlags, "wharf container prune");
  if (!filters) return 125;
  if (!force && !confirmPrune(ctx, "This will remove all stopped containers.")) {
    return 0;  // docker 28 prints nothing more when the prompt is declined
  }
  auto r = runContainerPrune(ctx, *filters);
  if (!r.ok()) return ctx.fail(r.error());
  if (!r->output.empty()) ctx.io.out << r->output << "\n";
  printReclaimed(ctx, r->spaceReclaimed);
  return 0;
}

}  // namespace wharf::cli
