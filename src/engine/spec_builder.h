#pragma once
// Turns a container record into the OCI runtime spec its shim runs: Docker's defaults
// (oci::dockerDefaultSpec) plus the container's command, environment, user, hostname,
// capabilities, seccomp profile, read-only rootfs, the bind-mounted hostname/hosts/resolv.conf
// and its cgroup.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/container_record.h"
#include "oci/runtime_spec.h"
#include "oci/seccomp_profile.h"

namespace wharf::engine {

struct SpecContext {
  std::string rootfs;                  // the mounted overlay (absolute)
  uint64_t daemonCapBounding = ~0ull;  // what a privileged container may have (CapBnd)
  oci::SeccompHost seccompHost = oci::SeccompHost::current();  // for the profiles' conditions
};

Result<oci::Spec> buildSpec(const ContainerInfo& c, const SpecContext& ctx);

// The process environment docker gives a container: PATH (unless the config sets one),
// HOSTNAME, TERM=xterm with a TTY, then the container's Env.
std::vector<std::string> containerEnv(const ContainerInfo& c);

// Resolves "user", "uid", "user:group", "uid:gid" against the rootfs' /etc/passwd and
// /etc/group (numeric ids need no entry). Supplementary groups come from /etc/group.
Result<oci::User> resolveUser(const std::string& spec, const std::string& rootfs);

// "cap_net_admin", "NET_ADMIN", "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; "ALL" stays "ALL".
Result<std::string> normalizeCapability(const std::string& name);

// The capability set after docker's --cap-add/--cap-drop rules (ALL on either side).
Result<std::vector<std::string>> applyCapabilityChanges(const std::vector<std::string>& base,
                                                        const std::vector<std::string>& add,
                                                        const std::vector<std::string>& drop,
                                                        uint64_t available);

// HostConfig.SecurityOpt as dockerd reads it: "no-new-privileges" (alone, or "=<bool>"),
// "seccomp=<builtin|unconfined|profile JSON>", "label=..." and "apparmor=..." (accepted and
// ignored: wharf has neither SELinux nor AppArmor support), ":" instead of "=" as in old
// docker CLIs. Anything else is `invalid --security-opt 2: "<opt>"` (InvalidArgument).
struct SecurityOptions {
  bool noNewPrivileges = false;
  std::string seccompProfile;  // "" or "builtin": the default; "unconfined"; else JSON
};
Result<SecurityOptions> parseSecurityOpts(const std::vector<std::string>& opts);

// The container's capability set: Docker's 14 (every available one with --privileged), then
// --cap-add/--cap-drop.
Result<std::vector<std::string>> containerCapabilities(const ContainerSpec& cs, uint64_t available);

// The container's linux.seccomp for its capability set `caps`: none with --privileged or
// seccomp=unconfined, the profile given as JSON, else Docker's default profile. A bad profile
// is InvalidArgument ("Decoding seccomp profile failed: syscalls[0].action: ...").
Result<std::optional<oci::Seccomp>> containerSeccomp(const ContainerSpec& cs,
                                                     const std::vector<std::string>& caps,
                                                     const oci::SeccompHost& host);

// What create checks so that start does not fail on it later: the security options, the
// capability names and the seccomp profile.
Status validateSecurity(const ContainerSpec& cs, uint64_t available);

// The daemon's own bounding set, from /proc/self/status (CapBnd).
uint64_t daemonCapabilityBounding();

}  // namespace wharf::engine
