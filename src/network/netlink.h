#pragma once
// rtnetlink through libmnl: the few link, address and route operations a bridge network
// needs, each one request with an ACK (no shelling out to `ip`). A Netlink socket acts in the
// network namespace it was opened in; openIn() opens one inside a container's namespace, so
// the daemon configures it without entering it.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "network/address.h"
#include "network/address6.h"

struct mnl_socket;
struct nlmsghdr;

namespace wharf::network {

struct VethRequest {
  std::string hostName;  // stays in the daemon's namespace, attached to `masterIndex`
  int masterIndex = 0;
  std::string peerName = "eth0";
  int peerNetnsFd = -1;  // the peer is created directly in this namespace
  int mtu = 0;           // 0: the kernel's default
  std::optional<std::array<uint8_t, 6>> peerMac;
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ... or empty
  int masterIndex = 0;
};

class Netlink {
 public:
  static Result<Netlink> open();
  static Result<Netlink> openIn(int netnsFd);
  ~Netlink();
  Netlink(Netlink&& o) noexcept;
  Netlink& operator=(Netlink&& o) noexcept;
  Netlink(const Netlink&) = delete;

  // NotFound when no link has that name.
  Result<int> linkIndex(const std::string& name);
  Result<std::vector<LinkInfo>> links();
  // Creates the bridge (up) unless it exists; returns its index.
  Result<int> ensureBridge(const std::string& name, int mtu);
  // Both ends up; the host end attached to its master.
  Status createVeth(const VethRequest& r);
  Status setUp(int index);
  // Adds ip/bits to the link; an address already there is not an error.
  Status addAddress(int index, Ipv4 ip, int bits);
  Status addDefaultRoute(Ipv4 gateway);
  // IPv6, with IFA_F_NODAD as docker: the daemon owns the subnet, duplicate address detection
  // would only hold the address "tentative" (unusable) for a second or more.
  Status addAddress6(int index, const Ipv6& ip, int bits);
  Status addDefaultRoute6(const Ipv6& gateway);
  // A missing link is not an error.
  Status deleteLink(const std::string& name);

 private:
  explicit Netlink(mnl_socket* s);
  using Callback = int (*)(const nlmsghdr*, void*);
  Status request(nlmsghdr* nlh, const char* what, Callback cb = nullptr, void* data = nullptr);

  mnl_socket* sock_ = nullptr;
  unsigned portid_ = 0;
  unsigned seq_ = 0;
};

}  // namespace wharf::network
