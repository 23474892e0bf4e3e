#pragma once
// The runtime's own view of procfs (CVE-2025-52881, CVE-2019-19921 class): sysctls, LSM
// attributes, oom_score_adj and the fd paths the mount code uses are reached through a procfs
// fd opened by the runtime before it enters the container (the host's /proc, checked to be
// the root of a real procfs), never through the container's /proc, which an image or a
// volume can redirect (a symlink /proc, a bind mount over a file in it, a racing mount).
// Files below it are opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
// RESOLVE_NO_XDEV) and checked with fstatfs to be procfs files.

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::runtime {

// O_PATH fd of the host's /proc, verified to be a procfs root.
Result<UniqueFd> openProcRoot();

// A file below procFd ("sys/kernel/hostname", "self/oom_score_adj").
Result<UniqueFd> openProcFile(int procFd, std::string_view rel, int flags);

// Writes value to a file below procFd; `what` names it in errors (the config key).
Status writeProcFile(int procFd, std::string_view rel, std::string_view value,
                     const std::string& what);

}  // namespace wharf::runtime
