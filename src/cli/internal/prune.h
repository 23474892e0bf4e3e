#pragma once
// The prune commands' shared steps, as the docker CLI's RunPrune functions: each calls one
// prune endpoint and returns the space it reclaimed and the lines to print ("Deleted
// Containers:\n<id>\n..."), so that `system prune` runs them in docker's order and sums them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/internal/command.h"
#include "common/error.h"

namespace wharf::cli {

using PruneFilters = std::map<std::string, std::vector<std::string>>;

struct PruneOutcome {
  int64_t spaceReclaimed = 0;
  std::string output;  // empty when nothing was deleted
};

// `--filter k=v` flags; on a bad one prints docker's message (`invalid argument "x" for
// "--filter" flag: bad format of filter (expected name=value)` and `See 'PATH --help'.`) and
// returns nullopt (the caller exits 125).
std::optional<PruneFilters> pruneFilterFlags(Context& ctx, const std::vector<std::string>& flags,
                                             const std::string& path);

Result<PruneOutcome> runContainerPrune(Context& ctx, const PruneFilters& filters);
Result<PruneOutcome> runNetworkPrune(Context& ctx, const PruneFilters& filters);
// all: also named volumes (volume prune -a); system prune passes false, as docker's.
Result<PruneOutcome> runVolumePrune(Context& ctx, bool all, const PruneFilters& filters);
// all: every unused image (dangling=false), else dangling ones only.
Result<PruneOutcome> runImagePrune(Context& ctx, bool all, const PruneFilters& filters);
Result<PruneOutcome> runBuildCachePrune(Context& ctx, bool all, const PruneFilters& filters);

// "Total reclaimed space: 1.234MB" (go-units HumanSize: four significant digits).
void printReclaimed(Context& ctx, int64_t space);

}  // namespace wharf::cli
