#include "common/port_spec.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

namespace wharf {

namespace {

// Digits only, at most 65535 (Go's strconv.ParseUint(s, 10, 16)). -1 when not a port.
int portNumber(std::string_view s) {
  if (s.empty() || s.size() > 5) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v <= 65535 ? v : -1;
}

bool validIp(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

Status validateProto(const std::string& proto) {
  if (proto == "tcp" || proto == "udp" || proto == "sctp") return okStatus();
  return invalidArgument("invalid proto: " + proto);
}

}  // namespace

Result<PortRange> parsePortRange(std::string_view s) {
  if (s.empty()) return invalidArgument("empty string specified for ports");
  size_t dash = s.find('-');
  PortRange r;
  r.first = portNumber(s.substr(0, dash));
  r.last = dash == std::string_view::npos ? r.first : portNumber(s.substr(dash + 1));
  if (r.first < 0 || r.last < 0)
    return invalidArgument("invalid port '" + std::string(s) + "': invalid syntax");
  if (r.last < r.first)
    return invalidArgument("invalid range specified for port: " + std::string(s));
  return r;
}

std::string PortKey::toString() const {
  std::string p = std::to_string(range.first);
  if (range.last != range.first) p += "-" + std::to_string(range.last);
  return p + "/" + proto;
}

Result<PortKey> parsePortKey(std::string_view s) {
  size_t slash = s.find('/');
  PortKey k;
  if (slash != std::string_view::npos && slash + 1 < s.size()) k.proto = lower(s.substr(slash + 1));
  WHARF_TRY(validateProto(k.proto));
  auto r = parsePortRange(s.substr(0, slash));
  if (!r.ok()) return invalidArgument("invalid port specification: \"" + std::string(s) + "\"");
  k.range = *r;
  return k;
}

Result<std::vector<PortMapping>> parsePortSpec(std::string_view raw) {
  // ip:host:container, host:container or container; the ip may itself hold colons (IPv6).
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t colon = raw.find(':', start);
    parts.push_back(raw.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  std::string ip, hostPort, containerPort;
  size_t n = parts.size();
  containerPort = parts[n - 1];
  if (n >= 2) hostPort = parts[n - 2];
  if (n >= 3) {
    size_t ipLen = (parts[n - 2].data() - raw.data()) - 1;
    ip = raw.substr(0, ipLen);
  }
  std::string proto = "tcp";
  if (size_t slash = containerPort.find('/'); slash != std::string::npos) {
    if (slash + 1 < containerPort.size()) proto = containerPort.substr(slash + 1);
    containerPort.resize(slash);
  }
  if (containerPort.empty())
    return invalidArgument("no port specified: " + std::string(raw) + "<empty>");
  proto = lower(proto);
  WHARF_TRY(validateProto(proto));
  if (!ip.empty() && ip[0] == '[') {
    if (ip.back() != ']') return invalidArgument("invalid IP address " + ip + ": missing ']'");
    ip = ip.substr(1, ip.size() - 2);
  }
  if (!ip.empty() && !validIp(ip)) return invalidArgument("invalid IP address: " + ip);
  auto cr = parsePortRange(containerPort);
  if (!cr.ok()) return invalidArgument("invalid containerPort: " + containerPort);
  PortRange hr;
  if (!hostPort.empty()) {
    auto h = parsePortRange(hostPort);
    if (!h.ok()) return invalidArgument("invalid hostPort: " + hostPort);
    hr = *h;
    // A host range for one container port is the range to pick a free port from.
    if (cr->last - cr->first != hr.last - hr.first && cr->last != cr->first)
      return invalidArgument("invalid ranges specified for container and host Ports: " +
                             containerPort + " and " + hostPort);
  }
  int count = cr->last - cr->first + 1;
  std::vector<PortMapping> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    PortMapping m;
    m.port = std::to_string(cr->first + i) + "/" + proto;
    m.binding.hostIp = ip;
    if (!hostPort.empty()) {
      m.binding.hostPort = std::to_string(hr.first + i);
      if (count == 1 && hr.first != hr.last) m.binding.hostPort += "-" + std::to_string(hr.last);
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<std::string>> parseExpose(std::string_view raw) {
  if (raw.find(':') != std::string_view::npos)
    return invalidArgument("invalid port format for --expose: " + std::string(raw));
  size_t slash = raw.find('/');
  std::string proto = slash == std::string_view::npos ? "tcp" : lower(raw.substr(slash + 1));
  if (proto.empty()) proto = "tcp";
  auto r = parsePortRange(raw.substr(0, slash));
  if (!r.ok())
    return invalidArgument("invalid range format for --expose: " + std::string(raw) +
                           ", error: " + r.error().rawMessage());
  WHARF_TRY(validateProto(proto));
  std::vector<std::string> out;
  for (int p = r->first; p <= r->last; ++p) out.push_back(std::to_string(p) + "/" + proto);
  return out;
}

std::string joinHostPort(const std::string& ip, const std::string& port) {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + port;
  return ip + ":" + port;
}

std::string displayPorts(std::vector<PortSummary> ports) {
  std::sort(ports.begin(), ports.end(), [](const PortSummary& a, const PortSummary& b) {
    if (a.privatePort != b.privatePort) return a.privatePort < b.privatePort;
    if (a.ip != b.ip) return a.ip < b.ip;
    if (a.publicPort != b.publicPort) return a.publicPort < b.publicPort;
    return a.type < b.type;
  });
  struct Group {
    std::string ip, type;
    int first, last;
  };
  auto form = [](const Group& g) {
    std::string range = std::to_string(g.first);
    if (g.last != g.first) range += "-" + std::to_string(g.last);
    if (!g.ip.empty()) range = joinHostPort(g.ip, range) + "->" + range;
    return range + "/" + g.type;
  };
  std::vector<std::string> result, hostMappings, order;
  std::map<std::string, Group> groups;
  for (const auto& p : ports) {
    std::string key = p.type;
    if (!p.ip.empty()) {
      if (p.publicPort != p.privatePort) {
        hostMappings.push_back(joinHostPort(p.ip, std::to_string(p.publicPort)) + "->" +
                               std::to_string(p.privatePort) + "/" + p.type);
        continue;
      }
      key = p.ip + "/" + p.type;
    }
    auto it = groups.find(key);
    if (it == groups.end()) {
      groups[key] = Group{p.ip, p.type, p.privatePort, p.privatePort};
      order.push_back(key);
      continue;
    }
    if (p.privatePort == it->second.last + 1) {
      it->second.last = p.privatePort;
      continue;
    }
    result.push_back(form(it->second));
    it->second.first = it->second.last = p.privatePort;
  }
  for (const auto& key : order) result.push_back(form(groups[key]));
  result.insert(result.end(), hostMappings.begin(), hostMappings.end());
  std::string out;
  for (size_t i = 0; i < result.size(); ++i) out += (i ? ", " : "") + result[i];
  return out;
}

}  // namespace wharf
