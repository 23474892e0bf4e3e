#include "engine/network_service.h"

#include <algorithm>

#include "common/time.h"
#include "network/manager.h"

namespace wharf::engine {

namespace {

using Filters = std::map<std::string, std::vector<std::string>>;

NetworkInfo toInfo(const network::Network& n) {
  NetworkInfo i;
  i.id = n.id;
  i.name = n.name;
  i.driver = n.driver;
  i.created = n.created;
  i.internal = n.internal;
  i.attachable = n.attachable;
  i.labels = n.labels;
  i.options = n.options;
  if (n.isBridge()) {
    i.subnet = n.subnet.toString();
    i.gateway = network::formatIpv4(n.gateway);
    if (n.ipRange) i.ipRange = n.ipRange->toString();
    if (n.enableIpv6) {
      i.enableIpv6 = true;
      i.subnet6 = n.subnet6.toString();
      i.gateway6 = network::formatIpv6(n.gateway6);
      if (n.ipRange6) i.ipRange6 = n.ipRange6->toString();
    }
  }
  for (const auto& [cid, ep] : n.endpoints) {
    NetworkEndpointInfo e;
    e.containerId = cid;
    e.name = ep.containerName;
    e.endpointId = ep.id;
    e.macAddress = ep.mac;
    if (ep.ip) e.ipv4Address = network::formatIpv4(ep.ip) + "/" + std::to_string(n.subnet.bits);
    if (ep.ip6) e.ipv6Address = network::formatIpv6(*ep.ip6) + "/" + std::to_string(n.subnet6.bits);
    e.aliases = ep.aliases;
    i.containers.push_back(std::move(e));
  }
  return i;
}

bool labelMatches(const std::map<std::string, std::string>& labels, const std::string& f) {
  size_t eq = f.find('=');
  if (eq == std::string::npos) return labels.count(f) > 0;
  auto it = labels.find(f.substr(0, eq));
  return it != labels.end() && it->second == f.substr(eq + 1);
}

Status validate(const Filters& filters, std::initializer_list<const char*> allowed) {
  for (const auto& [k, vs] : filters) {
    if (std::none_of(allowed.begin(), allowed.end(), [&k = k](const char* a) { return k == a; }))
      return invalidArgument("invalid filter '" + k + "'");
    if (k == "type") {
      for (const auto& v : vs) {
        if (v != "custom" && v != "builtin")
          return invalidArgument("invalid filter: 'type'='" + v + "'");
      }
    }
    if (k == "dangling") {
      for (const auto& v : vs) {
        if (v != "true" && v != "false" && v != "1" && v != "0")
          return invalidArgument("invalid filter 'dangling=" + v + "'");
      }
    }
  }
  return okStatus();
}

// Several values of one key match if any does; different keys must all match (docker).
bool matches(const network::Network& n, const Filters& filters) {
  for (const auto& [k, vs] : filters) {
    auto any = [&vs = vs](auto pred) { return std::any_of(vs.begin(), vs.end(), pred); };
    bool ok = true;
    if (k == "name") {
      ok = any([&](const std::string& v) { return n.name.find(v) != std::string::npos; });
    } else if (k == "id") {
      ok = any([&](const std::string& v) { return n.id.rfind(v, 0) == 0; });
    } else if (k == "driver") {
      ok = any([&](const std::string& v) { return n.driver == v; });
    } else if (k == "scope") {
      ok = any([&](const std::string& v) { return v == "local"; });
    } else if (k == "type") {
      ok = any([&](const std::string& v) { return (v == "builtin") == n.predefined(); });
    } else if (k == "label") {
      // Every label filter must match (docker's label filters are all-of).
      ok = std::all_of(vs.begin(), vs.end(),
                       [&](const std::string& v) { return labelMatches(n.labels, v); });
    } else if (k == "dangling") {
      ok = any([&](const std::string& v) {
        bool dangling = v == "true" || v == "1";
        return dangling == (!n.predefined() && n.endpoints.empty());
      });
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<NetworkInfo> NetworkService::createNetwork(const NetworkCreateRequest& req) {
  network::CreateRequest r;
  r.name = req.name;
  r.driver = req.driver;
  r.internal = req.internal;
  r.attachable = req.attachable;
  r.labels = req.labels;
  r.options = req.options;
  r.subnet = req.subnet;
  r.ipRange = req.ipRange;
  r.gateway = req.gateway;
  r.enableIpv6 = req.enableIpv6;
  r.subnet6 = req.subnet6;
  r.ipRange6 = req.ipRange6;
  r.gateway6 = req.gateway6;
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.create(r));
  return toInfo(n);
}

Result<NetworkInfo> NetworkService::inspectNetwork(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(idOrName));
  return toInfo(n);
}

Result<std::vector<NetworkInfo>> NetworkService::listNetworks(const Filters& filters) {
  WHARF_TRY(validate(filters, {"driver", "id", "label", "name", "scope", "type", "dangling"}));
  std::vector<NetworkInfo> out;
  for (const auto& n : manager_.list()) {
    if (matches(n, filters)) out.push_back(toInfo(n));
  }
  return out;
}

Status NetworkService::removeNetwork(const std::string& idOrName) {
  return manager_.remove(idOrName);
}

Result<std::vector<std::string>> NetworkService::pruneNetworks(const Filters& filters) {
  WHARF_TRY(validate(filters, {"label", "label!", "until"}));
  std::vector<std::string> removed;
  for (const auto& n : manager_.list()) {
    if (n.predefined() || !n.endpoints.empty()) continue;
    bool keep = false;
    for (const auto& [k, vs] : filters) {
      for (const auto& v : vs) {
        if (k == "label" && !labelMatches(n.labels, v)) keep = true;
        if (k == "label!" && labelMatches(n.labels, v)) keep = true;
        // "until": docker's timestamp (a duration, Unix seconds or RFC 3339), as dockerd.
        if (k == "until") {
          WHARF_ASSIGN_OR_RETURN(int64_t until, parseTimestamp(v, nowNanos()));
          auto created = parseRfc3339(n.created);
          if (created.ok() && *created > until) keep = true;
        }
      }
    }
    if (keep) continue;
    if (manager_.remove(n.id).ok()) removed.push_back(n.name);
  }
  return removed;
}

Status NetworkService::connectNetwork(const std::string& network, const ConnectRequest& req) {
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(network));
  if (!req.ipv4Address.empty() && !network::parseIpv4(req.ipv4Address))
    return invalidArgument("invalid IPv4 address: " + req.ipv4Address);
  return containers_.updateEndpoint(req.container, n.name, n.id, req, false);
}

Status NetworkService::disconnectNetwork(const std::string& network, const std::string& container,
                                         bool force) {
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(network));
  return containers_.updateEndpoint(container, n.name, n.id, std::nullopt, force);
}

}  // namespace wharf::engine
