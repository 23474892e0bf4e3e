#pragma once
// Default runtime configurations: what `runc spec` writes, and what Docker starts a container
// with before applying its options (moby's oci/defaults.go).

#include <string>
#include <vector>

#include "oci/runtime_spec.h"

namespace wharf::oci {

// `runc spec`: terminal sh, 3 capabilities, read-only rootfs "rootfs", hostname "runc".
Spec runcDefaultSpec();
// Docker's default: the 14 default capabilities in bounding/effective/permitted, namespaces
// pid ipc uts mount network, its mounts, maskedPaths, readonlyPaths, a deny-all device rule
// (the runtime always allows its default devices on top, like runc). process.args is empty:
// the caller fills in the command, env, user and root.path ("rootfs" by default).
Spec dockerDefaultSpec();

// The 14 capabilities Docker grants by default.
const std::vector<std::string>& dockerDefaultCapabilities();
// "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
inline constexpr const char* kDefaultPathEnv =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace wharf::oci
