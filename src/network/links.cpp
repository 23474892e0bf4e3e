#include "network/links.h"

#include <algorithm>
#include <cctype>

namespace wharf::network {

namespace {

struct LinkPort {
  int number = 0;
  std::string proto;  // as written, "tcp" by default
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "80/tcp", "53/udp", "80" (tcp): docker's nat.Port; anything else is skipped.
bool parseLinkPort(const std::string& s, LinkPort& out) {
  size_t slash = s.find('/');
  std::string num = s.substr(0, slash);
  out.proto = slash == std::string::npos ? "tcp" : s.substr(slash + 1);
  if (num.empty() || num.size() > 5 || out.proto.empty()) return false;
  int v = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out.number = v;
  return true;
}

// links.nextContiguous: compares the numbers only (a tcp and a udp port of one number count
// as contiguous, as in docker).
size_t nextContiguous(const std::vector<LinkPort>& ports, int value, size_t index) {
  if (index + 1 == ports.size()) return index;
  for (size_t i = index + 1; i < ports.size(); ++i) {
    if (ports[i].number > value + 1) return i - 1;
    ++value;
  }
  return ports.size() - 1;
}

}  // namespace

Result<std::pair<std::string, std::string>> parseLink(const std::string& spec) {
  if (spec.empty()) return invalidArgument("empty string specified for links");
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return std::make_pair(spec, spec);
  if (spec.find(':', colon + 1) != std::string::npos)
    return invalidArgument("bad format for links: " + spec);
  std::string name = spec.substr(0, colon), alias = spec.substr(colon + 1);
  if (!name.empty() && name[0] == '/') {
    // The form inspect shows (and an old HostConfig carries back): "/db:/web/alias".
    size_t slash = alias.rfind('/');
    return std::make_pair(name.substr(1),
                          slash == std::string::npos ? alias : alias.substr(slash + 1));
  }
  return std::make_pair(name, alias);
}

std::vector<std::string> linkEnv(const LinkedContainer& child) {
  std::vector<std::string> env;
  std::string alias = upper(child.alias);
  std::replace(alias.begin(), alias.end(), '-', '_');
  std::vector<LinkPort> ports;
  for (const auto& p : child.exposedPorts) {
    LinkPort lp;
    if (parseLinkPort(p, lp)) ports.push_back(lp);
  }
  // docker's order: by number, tcp first among equal numbers (a stable sort: the map order
  // docker starts from is random, wharf's is the record's).
  std::stable_sort(ports.begin(), ports.end(), [](const LinkPort& a, const LinkPort& b) {
    return a.number < b.number || (a.number == b.number && a.proto == "tcp" && b.proto != "tcp");
  });
  const std::string& ip = child.ip;
  auto port = [](const LinkPort& p) { return std::to_string(p.number); };
  if (!ports.empty())
    env.push_back(alias + "_PORT=" + ports[0].proto + "://" + ip + ":" + port(ports[0]));
  for (size_t i = 0; i < ports.size();) {
    const LinkPort& p = ports[i];
    size_t j = nextContiguous(ports, p.number, i);
    if (j > i + 1) {
      std::string key = alias + "_PORT_" + port(p) + "_" + upper(p.proto);
      env.push_back(key + "_START=" + p.proto + "://" + ip + ":" + port(p));
      env.push_back(key + "_ADDR=" + ip);
      env.push_back(key + "_PROTO=" + p.proto);
      env.push_back(key + "_PORT_START=" + port(p));
      const LinkPort& q = ports[j];
      std::string endKey = alias + "_PORT_" + port(p) + "_" + upper(q.proto);
      env.push_back(endKey + "_END=" + q.proto + "://" + ip + ":" + port(q));
      env.push_back(endKey + "_PORT_END=" + port(q));
      i = j + 1;
      continue;
    }
    ++i;
  }
  for (const auto& p : ports) {
    std::string key = alias + "_PORT_" + port(p) + "_" + upper(p.proto);
    env.push_back(key + "=" + p.proto + "://" + ip + ":" + port(p));
    env.push_back(key + "_ADDR=" + ip);
    env.push_back(key + "_PORT=" + port(p));
    env.push_back(key + "_PROTO=" + p.proto);
  }
  env.push_back(alias + "_NAME=/" + child.parentName + "/" + child.alias);
  for (const auto& kv : child.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string k = kv.substr(0, eq);
    // As docker: what a build adds is not worth passing on.
    if (k == "HOME" || k == "PATH") continue;
    env.push_back(alias + "_ENV_" + k + "=" + kv.substr(eq + 1));
  }
  return env;
}

std::vector<HostsEntry> linkHostsEntries(const LinkedContainer& child) {
  // docker's buildSandboxOptions: the alias, the linked container's hostname, and its name
  // when the alias differs from it.
  std::vector<std::string> names = {child.alias, child.hostname};
  if (child.alias != child.name) names.push_back(child.name);
  std::vector<HostsEntry> out;
  if (!child.ip.empty()) out.push_back({child.ip, names});
  if (!child.ip6.empty()) out.push_back({child.ip6, names});
  return out;
}

}  // namespace wharf::network
