#pragma once
// Docker's default seccomp profile (the behaviour of moby's profiles/seccomp/default.json):
// every syscall fails with EPERM unless allowed; an allow-list of ~370 syscalls; personality
// only with the values programs use; socket but not AF_VSOCK; clone without the namespace
// flags and clone3 failing with ENOSYS (so libcs fall back to clone) unless the container holds
// CAP_SYS_ADMIN; the syscalls that a capability guards (mount, unshare, setns... with
// CAP_SYS_ADMIN, ptrace with CAP_SYS_PTRACE, init_module with CAP_SYS_MODULE, reboot with
// CAP_SYS_BOOT...) only when the container holds it. Architectures: x86_64 with x86 and x32,
// aarch64 with arm. The table lives in seccomp_default.cpp.

#include <string>
#include <vector>

#include "oci/runtime_spec.h"
#include "oci/seccomp_profile.h"

namespace wharf::oci {

// The profile itself, in Docker's format (with its includes/excludes).
const SeccompProfile& dockerDefaultSeccompProfile();

// The OCI linux.seccomp of the default profile for a container holding `caps` (its bounding
// set, "CAP_SYS_ADMIN"...) on `host`.
Seccomp dockerDefaultSeccomp(const std::vector<std::string>& caps, const SeccompHost& host);
// Same, on this machine.
Seccomp dockerDefaultSeccomp(const std::vector<std::string>& caps);

}  // namespace wharf::oci
