#pragma once
// Translation between the Engine API's container JSON (moby swagger: ContainerConfig,
// HostConfig, ContainerSummary, ContainerInspectResponse) and engine types. Internal to api.

#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/json.h"
#include "engine/backend.h"

namespace wharf::api {

// POST /containers/create: the body (Config + HostConfig + NetworkingConfig) and ?name=.
// Fields set but not applied by the engine yet are reported in *warnings (when given).
// `multipleNetworks`: several EndpointsConfig entries are allowed (API 1.44 and later).
Result<engine::ContainerSpec> specFromCreateBody(const Json& body, const std::string& name,
                                                 std::vector<std::string>* warnings = nullptr,
                                                 bool multipleNetworks = true);

// docker's words for a state ("created", "running", ...).
const char* stateName(engine::ContainerStatus s);

// go-units HumanDuration, as `docker ps` shows ages: "Less than a second", "3 seconds",
// "About a minute", "2 hours", "3 weeks".
std::string humanDuration(int64_t seconds);

// "Up 3 seconds", "Exited (3) 2 minutes ago", "Created" (moby's State.String()).
std::string statusText(const engine::ContainerState& state, int64_t nowUnix);

// Seconds since the epoch of an RFC 3339 time ("2024-01-02T03:04:05.123456789Z");
// nullopt for docker's zero time or garbage.
std::optional<int64_t> unixSeconds(const std::string& s);

// GET /containers/json: one entry.
Json containerSummaryJson(const engine::ContainerInfo& c, int64_t nowUnix);
// GET /containers/{id}/json.
Json containerInspectJson(const engine::ContainerInfo& c);

// Mounts (routes/container_mounts.cpp): Config.Volumes and HostConfig.Binds, Mounts, Tmpfs,
// VolumesFrom of a create body into the spec; the MountPoint list of inspect and ps; the same
// fields back into inspect's HostConfig and Config.
Status readMountFields(const Json& body, engine::ContainerSpec& s);
Json mountPointsJson(const engine::ContainerInfo& c);
void addMountFields(const engine::ContainerSpec& s, Json& hostConfig, Json& config);

// Published ports (routes/container_ports.cpp): Config.ExposedPorts, HostConfig.PortBindings
// and PublishAllPorts of a create body into the spec (docker's 400 "invalid port
// specification" for bad keys or host ports); the same back into inspect, with
// NetworkSettings.Ports; the Ports list of /containers/json.
Status readPortFields(const Json& body, engine::ContainerSpec& s);
void addPortFields(const engine::ContainerInfo& c, Json& hostConfig, Json& config,
                   Json& networkSettings);
Json portsSummaryJson(const engine::ContainerInfo& c);

// Resource limits (routes/container_resources.cpp): HostConfig.Memory, NanoCpus, PidsLimit
// ... of a create body (`path` "HostConfig") or an update body (path ""), and back into
// inspect's HostConfig. Type errors name the field; the values are checked by the engine.
Status readResourceFields(const Json& hc, std::string_view path, engine::ResourceLimits& r);
void addResourceFields(const engine::ResourceLimits& r, Json& hostConfig);
// POST /containers/{id}/update's body (moby's UpdateConfig: Resources + RestartPolicy).
Result<engine::ContainerUpdate> updateFromBody(const Json& body);

// docker's filters query value: {"label":{"a=b":true}} or the old {"label":["a=b"]}.
Result<std::map<std::string, std::vector<std::string>>> parseFilters(const std::string& text);

}  // namespace wharf::api
