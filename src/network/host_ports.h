#pragma once
// Holding a published host port (docs/decisions.md, "published ports"): wharf does not run a
// proxy per port; the DNAT rules (network/firewall.h) carry the traffic. So that no other
// process binds the port meanwhile (and then never sees its connections), the daemon keeps a
// socket bound to it, not listening: a TCP socket that never listens accepts nothing, and a
// UDP socket receives nothing, because DNAT rewrites the packets before the socket lookup.
// Port 0 asks the kernel for a free port of net.ipv4.ip_local_port_range, as docker's port
// allocator picks from that range.

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "network/address.h"

namespace wharf::network {

struct HeldPort {
  UniqueFd fd;
  int port = 0;  // the port bound (the kernel's choice for 0)
};

// `proto` "tcp", "udp" or "sctp"; `ip` 0 for every address. EADDRINUSE (in the error's errno)
// when something else has it, EADDRNOTAVAIL when `ip` is not an address of this host. On a
// kernel without SCTP sockets an sctp port is not held (nothing could take it: `fd` stays
// empty), and port 0 is an error with EPROTONOSUPPORT.
Result<HeldPort> holdHostPort(const std::string& proto, Ipv4 ip, int port);
// Whether the kernel has SCTP sockets (the sctp module).
bool sctpSupported();

}  // namespace wharf::network
