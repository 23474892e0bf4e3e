#include "network/netlink.h"

// glibc's <net/if.h> before the kernel's <linux/if.h>: linux/libc-compat.h then skips the
// definitions glibc already made (the other order is an error once both meet, as in a unity
// build next to Boost.Asio, which includes <net/if.h>). clang-format would sort it after.
// clang-format off
#include <net/if.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
// clang-format on
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <time.h>

#include <cstring>
#include <thread>
#include <utility>
#include <vector>

namespace wharf::network {

namespace {

// One request buffer: every message here is far below a page.
struct Buffer {
  alignas(nlmsghdr) char data[4096];
};

nlmsghdr* header(Buffer& b, uint16_t type, uint16_t flags) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(b.data);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  return nlh;
}

ifinfomsg* linkHeader(nlmsghdr* nlh) {
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  return ifm;
}

struct LinkDump {
  std::vector<LinkInfo>* out;
};

int parseLink(const nlmsghdr* nlh, void* data) {
  auto* dump = static_cast<LinkDump*>(data);
  if (nlh->nlmsg_type != RTM_NEWLINK) return MNL_CB_OK;
  const auto* ifm = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkInfo li;
  li.index = ifm->ifi_index;
  const auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(*ifm)));
  for (; mnl_attr_ok(attr,
                     static_cast<int>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh)) -
                                      reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    switch (mnl_attr_get_type(attr)) {
      case IFLA_IFNAME:
        li.name = mnl_attr_get_str(attr);
        break;
      case IFLA_MASTER:
        li.masterIndex = static_cast<int>(mnl_attr_get_u32(attr));
        break;
      case IFLA_LINKINFO: {
        for (const auto* inner = static_cast<const nlattr*>(mnl_attr_get_payload(attr));
             mnl_attr_ok(inner, static_cast<int>(reinterpret_cast<const char*>(attr) +
                                                 mnl_attr_get_len(attr) -
                                                 reinterpret_cast<const char*>(inner)));
             inner = mnl_attr_next(inner)) {
          if (mnl_attr_get_type(inner) == IFLA_INFO_KIND) li.kind = mnl_attr_get_str(inner);
        }
        break;
      }
      default:
        break;
    }
  }
  dump->out->push_back(std::move(li));
  return MNL_CB_OK;
}

}  // namespace

Netlink::Netlink(mnl_socket* s) : sock_(s), portid_(mnl_socket_get_portid(s)) {
  seq_ = static_cast<unsigned>(::time(nullptr));
}

Netlink::~Netlink() {
  if (sock_) mnl_socket_close(sock_);
}

Netlink::Netlink(Netlink&& o) noexcept : sock_(o.sock_), portid_(o.portid_), seq_(o.seq_) {
  o.sock_ = nullptr;
}

Netlink& Netlink::operator=(Netlink&& o) noexcept {
  if (this != &o) {
    if (sock_) mnl_socket_close(sock_);
    sock_ = std::exchange(o.sock_, nullptr);
    portid_ = o.portid_;
    seq_ = o.seq_;
  }
  return *this;
}

Result<Netlink> Netlink::open() {
  mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!s) return sysError("open a netlink socket");
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(s);
    return sysError("bind a netlink socket", err);
  }
  return Netlink(s);
}

Result<Netlink> Netlink::openIn(int netnsFd) {
  // A socket belongs to the namespace of the thread that made it: make it on a short-lived
  // thread that entered the namespace, so the daemon's own threads never switch.
  Result<Netlink> out = internalError("netlink thread did not run");
  std::thread t([&] {
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
      out = sysError("enter the container's network namespace");
      return;
    }
    out = open();
  });
  t.join();
  return out;
}

Status Netlink::request(nlmsghdr* nlh, const char* what, Callback cb, void* data) {
  nlh->nlmsg_seq = ++seq_;
  nlh->nlmsg_flags |= NLM_F_ACK;
  if (mnl_socket_sendto(sock_, nlh, nlh->nlmsg_len) < 0) return sysError(what);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
    if (n < 0) return sysError(what);
    int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), nlh->nlmsg_seq, portid_, cb, data);
    if (rc < 0) return sysError(what);
    if (rc == MNL_CB_STOP) return okStatus();
  }
}

Result<int> Netlink::linkIndex(const std::string& name) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_GETLINK, 0);
  linkHeader(nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  std::vector<LinkInfo> found;
  LinkDump dump{&found};
  Status st = request(nlh, "look up a network interface", parseLink, &dump);
  if (!st.ok()) {
    if (st.error().sysErrno() == ENODEV) return notFound("no network interface " + name);
    return std::move(st).error();
  }
  if (found.empty()) return notFound("no network interface " + name);
  return found[0].index;
}

Result<std::vector<LinkInfo>> Netlink::links() {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_GETLINK, NLM_F_DUMP);
  linkHeader(nlh);
  std::vector<LinkInfo> out;
  LinkDump dump{&out};
  WHARF_TRY(request(nlh, "list network interfaces", parseLink, &dump));
  return out;
}

Result<int> Netlink::ensureBridge(const std::string& name, int mtu) {
  if (auto idx = linkIndex(name); idx.ok()) {
    WHARF_TRY(setUp(*idx));
    return *idx;
  }
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg* ifm = linkHeader(nlh);
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  if (mtu > 0) mnl_attr_put_u32(nlh, IFLA_MTU, static_cast<uint32_t>(mtu));
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(nlh, info);
  WHARF_TRY_CTX(request(nlh, "create bridge"), "bridge " + name);
  return linkIndex(name);
}

Status Netlink::createVeth(const VethRequest& r) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg* ifm = linkHeader(nlh);
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, r.hostName.c_str());
  if (r.mtu > 0) mnl_attr_put_u32(nlh, IFLA_MTU, static_cast<uint32_t>(r.mtu));
  if (r.masterIndex > 0) mnl_attr_put_u32(nlh, IFLA_MASTER, static_cast<uint32_t>(r.masterIndex));
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  nlattr* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  // The peer's attributes follow its own ifinfomsg inside the nest.
  auto* pifm = reinterpret_cast<ifinfomsg*>(mnl_nlmsg_get_payload_tail(nlh));
  std::memset(pifm, 0, sizeof(*pifm));
  pifm->ifi_family = AF_UNSPEC;  // not IFF_UP: the kernel opens the peer before linking the
                                 // pair (veth_open: ENOTCONN); plug() sets it up inside
  nlh->nlmsg_len += MNL_ALIGN(sizeof(ifinfomsg));
  mnl_attr_put_strz(nlh, IFLA_IFNAME, r.peerName.c_str());
  if (r.peerNetnsFd >= 0)
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(r.peerNetnsFd));
  if (r.mtu > 0) mnl_attr_put_u32(nlh, IFLA_MTU, static_cast<uint32_t>(r.mtu));
  if (r.peerMac) mnl_attr_put(nlh, IFLA_ADDRESS, r.peerMac->size(), r.peerMac->data());
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return request(nlh, ("create veth pair " + r.hostName).c_str());
}

Status Netlink::setUp(int index) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWLINK, 0);
  ifinfomsg* ifm = linkHeader(nlh);
  ifm->ifi_index = index;
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  return request(nlh, "set a network interface up");
}

Status Netlink::addAddress(int index, Ipv4 ip, int bits) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = static_cast<unsigned char>(bits);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(index);
  uint32_t be = htonl(ip);
  mnl_attr_put_u32(nlh, IFA_LOCAL, be);
  mnl_attr_put_u32(nlh, IFA_ADDRESS, be);
  if (bits < 31) {
    Prefix p{ip, bits};
    mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(p.broadcast()));
  }
  return request(nlh, ("add address " + formatIpv4(ip)).c_str());
}

Status Netlink::addDefaultRoute(Ipv4 gateway) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gateway));
  return request(nlh, ("add default route via " + formatIpv4(gateway)).c_str());
}

Status Netlink::addAddress6(int index, const Ipv6& ip, int bits) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET6;
  ifa->ifa_prefixlen = static_cast<unsigned char>(bits);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_flags = IFA_F_NODAD;
  ifa->ifa_index = static_cast<unsigned>(index);
  mnl_attr_put(nlh, IFA_LOCAL, ip.bytes.size(), ip.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, ip.bytes.size(), ip.bytes.data());
  mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
  return request(nlh, ("add address " + formatIpv6(ip)).c_str());
}

Status Netlink::addDefaultRoute6(const Ipv6& gateway) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET6;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put(nlh, RTA_GATEWAY, gateway.bytes.size(), gateway.bytes.data());
  return request(nlh, ("add default route via " + formatIpv6(gateway)).c_str());
}

Status Netlink::deleteLink(const std::string& name) {
  Buffer b;
  nlmsghdr* nlh = header(b, RTM_DELLINK, 0);
  linkHeader(nlh);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  Status st = request(nlh, ("delete network interface " + name).c_str());
  if (!st.ok() && st.error().sysErrno() == ENODEV) return okStatus();
  return st;
}

}  // namespace wharf::network
