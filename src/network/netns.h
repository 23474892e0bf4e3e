#pragma once
// Network namespaces that outlive their processes: each is bind-mounted on a file under
// <exec-root>/netns/<container id>, as `ip netns` and docker do. The daemon configures the
// namespace through that file (netlink sockets opened inside it) before the container starts;
// the runtime joins it (an OCI "network" namespace with a path); a restarted daemon finds it
// again; removal unmounts it, and the kernel frees it (and its veth) with the last user.

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::network {

// Creates a fresh namespace bound on `path` (its directory must exist). Loopback stays down:
// the runtime brings it up when the container joins (runtime/internal/process.h).
Status createNetns(const std::string& path);
// Unmounts and unlinks `path`; a missing one is not an error.
Status removeNetns(const std::string& path);
Result<UniqueFd> openNetns(const std::string& path);
// Whether `path` is a namespace bind mount (nsfs) and not a plain file left behind.
bool isNetnsMount(const std::string& path);
// Sets IPv6 sysctls inside the namespace `netnsFd` (its /proc/sys/net, opened by a short-lived
// thread that entered it): net.ipv6.conf.{all,default,<ifname>}.disable_ipv6=0, only those
// not already 0, as docker does for a container with an IPv6 endpoint.
Status enableIpv6In(int netnsFd, const std::string& ifname);

}  // namespace wharf::network
