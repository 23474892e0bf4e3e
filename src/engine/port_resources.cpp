#include "engine/port_resources.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "network/host_ports.h"
#include "network/manager.h"
#include "network/network_mode.h"

namespace wharf::engine {

namespace {

using network::Ipv4;

bool publishes(const ContainerSpec& s) {
  if (s.publishAllPorts) return true;
  for (const auto& [key, list] : s.portBindings)
    if (!list.empty()) return true;
  return false;
}

Result<Ipv4> parseHostIp(const std::string& ip) {
  if (ip.empty()) return Ipv4{0};
  if (auto v4 = network::parseIpv4(ip)) return *v4;
  if (ip.find(':') != std::string::npos)
    return notImplemented("publishing on the IPv6 address " + ip +
                          " is not supported yet (docs/networking.md)");
  return invalidArgument("invalid IP address: " + ip);
}

std::string hostIpText(Ipv4 ip) { return network::formatIpv4(ip); }

Status writeSysfs(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), value.data(), value.size()) < 0) return sysError("write " + path);
  return okStatus();
}

// An errno as Go prints it ("address already in use"), the way docker's messages read.
std::string goErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z')
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

}  // namespace

Result<std::vector<PortRequest>> portRequests(const ContainerSpec& spec) {
  std::vector<PortRequest> out;
  std::set<std::string> bound;
  auto request = [&](const std::string& key, const PortBinding* b) -> Status {
    auto k = parsePortKey(key);
    if (!k.ok() || k->range.first != k->range.last || k->range.first == 0)
      return invalidArgument("invalid port specification: \"" + key + "\"");
    PortRequest r;
    r.port = k->toString();
    r.proto = k->proto;
    r.containerPort = k->range.first;
    if (b) {
      WHARF_ASSIGN_OR_RETURN(r.hostIp, parseHostIp(b->hostIp));
      if (!b->hostPort.empty()) {
        auto range = parsePortRange(b->hostPort);
        if (!range.ok())
          return invalidArgument("invalid port specification: \"" + b->hostPort + "\"");
        r.hostPorts = *range;
      }
    }
    out.push_back(std::move(r));
    return okStatus();
  };
  for (const auto& [key, list] : spec.portBindings) {
    for (const auto& b : list) WHARF_TRY(request(key, &b));
    if (!list.empty()) bound.insert(key);
  }
  if (spec.publishAllPorts) {
    for (const auto& key : spec.exposedPorts) {
      auto k = parsePortKey(key);
      // -P maps what it can: a range is left exposed, not published; so is an sctp port on a
      // kernel without SCTP (no free port can be asked of it).
      if (bound.count(key) || !k.ok() || k->range.first != k->range.last ||
          (k->proto == "sctp" && !network::sctpSupported()))
        continue;
      WHARF_TRY(request(key, nullptr));
    }
  }
  return out;
}

PortResources::PortResources(ContainerNetworking& networking, network::Manager& manager,
                             std::filesystem::path stateDir)
    : networking_(networking), manager_(manager), stateDir_(std::move(stateDir)) {}

std::filesystem::path PortResources::statePath(const std::string& containerId) const {
  return stateDir_ / (containerId + ".json");
}

Status PortResources::create(ContainerInfo& c, const ImageDefaults& image,
                             const ContainerLookup& lookup) {
  (void)image, (void)lookup;
  if (!publishes(c.spec)) return okStatus();
  WHARF_ASSIGN_OR_RETURN(network::NetworkMode mode,
                         network::NetworkMode::parse(c.spec.networkMode));
  if (mode.kind == network::NetworkMode::Kind::kContainer)
    return invalidArgument(
        "conflicting options: port publishing and the container type network mode");
  auto reqs = portRequests(c.spec);
  if (!reqs.ok()) return std::move(reqs).error();
  return okStatus();
}

std::string PortResources::holderOf(const std::string& self, const std::string& proto, Ipv4 ip,
                                    int port) const {
  for (const auto& [id, list] : held_) {
    if (id == self) continue;
    for (const auto& h : list) {
      if (h.proto == proto && h.published.hostPort == port &&
          (h.hostIp == 0 || ip == 0 || h.hostIp == ip))
        return id;
    }
  }
  return "";
}

Status PortResources::publish(const ContainerInfo& c) {
  WHARF_ASSIGN_OR_RETURN(network::NetworkMode mode,
                         network::NetworkMode::parse(c.spec.networkMode));
  // As docker: host mode discards published ports, none has nothing to publish to.
  if (mode.kind != network::NetworkMode::Kind::kBridge &&
      mode.kind != network::NetworkMode::Kind::kUser)
    return okStatus();
  WHARF_ASSIGN_OR_RETURN(std::vector<PortRequest> reqs, portRequests(c.spec));
  if (reqs.empty()) return okStatus();
  ContainerEndpoint ep;
  for (const auto& e : networking_.endpoints(c.id))
    if (!e.ipAddress.empty()) ep = e;
  auto containerIp = network::parseIpv4(ep.ipAddress);
  if (!containerIp)
    return internalError("publishing ports: container " + c.name + " has no address");
  const std::string where = "driver failed programming external connectivity on endpoint " +
                            c.name + " (" + ep.endpointId + "): ";
  std::vector<Held> held;
  for (const auto& r : reqs) {
    Held h;
    h.proto = r.proto;
    h.hostIp = r.hostIp;
    h.containerIp = *containerIp;
    h.containerPort = r.containerPort;
    h.published.port = r.port;
    h.published.hostIp = hostIpText(r.hostIp);
    std::string asked = std::to_string(r.hostPorts.first);
    if (r.hostPorts.last != r.hostPorts.first) asked += "-" + std::to_string(r.hostPorts.last);
    std::string lastError;
    bool any = r.hostPorts.first == 0 && r.hostPorts.last == 0;
    for (int p = r.hostPorts.first; p <= r.hostPorts.last; ++p) {
      if (!any && !holderOf(c.id, r.proto, r.hostIp, p).empty()) {
        lastError = "Bind for " + joinHostPort(h.published.hostIp, asked) +
                    " failed: port is already allocated";
        continue;
      }
      // The same container asking twice for one port (two bindings of one key).
      bool mine = false;
      for (const auto& o : held)
        mine = mine || (!any && o.proto == r.proto && o.published.hostPort == p &&
                        (o.hostIp == 0 || r.hostIp == 0 || o.hostIp == r.hostIp));
      if (mine) {
        lastError = "Bind for " + joinHostPort(h.published.hostIp, asked) +
                    " failed: port is already allocated";
        continue;
      }
      auto got = network::holdHostPort(r.proto, r.hostIp, p);
      if (got.ok()) {
        h.fd = std::move(got->fd);
        h.published.hostPort = got->port;
        lastError.clear();
        break;
      }
      // holdHostPort's own message when no port can be asked of the kernel (sctp, port 0).
      if (got.error().sysErrno() == EPROTONOSUPPORT || got.error().sysErrno() == ESOCKTNOSUPPORT)
        return internalError(where + got.error().message());
      lastError = "failed to bind host port for " +
                  joinHostPort(h.published.hostIp, std::to_string(p)) + ":" + ep.ipAddress + ":" +
                  r.port + ": " + goErrnoText(got.error().sysErrno());
    }
    if (h.published.hostPort == 0 || !lastError.empty())
      return internalError(where + (lastError.empty() ? "no free port" : lastError));
    held.push_back(std::move(h));
  }
  std::vector<network::PortRule> rules;
  Json state = Json::array();
  for (const auto& h : held) {
    rules.push_back({h.proto, h.hostIp, h.published.hostPort, h.containerIp, h.containerPort});
    state.push_back({{"port", h.published.port},
                     {"hostIp", h.published.hostIp},
                     {"hostPort", h.published.hostPort},
                     {"containerIp", network::formatIpv4(h.containerIp)}});
  }
  // A container reaching its own published port through the host comes back on the bridge
  // port it left by: the bridge forwards that only in hairpin mode (docker sets it too when it
  // runs without its userland proxy).
  for (const auto& n : manager_.networksOf(c.id)) {
    const std::string& veth = n.endpoints.at(c.id).hostVeth;
    if (veth.empty()) continue;
    std::string path = "/sys/class/net/" + veth + "/brport/hairpin_mode";
    if (Status st = writeSysfs(path, "1"); !st.ok())
      log::warn("container {}: hairpin mode: {}", c.id.substr(0, 12), st.error().message());
  }
  WHARF_TRY(fs::mkdirAll(stateDir_, 0700));
  WHARF_TRY(fs::writeFileAtomic(statePath(c.id), state.dump(), 0600));
  held_[c.id] = std::move(held);
  if (Status st = manager_.setPorts(c.id, std::move(rules)); !st.ok()) {
    drop(c.id);
    return internalError(where + st.error().message());
  }
  return okStatus();
}

void PortResources::prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
                            std::function<void(Status)> done) {
  (void)spec;
  drop(c.id);  // a restart by policy: what the last run held goes first
  Status st = publish(c);
  if (!st.ok()) drop(c.id);
  done(std::move(st));
}

void PortResources::drop(const std::string& containerId) {
  auto it = held_.find(containerId);
  bool had = it != held_.end();
  if (had) held_.erase(it);  // closes the sockets
  if (had) {
    if (Status st = manager_.setPorts(containerId, {}); !st.ok())
      log::warn("container {}: removing published ports: {}", containerId.substr(0, 12),
                st.error().message());
  }
  std::error_code ec;
  std::filesystem::remove(statePath(containerId), ec);
}

void PortResources::release(const ContainerInfo& c, std::function<void()> done) {
  drop(c.id);
  done();
}

void PortResources::remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) {
  (void)removeVolumes;
  drop(c.id);
  done();
}

void PortResources::restore(const ContainerInfo& c, bool running) {
  auto text = fs::readFile(statePath(c.id));
  if (!text.ok()) return;
  if (!running) {
    std::error_code ec;
    std::filesystem::remove(statePath(c.id), ec);
    return;
  }
  auto j = parseJson(*text, statePath(c.id).string());
  if (!j.ok() || !j->is_array()) {
    log::warn("container {}: unreadable published ports: {}", c.id.substr(0, 12),
              j.ok() ? "not a list" : j.error().message());
    return;
  }
  std::vector<Held> held;
  std::vector<network::PortRule> rules;
  for (const auto& e : *j) {
    Held h;
    h.published.port = e.value("port", std::string());
    h.published.hostIp = e.value("hostIp", std::string("0.0.0.0"));
    h.published.hostPort = e.value("hostPort", 0);
    auto key = parsePortKey(h.published.port);
    auto hostIp = network::parseIpv4(h.published.hostIp);
    auto containerIp = network::parseIpv4(e.value("containerIp", std::string()));
    if (!key.ok() || !hostIp || !containerIp) continue;
    h.proto = key->proto;
    h.hostIp = *hostIp;
    h.containerIp = *containerIp;
    h.containerPort = key->range.first;
    // The old daemon's sockets closed with it: hold the ports again. The rules stay even when
    // that fails (something took the port while no daemon ran); the container keeps serving.
    auto got = network::holdHostPort(h.proto, h.hostIp, h.published.hostPort);
    if (got.ok()) {
      h.fd = std::move(got->fd);
    } else {
      log::warn("container {}: holding published port {}: {}", c.id.substr(0, 12),
                joinHostPort(h.published.hostIp, std::to_string(h.published.hostPort)),
                got.error().message());
    }
    rules.push_back({h.proto, h.hostIp, h.published.hostPort, h.containerIp, h.containerPort});
    held.push_back(std::move(h));
  }
  manager_.restorePorts(c.id, std::move(rules));
  held_[c.id] = std::move(held);
}

void PortResources::describe(ContainerInfo& c) const {
  auto it = held_.find(c.id);
  if (it == held_.end()) return;
  for (const auto& h : it->second) c.ports.push_back(h.published);
}

}  // namespace wharf::engine
