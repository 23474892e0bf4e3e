#pragma once
// Finding shims by what the kernel says, not by what a record says: a daemon killed after it
// spawned a shim but before it wrote the shim's pid down finds the shim again here.

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>

namespace wharf::engine {

// The container id of a wharf-shim command line (NUL-separated argv, as in
// /proc/<pid>/cmdline): the value of --id; empty when it is not a shim's.
std::string shimIdFromCmdline(std::string_view cmdline);

// Is `pid` the shim of container `id` now? (Pids are reused; the command line says.)
bool isShimOf(pid_t pid, const std::string& id);

// Every live wharf-shim process, by container id. The shim forks once at start (its first
// process exits at once): when both are still there, the child is the shim proper.
std::map<std::string, pid_t> findShims();

}  // namespace wharf::engine
