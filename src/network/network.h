#pragma once
// A network and the endpoints on it, as the daemon keeps them: one JSON file per network
// under <data-root>/network/<id>.json (format version 1, drawn below), written atomically
// before any address is used, so a restarted daemon knows every address in use.
//
//   {"version":1,"id":"<64 hex>","name":"mynet","driver":"bridge","created":"<RFC 3339>",
//    "bridge":"br-<12 hex>","subnet":"172.18.0.0/16","gateway":"172.18.0.1",
//    "ipRange":"172.18.5.0/24" (optional),"userSubnet":true,"internal":false,
//    "attachable":false,"labels":{},"options":{},"lastIp":"172.18.0.3",
//    "endpoints":{"<container id>":{"id":"<64 hex>","name":"web","ip":"172.18.0.2",
//                 "mac":"02:42:...","aliases":["db"],"hostVeth":"veth1a2b3c4","static":false,
//                 "ip6":"fd00:1::2" (IPv6 networks),"static6":false,
//                 "links":{"alias":"name"} (--link on a user network)}},
//    IPv6 networks (`--ipv6`) add: "enableIPv6":true,"subnet6":"fd00:1::/64",
//    "gateway6":"fd00:1::1","ipRange6":"fd00:1::/80" (optional),"userSubnet6":true,
//    "lastIp6":"fd00:1::2"}
// (the IPv6 fields came later within version 1: absent means an IPv4-only network)
//
// "bridge", "host" and "none" are docker's predefined networks; only bridge ones carry an
// address space.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "network/address.h"
#include "network/address6.h"

namespace wharf::network {

struct Endpoint {
  std::string id;
  std::string containerName;
  Ipv4 ip = 0;
  std::string mac;
  std::vector<std::string> aliases;
  std::string hostVeth;
  bool staticIp = false;    // --ip: kept when the container stops
  std::optional<Ipv6> ip6;  // on IPv6 networks
  bool staticIp6 = false;   // --ip6
  // --link on a user network: alias -> the linked container's name (or id), names that only
  // this container resolves (docker's link aliases; network/dns_records.h).
  std::map<std::string, std::string> links;
};

struct Network {
  std::string id;
  std::string name;
  std::string driver = "bridge";  // "bridge", "host", "null"
  std::string created;
  std::string bridge;
  Prefix subnet;
  Ipv4 gateway = 0;
  std::optional<Prefix> ipRange;
  bool userSubnet = false;  // IPAM config given by the user (docker shows it as given)
  bool internal = false;
  bool attachable = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
  Ipv4 lastIp = 0;
  std::map<std::string, Endpoint> endpoints;  // by container id
  // IPv6 (EnableIPv6): a second address space beside the IPv4 one.
  bool enableIpv6 = false;
  Prefix6 subnet6;
  Ipv6 gateway6;
  std::optional<Prefix6> ipRange6;
  bool userSubnet6 = false;
  Ipv6 lastIp6;

  bool isBridge() const { return driver == "bridge"; }
  bool predefined() const { return name == "bridge" || name == "host" || name == "none"; }
};

Json networkToJson(const Network& n);
Result<Network> networkFromJson(const Json& j);

}  // namespace wharf::network
