#include "network/network.h"

namespace wharf::network {

Json networkToJson(const Network& n) {
  Json eps = Json::object();
  for (const auto& [cid, e] : n.endpoints) {
    eps[cid] = {{"id", e.id},          {"name", e.containerName}, {"ip", formatIpv4(e.ip)},
                {"mac", e.mac},        {"aliases", e.aliases},    {"hostVeth", e.hostVeth},
                {"static", e.staticIp}};
    if (!e.links.empty()) eps[cid]["links"] = e.links;
    if (e.ip6) {
      eps[cid]["ip6"] = formatIpv6(*e.ip6);
      eps[cid]["static6"] = e.staticIp6;
    }
  }
  Json j = {{"version", 1},
            {"id", n.id},
            {"name", n.name},
            {"driver", n.driver},
            {"created", n.created},
            {"bridge", n.bridge},
            {"userSubnet", n.userSubnet},
            {"internal", n.internal},
            {"attachable", n.attachable},
            {"labels", n.labels},
            {"options", n.options},
            {"endpoints", eps}};
  if (n.isBridge()) {
    j["subnet"] = n.subnet.toString();
    j["gateway"] = formatIpv4(n.gateway);
    j["lastIp"] = formatIpv4(n.lastIp);
    if (n.ipRange) j["ipRange"] = n.ipRange->toString();
  }
  if (n.isBridge() && n.enableIpv6) {
    j["enableIPv6"] = true;
    j["subnet6"] = n.subnet6.toString();
    j["gateway6"] = formatIpv6(n.gateway6);
    j["lastIp6"] = formatIpv6(n.lastIp6);
    j["userSubnet6"] = n.userSubnet6;
    if (n.ipRange6) j["ipRange6"] = n.ipRange6->toString();
  }
  return j;
}

Result<Network> networkFromJson(const Json& j) {
  Network n;
  try {
    if (j.value("version", 0) != 1) return invalidArgument("unknown network record version");
    n.id = j.at("id").get<std::string>();
    n.name = j.at("name").get<std::string>();
    n.driver = j.at("driver").get<std::string>();
    n.created = j.value("created", "");
    n.bridge = j.value("bridge", "");
    n.userSubnet = j.value("userSubnet", false);
    n.internal = j.value("internal", false);
    n.attachable = j.value("attachable", false);
    n.labels = j.value("labels", std::map<std::string, std::string>{});
    n.options = j.value("options", std::map<std::string, std::string>{});
    if (n.isBridge()) {
      auto subnet = Prefix::parse(j.at("subnet").get<std::string>());
      auto gw = parseIpv4(j.at("gateway").get<std::string>());
      auto last = parseIpv4(j.value("lastIp", "0.0.0.0"));
      if (!subnet || !gw || !last) return invalidArgument("bad address in network record");
      n.subnet = *subnet;
      n.gateway = *gw;
      n.lastIp = *last;
      if (j.contains("ipRange")) {
        auto r = Prefix::parse(j["ipRange"].get<std::string>());
        if (!r) return invalidArgument("bad ipRange in network record");
        n.ipRange = *r;
      }
    }
    if (n.isBridge() && j.value("enableIPv6", false)) {
      n.enableIpv6 = true;
      auto subnet = Prefix6::parse(j.at("subnet6").get<std::string>());
      auto gw = parseIpv6(j.at("gateway6").get<std::string>());
      auto last = parseIpv6(j.value("lastIp6", "::"));
      if (!subnet || !gw || !last) return invalidArgument("bad IPv6 address in network record");
      n.subnet6 = *subnet;
      n.gateway6 = *gw;
      n.lastIp6 = *last;
      n.userSubnet6 = j.value("userSubnet6", false);
      if (j.contains("ipRange6")) {
        auto r = Prefix6::parse(j["ipRange6"].get<std::string>());
        if (!r) return invalidArgument("bad ipRange6 in network record");
        n.ipRange6 = *r;
      }
    }
    const Json eps = j.value("endpoints", Json::object());
    for (const auto& [cid, e] : eps.items()) {
      Endpoint ep;
      ep.id = e.value("id", "");
      ep.containerName = e.value("name", "");
      auto ip = parseIpv4(e.value("ip", "0.0.0.0"));
      if (!ip) return invalidArgument("bad endpoint address in network record");
      ep.ip = *ip;
      ep.mac = e.value("mac", "");
      ep.aliases = e.value("aliases", std::vector<std::string>{});
      ep.hostVeth = e.value("hostVeth", "");
      ep.staticIp = e.value("static", false);
      ep.links = e.value("links", std::map<std::string, std::string>{});
      if (e.contains("ip6")) {
        auto ip6 = parseIpv6(e["ip6"].get<std::string>());
        if (!ip6) return invalidArgument("bad endpoint IPv6 address in network record");
        ep.ip6 = *ip6;
        ep.staticIp6 = e.value("static6", false);
      }
      n.endpoints[cid] = std::move(ep);
    }
  } catch (const Json::exception& e) {
    return invalidArgument(std::string("network record: ") + e.what());
  }
  return n;
}

}  // namespace wharf::network
