// `wharf system prune [-a] [--volumes] [-f] [--filter k=v]`: docker CLI 28's
// cli/command/system/prune.go. Containers, networks, (volumes), images and the build cache
// are pruned in that order with the same filters; each one's list is printed as it comes and
// the reclaimed space summed into one total.

#include <algorithm>

#include "cli/format.h"
#include "cli/internal/command.h"
#include "cli/internal/prune.h"

namespace wharf::cli {

namespace {

// docker's confirmation template, filled as the docker CLI fills it.
std::string systemPruneWarning(bool all, bool volumes, const std::vector<std::string>& filters) {
  std::string w =
      "This will remove:\n  - all stopped containers\n"
      "  - all networks not used by at least one container\n";
  if (volumes) w += "  - all anonymous volumes not used by at least one container\n";
  w += all ? "  - all images without at least one container associated to them\n"
           : "  - all dangling images\n";
  w += all ? "  - all build cache\n" : "  - unused build cache\n";
  if (!filters.empty()) {
    std::vector<std::string> sorted = filters;
    std::sort(sorted.begin(), sorted.end());
    w += "\n  Items to be pruned will be filtered with:\n";
    for (const auto& f : sorted) w += "  - " + f + "\n";
  }
  return w;
}

}  // namespace

int cmdSystemPrune(Context& ctx, std::vector<std::string> args) {
  bool all = false, volumes = false, force = false;
  std::vector<std::string> filterFlags, extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf system prune", usage);
  app.add_flag("-a,--all", all, "Remove all unused images not just dangling ones");
  app.add_option("--filter", filterFlags, "Provide filter values (e.g. \"label=<key>=<value>\")")
      ->allow_extra_args(false)
      ->take_all();
  app.add_flag("-f,--force", force, "Do not prompt for confirmation");
  app.add_flag("--volumes", volumes, "Prune anonymous volumes");
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf system prune", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf system prune", extra.size(), usage)) return *rc;
  auto filters = pruneFilterFlags(ctx, filterFlags, "wharf system prune");
  if (!filters) return 125;
  // The prompt's text ends with its own newline; confirmPrune adds one more, as docker's
  // template ends with an empty line before the question.
  if (!force && !confirmPrune(ctx, systemPruneWarning(all, volumes, filterFlags))) return 0;
  int64_t space = 0;
  auto step = [&](Result<PruneOutcome> r) -> bool {
    if (!r.ok()) {
      ctx.fail(r.error());
      return false;
    }
    space += r->spaceReclaimed;
    if (!r->output.empty()) ctx.io.out << r->output << "\n";
    return true;
  };
  if (!step(runContainerPrune(ctx, *filters))) return 1;
  if (!step(runNetworkPrune(ctx, *filters))) return 1;
  if (volumes && !step(runVolumePrune(ctx, false, *filters))) return 1;
  if (!step(runImagePrune(ctx, all, *filters))) return 1;
  if (!step(runBuildCachePrune(ctx, all, *filters))) return 1;
  printReclaimed(ctx, space);
  return 0;
}

}  // namespace wharf::cli
