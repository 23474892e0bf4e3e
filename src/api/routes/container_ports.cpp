// Published ports in the container JSON shapes: Config.ExposedPorts, HostConfig.PortBindings
// and PublishAllPorts of a create body; NetworkSettings.Ports of inspect and Ports of
// /containers/json (moby swagger: PortMap, PortBinding, Port).

#include <algorithm>

#include "api/internal/container_json.h"
#include "common/json_read.h"
#include "common/port_spec.h"

namespace wharf::api {

Status readPortFields(const Json& body, engine::ContainerSpec& s) {
  WHARF_ASSIGN_OR_RETURN(const Json* exposed, json::object(body, "ExposedPorts", "Config"));
  if (exposed) {
    for (const auto& [key, v] : exposed->items()) {
      (void)v;
      auto k = parsePortKey(key);
      if (!k.ok()) return std::move(k).error();
      if (std::find(s.exposedPorts.begin(), s.exposedPorts.end(), k->toString()) ==
          s.exposedPorts.end())
        s.exposedPorts.push_back(k->toString());
    }
  }
  auto hc = body.find("HostConfig");
  if (hc == body.end() || !hc->is_object()) return okStatus();
  WHARF_TRY(json::read(*hc, "PublishAllPorts", "HostConfig", s.publishAllPorts));
  WHARF_ASSIGN_OR_RETURN(const Json* pb, json::object(*hc, "PortBindings", "HostConfig"));
  if (!pb) return okStatus();
  // moby's validation at create: each key a port (range), each HostPort empty or one.
  for (const auto& [key, list] : pb->items()) {
    auto k = parsePortKey(key);
    if (!k.ok()) return std::move(k).error();
    auto& out = s.portBindings[k->toString()];
    if (list.is_null()) continue;
    const std::string where = "HostConfig.PortBindings[\"" + key + "\"]";
    if (!list.is_array()) return json::typeError(where, "an array", list);
    for (size_t i = 0; i < list.size(); ++i) {
      const Json& b = list[i];
      const std::string at = json::element(where, i);
      if (!b.is_object()) return json::typeError(at, "an object", b);
      PortBinding binding;
      WHARF_TRY(json::read(b, "HostIp", at, binding.hostIp));
      WHARF_TRY(json::read(b, "HostPort", at, binding.hostPort));
      if (!binding.hostPort.empty() && !parsePortRange(binding.hostPort).ok())
        return invalidArgument("invalid port specification: \"" + binding.hostPort + "\"");
      out.push_back(std::move(binding));
    }
  }
  // A bound port is exposed too (as docker's daemon adds it).
  for (const auto& [key, list] : s.portBindings) {
    (void)list;
    if (std::find(s.exposedPorts.begin(), s.exposedPorts.end(), key) == s.exposedPorts.end())
      s.exposedPorts.push_back(key);
  }
  return okStatus();
}

void addPortFields(const engine::ContainerInfo& c, Json& hostConfig, Json& config,
                   Json& networkSettings) {
  const engine::ContainerSpec& s = c.spec;
  Json bindings = Json::object();
  for (const auto& [key, list] : s.portBindings) {
    Json arr = Json::array();
    for (const auto& b : list) arr.push_back({{"HostIp", b.hostIp}, {"HostPort", b.hostPort}});
    bindings[key] = std::move(arr);
  }
  hostConfig["PortBindings"] = std::move(bindings);
  hostConfig["PublishAllPorts"] = s.publishAllPorts;
  if (!s.exposedPorts.empty()) {
    Json exposed = Json::object();
    for (const auto& p : s.exposedPorts) exposed[p] = Json::object();
    config["ExposedPorts"] = std::move(exposed);
  }
  // While running: every exposed port, with its host bindings or null (docker's PortMap).
  Json ports = Json::object();
  bool running = c.state.status == engine::ContainerStatus::kRunning ||
                 c.state.status == engine::ContainerStatus::kPaused ||
                 c.state.status == engine::ContainerStatus::kRestarting;
  if (running) {
    for (const auto& p : s.exposedPorts) ports[p] = nullptr;
    for (const auto& p : c.ports) {
      Json& slot = ports[p.port];
      if (!slot.is_array()) slot = Json::array();
      slot.push_back({{"HostIp", p.hostIp}, {"HostPort", std::to_string(p.hostPort)}});
    }
  }
  networkSettings["Ports"] = std::move(ports);
}

Json portsSummaryJson(const engine::ContainerInfo& c) {
  Json out = Json::array();
  bool running = c.state.status == engine::ContainerStatus::kRunning ||
                 c.state.status == engine::ContainerStatus::kPaused ||
                 c.state.status == engine::ContainerStatus::kRestarting;
  if (!running) return out;
  auto split = [](const std::string& key) {
    auto k = parsePortKey(key);
    return k.ok() ? *k : PortKey{};
  };
  for (const auto& key : c.spec.exposedPorts) {
    bool bound = std::any_of(c.ports.begin(), c.ports.end(),
                             [&](const engine::PublishedPort& p) { return p.port == key; });
    if (bound) continue;
    PortKey k = split(key);
    out.push_back({{"PrivatePort", k.range.first}, {"Type", k.proto}});
  }
  for (const auto& p : c.ports) {
    PortKey k = split(p.port);
    out.push_back({{"IP", p.hostIp},
                   {"PrivatePort", k.range.first},
                   {"PublicPort", p.hostPort},
                   {"Type", k.proto}});
  }
  return out;
}

}  // namespace wharf::api
