#pragma once
// The rules that keep a container's mounts from reaching the host through procfs (runc's
// CVE-2019-19921, CVE-2023-27561, CVE-2023-28642, CVE-2025-31133 classes), and the read-only
// and masked paths. Part of rootfs.cpp's work, split out to keep each file about one thing.

#include <string>

#include "common/error.h"
#include "common/sys/syscalls.h"
#include "common/unique_fd.h"
#include "oci/runtime_spec.h"
#include "runtime/internal/path_in_root.h"

namespace wharf::runtime {

// Refuses a mount whose destination (resolved in the rootfs) is inside /proc, or on a procfs
// anywhere, unless it is /proc itself for a procfs or one of the files runc allows (lxcfs).
Status checkMountDestination(sys::Syscalls& sys, const oci::Mount& m, const std::string& source,
                             const PathInRoot& dest);

// The mount now on top of `p` (a mount on p's fd does not move the fd; its parent and name lead
// to the new mount's root). Never a symlink.
Result<UniqueFd> reopenTop(const PathInRoot& p);

// linux.readonlyPaths, then linux.maskedPaths, resolved by fd in rootFd (before pivot_root).
Status protectPaths(sys::Syscalls& sys, const oci::Spec& spec, int rootFd);

}  // namespace wharf::runtime
