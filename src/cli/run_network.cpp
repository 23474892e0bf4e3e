#include "cli/run_network.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace wharf::cli {

namespace {

constexpr size_t kMaxValue = 4096;  // a --network value; bounded before it is split

bool wordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// docker's test for the long form: the regexp \w+=\w+(,\w+=\w+)* found anywhere, i.e. some
// '=' between two word characters.
bool longSyntax(std::string_view v) {
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '=' && wordChar(v[i - 1]) && wordChar(v[i + 1])) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// What docker calls a user-defined network: not one of the modes (container/NetworkMode).
bool userDefined(const std::string& n) {
  return !(n.empty() || n == "default" || n == "bridge" || n == "host" || n == "none" ||
           n.rfind("container:", 0) == 0);
}

bool validMac(std::string_view m) {
  // Six hex pairs separated by ':' or '-' (net.ParseMAC's 48-bit forms).
  if (m.size() != 17) return false;
  for (size_t i = 0; i < m.size(); ++i) {
    if (i % 3 == 2) {
      if (m[i] != ':' && m[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(m[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<NetworkAttachmentOpt> parseNetworkOpt(std::string_view value) {
  auto bad = [&](const std::string& why) {
    return invalidArgument("invalid argument \"" + std::string(value) +
                           "\" for \"--network\" flag: " + why);
  };
  if (value.size() > kMaxValue) return invalidArgument("--network: value too long");
  NetworkAttachmentOpt o;
  if (!longSyntax(value)) {
    o.target = std::string(value);
    return o;
  }
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    std::string_view field =
        value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    size_t eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0) return bad("invalid field " + std::string(field));
    std::string key(trim(field.substr(0, eq)));
    std::string val(trim(field.substr(eq + 1)));
    // docker lower-cases the whole field (a TODO in its code); the keys are enough here, so
    // that a network named MyNet keeps its name.
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key == "name") {
      o.target = val;
    } else if (key == "alias") {
      o.aliases.push_back(val);
    } else if (key == "ip") {
      o.ipv4 = val;
    } else if (key == "mac-address") {
      o.mac = val;
    } else if (key == "ip6") {
      o.ipv6 = val;
    } else if (key == "link-local-ip" || key == "driver-opt" || key == "gw-priority") {
      return bad("wharf does not support " + key + " yet (docs/networking.md)");
    } else {
      return bad("invalid field key " + key);
    }
  }
  if (o.target.empty()) return bad("network name/id is not specified");
  return o;
}

Status addNetworkFields(const std::vector<std::string>& networks, const std::string& ip,
                        const std::string& ip6, const std::vector<std::string>& aliases,
                        const std::string& mac, Json& host, Json& body) {
  std::vector<NetworkAttachmentOpt> opts;
  for (const auto& v : networks) {
    WHARF_ASSIGN_OR_RETURN(NetworkAttachmentOpt o, parseNetworkOpt(v));
    opts.push_back(std::move(o));
  }
  bool none = opts.empty();
  if (none) opts.push_back({"default", {}, "", "", ""});
  Json endpoints = Json::object();
  bool hasUser = false, hasOther = false;
  std::set<std::string> seen;
  for (size_t i = 0; i < opts.size(); ++i) {
    NetworkAttachmentOpt& n = opts[i];
    (userDefined(n.target) ? hasUser : hasOther) = true;
    if (i == 0) {
      // The flags of the one-network days go to the first network (docker's words).
      if (!n.aliases.empty() && !aliases.empty())
        return invalidArgument(
            "conflicting options: cannot specify both --network-alias and per-network alias");
      if (!n.ipv4.empty() && !ip.empty())
        return invalidArgument(
            "conflicting options: cannot specify both --ip and per-network IPv4 address");
      if (!n.ipv6.empty() && !ip6.empty())
        return invalidArgument(
            "conflicting options: cannot specify both --ip6 and per-network IPv6 address");
      if (!n.mac.empty() && !mac.empty())
        return invalidArgument(
            "conflicting options: cannot specify both --mac-address and per-network MAC address");
      if (!aliases.empty()) n.aliases = aliases;
      if (!ip.empty()) n.ipv4 = ip;
      if (!ip6.empty()) n.ipv6 = ip6;
      if (!mac.empty()) n.mac = mac;
    }
    if (std::string(trim(n.target)).empty()) return invalidArgument("no name set for network");
    if (!userDefined(n.target) && !n.aliases.empty())
      return invalidArgument("network-scoped aliases are only supported for user-defined networks");
    if (!n.mac.empty() && !validMac(n.mac))
      return invalidArgument(n.mac + " is not a valid mac address");
    if (!seen.insert(n.target).second)
      return invalidArgument("network \"" + n.target + "\" is specified multiple times");
    Json ep = Json::object();
    if (!n.ipv4.empty()) ep["IPAMConfig"]["IPv4Address"] = n.ipv4;
    if (!n.ipv6.empty()) ep["IPAMConfig"]["IPv6Address"] = n.ipv6;
    if (!n.mac.empty()) ep["MacAddress"] = n.mac;
    if (!n.aliases.empty()) ep["Aliases"] = n.aliases;
    // One network without settings: no entry, as the docker CLI (the daemon makes it).
    if (opts.size() == 1 && ep.empty()) continue;
    endpoints[n.target] = std::move(ep);
  }
  if (hasUser && hasOther)
    return invalidArgument(
        "conflicting options: cannot attach both user-defined and non-user-defined "
        "network-modes");
  host["NetworkMode"] = none ? "default" : opts.front().target;
  body["NetworkingConfig"] = {{"EndpointsConfig", endpoints}};
  return okStatus();
}

}  // namespace wharf::cli
