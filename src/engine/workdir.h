#pragma once
// The container's working directory is created at start when the image does not have it, as
// dockerd does (`docker run -w /newdir busybox pwd` prints /newdir): root-owned, 0755, every
// component resolved inside the rootfs (openat2 RESOLVE_IN_ROOT), so a symlink in the image
// can never make the daemon create a directory outside it.

#include <string>

#include "common/error.h"

namespace wharf::engine {

// `dir` is absolute, as create checks; "" and "/" need nothing.
Status ensureDirInRoot(const std::string& rootfs, const std::string& dir);

}  // namespace wharf::engine
