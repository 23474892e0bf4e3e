// Network routes (swagger tag "Network"): GET /networks, GET /networks/{id},
// POST /networks/create, DELETE /networks/{id}, POST /networks/prune.
// POST /networks/{id}/connect and /disconnect (several networks per container; running ones plugged
// at once).

#include "api/internal/container_json.h"
#include "api/internal/routes.h"
#include "common/json_read.h"

namespace wharf::api {

namespace {

// swagger: Network. `verbose` adds the endpoints (inspect; the list leaves them empty, as
// dockerd does since API 1.28).
Json networkJson(const engine::NetworkInfo& n, bool withContainers) {
  Json config = Json::array();
  if (!n.subnet.empty()) {
    Json c = {{"Subnet", n.subnet}, {"Gateway", n.gateway}};
    if (!n.ipRange.empty()) c["IPRange"] = n.ipRange;
    config.push_back(std::move(c));
  }
  if (!n.subnet6.empty()) {
    Json c = {{"Subnet", n.subnet6}, {"Gateway", n.gateway6}};
    if (!n.ipRange6.empty()) c["IPRange"] = n.ipRange6;
    config.push_back(std::move(c));
  }
  Json containers = Json::object();
  if (withContainers) {
    for (const auto& e : n.containers) {
      containers[e.containerId] = {{"Name", e.name},
                                   {"EndpointID", e.endpointId},
                                   {"MacAddress", e.macAddress},
                                   {"IPv4Address", e.ipv4Address},
                                   {"IPv6Address", e.ipv6Address}};
    }
  }
  return Json{{"Name", n.name},
              {"Id", n.id},
              {"Created", n.created},
              {"Scope", "local"},
              {"Driver", n.driver},
              {"EnableIPv4", true},
              {"EnableIPv6", n.enableIpv6},
              {"IPAM", {{"Driver", "default"}, {"Options", Json::object()}, {"Config", config}}},
              {"Internal", n.internal},
              {"Attachable", n.attachable},
              {"Ingress", false},
              {"ConfigFrom", {{"Network", ""}}},
              {"ConfigOnly", false},
              {"Containers", containers},
              {"Options", n.options},
              {"Labels", n.labels}};
}

Result<engine::NetworkCreateRequest> createRequest(const Json& body) {
  if (!body.is_object()) return invalidArgument("invalid JSON: the body is not an object");
  engine::NetworkCreateRequest r;
  // Typed reads name the field's path in their errors (common/json_read.h).
  auto flag = [&](const char* key, bool& out) { return json::read(body, key, "", out); };
  WHARF_TRY(json::read(body, "Name", "", r.name));
  WHARF_TRY(json::read(body, "Driver", "", r.driver));
  if (r.driver.empty()) r.driver = "bridge";
  WHARF_TRY(flag("Internal", r.internal));
  WHARF_TRY(flag("Attachable", r.attachable));
  WHARF_TRY(flag("EnableIPv6", r.enableIpv6));
  // API 1.48's EnableIPv4 (absent: true). IPv6-only networks are not built yet: refused rather
  // than given an IPv4 subnet the client asked not to have.
  if (auto v4 = body.find("EnableIPv4"); v4 != body.end() && v4->is_boolean() && !v4->get<bool>())
    return notImplemented("IPv6-only networks (EnableIPv4: false) are not supported yet");
  bool ingress = false, configOnly = false;
  WHARF_TRY(flag("Ingress", ingress));
  WHARF_TRY(flag("ConfigOnly", configOnly));
  if (ingress || configOnly)
    return notImplemented("ingress and config-only networks need swarm, which wharf does not have");
  WHARF_TRY(json::read(body, "Labels", "", r.labels));
  WHARF_TRY(json::read(body, "Options", "", r.options));
  WHARF_ASSIGN_OR_RETURN(const Json* ipam, json::object(body, "IPAM", ""));
  if (ipam) {
    std::string driver;
    WHARF_TRY(json::read(*ipam, "Driver", "IPAM", driver));
    if (!driver.empty() && driver != "default")
      return notFound("plugin \"" + driver + "\" not found");
    WHARF_ASSIGN_OR_RETURN(const Json* cfg, json::array(*ipam, "Config", "IPAM"));
    if (cfg) {
      // One config per address family, as docker's IPAM.
      constexpr size_t kMaxConfigs = 2;
      if (cfg->size() > kMaxConfigs)
        return notImplemented("more than one IPAM config per address family is not supported");
      bool seen4 = false, seen6 = false;
      for (size_t i = 0; i < cfg->size(); ++i) {
        const Json& c = (*cfg)[i];
        std::string path = "IPAM.Config[" + std::to_string(i) + "]";
        if (!c.is_object()) return json::typeError(path, "an object", c);
        std::string subnet, range, gateway;
        WHARF_TRY(json::read(c, "Subnet", path, subnet));
        WHARF_TRY(json::read(c, "IPRange", path, range));
        WHARF_TRY(json::read(c, "Gateway", path, gateway));
        // The family is the subnet's (else the gateway's, else the range's).
        const std::string& probe = !subnet.empty() ? subnet : !gateway.empty() ? gateway : range;
        bool v6 = probe.find(':') != std::string::npos;
        bool& seen = v6 ? seen6 : seen4;
        if (seen)
          return notImplemented("more than one IPAM config per address family is not supported");
        seen = true;
        (v6 ? r.subnet6 : r.subnet) = subnet;
        (v6 ? r.ipRange6 : r.ipRange) = range;
        (v6 ? r.gateway6 : r.gateway) = gateway;
      }
    }
  }
  return r;
}

// POST /networks/{id}/connect: {"Container", "EndpointConfig": {"IPAMConfig": {"IPv4Address"},
// "Aliases", "MacAddress"}}.
Result<engine::NetworkBackend::ConnectRequest> connectRequest(const Json& body) {
  engine::NetworkBackend::ConnectRequest r;
  try {
    if (!body.is_object()) return invalidArgument("invalid JSON: the body is not an object");
    r.container = body.value("Container", "");
    if (r.container.empty())
      return invalidArgument("Container: a container name or id is required");
    if (auto ep = body.find("EndpointConfig"); ep != body.end() && ep->is_object()) {
      if (auto a = ep->find("Aliases"); a != ep->end() && a->is_array())
        r.aliases = a->get<std::vector<std::string>>();
      if (auto m = ep->find("MacAddress"); m != ep->end() && m->is_string())
        r.macAddress = m->get<std::string>();
      if (auto ipam = ep->find("IPAMConfig"); ipam != ep->end() && ipam->is_object()) {
        r.ipv4Address = ipam->value("IPv4Address", "");
        if (!ipam->value("IPv6Address", "").empty())
          return notImplemented(
              "an IPv6 address in network connect is not supported yet (docs/networking.md)");
      }
    }
  } catch (const Json::exception& e) {
    return invalidArgument(std::string("invalid connect request: ") + e.what());
  }
  return r;
}

void addRoutes(Router& router, RouteContextPtr ctx) {
  router.add("GET", "/networks", "NetworkList", [ctx](const Request& req, ResponderPtr r) {
    auto filters = parseFilters(req.query("filters").value_or(""));
    if (!filters.ok()) return replyError(*r, filters.error());
    auto list = ctx->networks->listNetworks(*filters);
    if (!list.ok()) return replyError(*r, list.error());
    Json out = Json::array();
    for (const auto& n : *list) out.push_back(networkJson(n, false));
    replyJson(*r, 200, out);
  });
  router.add("GET", "/networks/{id}", "NetworkInspect", [ctx](const Request& req, ResponderPtr r) {
    auto n = ctx->networks->inspectNetwork(req.params.at("id"));
    if (!n.ok()) return replyError(*r, n.error());
    replyJson(*r, 200, networkJson(*n, true));
  });
  router.add("POST", "/networks/create", "NetworkCreate",
             [ctx](const Request& req, ResponderPtr r) {
               auto body = parseJson(req.body, "request body");
               if (!body.ok()) return replyError(*r, body.error());
               auto cr = createRequest(*body);
               if (!cr.ok()) return replyError(*r, cr.error());
               auto n = ctx->networks->createNetwork(*cr);
               if (!n.ok()) return replyError(*r, n.error());
               replyJson(*r, 201, Json{{"Id", n->id}, {"Warning", ""}});
             });
  router.add("DELETE", "/networks/{id}", "NetworkDelete",
             [ctx](const Request& req, ResponderPtr r) {
               Status st = ctx->networks->removeNetwork(req.params.at("id"));
               if (!st.ok()) return replyError(*r, st.error());
               replyEmpty(*r, 204);
             });
  router.add("POST", "/networks/{id}/connect", "NetworkConnect",
             [ctx](const Request& req, ResponderPtr r) {
               auto body = parseJson(req.body, "request body");
               if (!body.ok()) return replyError(*r, body.error());
               auto cr = connectRequest(*body);
               if (!cr.ok()) return replyError(*r, cr.error());
               Status st = ctx->networks->connectNetwork(req.params.at("id"), *cr);
               if (!st.ok()) return replyError(*r, st.error());
               replyEmpty(*r, 200);
             });
  router.add(
      "POST", "/networks/{id}/disconnect", "NetworkDisconnect",
      [ctx](const Request& req, ResponderPtr r) {
        auto body = parseJson(req.body, "request body");
        if (!body.ok()) return replyError(*r, body.error());
        if (!body->is_object() || !body->contains("Container") || !(*body)["Container"].is_string())
          return replyError(*r, invalidArgument("Container: a container name or id is required"));
        bool force = body->value("Force", false);
        Status st = ctx->networks->disconnectNetwork(
            req.params.at("id"), (*body)["Container"].get<std::string>(), force);
        if (!st.ok()) return replyError(*r, st.error());
        replyEmpty(*r, 200);
      });
  router.add("POST", "/networks/prune", "NetworkPrune", [ctx](const Request& req, ResponderPtr r) {
    auto filters = parseFilters(req.query("filters").value_or(""));
    if (!filters.ok()) return replyError(*r, filters.error());
    auto removed = ctx->networks->pruneNetworks(*filters);
    if (!removed.ok()) return replyError(*r, removed.error());
    replyJson(*r, 200, Json{{"NetworksDeleted", *removed}});
  });
}

}  // namespace

void addNetworkRoutes(Router& router, RouteContextPtr ctx) {
  if (!ctx->networks) return;  // a daemon without networks: the 501 routes answer
  addRoutes(router, std::move(ctx));
}

}  // namespace wharf::api
