#include "network/host_ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

namespace wharf::network {

Result<HeldPort> holdHostPort(const std::string& proto, Ipv4 ip, int port) {
  int type = proto == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  if (proto != "tcp" && proto != "udp" && proto != "sctp")
    return notImplemented("publishing " + proto + " ports is not supported");
  HeldPort held;
  held.fd = UniqueFd(::socket(AF_INET, type | SOCK_CLOEXEC, proto == "sctp" ? IPPROTO_SCTP : 0));
  if (!held.fd && proto == "sctp" && (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT)) {
    // A kernel without SCTP: no process can take the port, so there is nothing to hold; the
    // DNAT rule alone carries the traffic. Only a free port cannot be asked of it.
    if (port == 0)
      return sysError("choose a free sctp host port (the kernel has no SCTP sockets; give one)");
    held.port = port;
    return held;
  }
  if (!held.fd) return sysError("socket");
  // No SO_REUSEADDR: a TCP socket in TIME_WAIT or another bound socket makes the port busy,
  // as it would for a server that tried to take it.
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ip);
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(held.fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return sysError("bind " + formatIpv4(ip) + ":" + std::to_string(port) + "/" + proto);
  socklen_t len = sizeof sa;
  if (::getsockname(held.fd.get(), reinterpret_cast<sockaddr*>(&sa), &len) != 0)
    return sysError("getsockname");
  held.port = ntohs(sa.sin_port);
  return held;
}

bool sctpSupported() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP));
  return fd || (errno != EPROTONOSUPPORT && errno != ESOCKTNOSUPPORT);
}

}  // namespace wharf::network
