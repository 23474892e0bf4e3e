// Container JSON shapes, as moby's swagger and the docker CLI 28 read them.

#include "api/internal/container_json.h"

#include <ctime>

#include "api/internal/routes.h"
#include "common/time.h"

namespace wharf::api {

using engine::ContainerInfo;
using engine::ContainerSpec;
using engine::ContainerState;
using engine::ContainerStatus;

namespace {

std::string networkName(const ContainerSpec& spec) {
  return spec.networkMode.empty() || spec.networkMode == "default" ? "bridge" : spec.networkMode;
}

// What the container asked of one network's endpoint (--ip, aliases): its own network's
// from the spec's fields, another network's from its attachment.
struct EndpointSettings {
  std::string ipv4, ipv6;
  std::vector<std::string> aliases;
};

EndpointSettings settingsFor(const ContainerSpec& s, const std::string& networkId) {
  for (const auto& a : s.extraNetworks) {
    if (a.networkId == networkId) return {a.ipv4Address, "", a.aliases};
  }
  return {s.ipv4Address, s.ipv6Address, s.networkAliases};
}

// An endpoint as docker shows it under NetworkSettings.Networks: the addresses while the
// container runs (`e` with an endpoint id), empty otherwise, as docker.
Json endpointJson(const engine::ContainerEndpoint* e, const EndpointSettings& set,
                  const std::string& containerName) {
  Json j{{"IPAMConfig", nullptr},   {"Links", nullptr},         {"Aliases", nullptr},
         {"MacAddress", ""},        {"DriverOpts", nullptr},    {"GwPriority", 0},
         {"NetworkID", ""},         {"EndpointID", ""},         {"Gateway", ""},
         {"IPAddress", ""},         {"IPPrefixLen", 0},         {"IPv6Gateway", ""},
         {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0}, {"DNSNames", nullptr}};
  if (!set.ipv4.empty()) j["IPAMConfig"] = {{"IPv4Address", set.ipv4}};
  if (!set.ipv6.empty()) {
    if (!j["IPAMConfig"].is_object()) j["IPAMConfig"] = Json::object();
    j["IPAMConfig"]["IPv6Address"] = set.ipv6;
  }
  if (!set.aliases.empty()) j["Aliases"] = set.aliases;
  if (!e || e->endpointId.empty()) return j;
  j["MacAddress"] = e->macAddress;
  j["NetworkID"] = e->networkId;
  j["EndpointID"] = e->endpointId;
  j["Gateway"] = e->gateway;
  j["IPAddress"] = e->ipAddress;
  j["IPPrefixLen"] = e->prefixLen;
  j["IPv6Gateway"] = e->ipv6Gateway;
  j["GlobalIPv6Address"] = e->globalIpv6Address;
  j["GlobalIPv6PrefixLen"] = e->globalIpv6PrefixLen;
  if (e->network != "bridge") {
    Json names = Json::array();
    if (!containerName.empty()) names.push_back(containerName);
    for (const auto& a : e->aliases) names.push_back(a);
    j["DNSNames"] = names;
  }
  return j;
}

// NetworkSettings.Networks: the running endpoints, or the configured networks when stopped
// (the engine lists them without an endpoint id); `net` when the engine named none.
Json networksJson(const ContainerInfo& c, const std::string& net) {
  Json out = Json::object();
  for (const auto& e : c.endpoints)
    out[e.network] = endpointJson(&e, settingsFor(c.spec, e.networkId), c.name);
  if (out.empty()) out[net] = endpointJson(nullptr, settingsFor(c.spec, ""), c.name);
  return out;
}

std::string commandLine(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

}  // namespace

const char* stateName(ContainerStatus s) {
  switch (s) {
    case ContainerStatus::kCreated:
      return "created";
    case ContainerStatus::kRunning:
      return "running";
    case ContainerStatus::kPaused:
      return "paused";
    case ContainerStatus::kRestarting:
      return "restarting";
    case ContainerStatus::kRemoving:
      return "removing";
    case ContainerStatus::kExited:
      return "exited";
    case ContainerStatus::kDead:
      return "dead";
  }
  return "unknown";
}

std::string humanDuration(int64_t seconds) {
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  int64_t hours = (seconds + 1800) / 3600;  // go-units rounds hours
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < int64_t{24} * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < int64_t{24} * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < int64_t{24} * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(seconds / 3600 / 24 / 365) + " years";
}

// Unix seconds of an RFC 3339 time; nullopt for docker's zero time ("0001-01-01T00:00:00Z",
// never started / never finished) and anything malformed.
std::optional<int64_t> unixSeconds(const std::string& s) {
  if (s.rfind("0001-", 0) == 0) return std::nullopt;
  auto t = parseRfc3339(s);
  if (!t.ok()) return std::nullopt;
  return *t / kNanosPerSecond;
}

std::string statusText(const ContainerState& st, int64_t now) {
  auto ago = [&](const std::string& when) {
    auto t = unixSeconds(when);
    return humanDuration(t ? now - *t : 0);
  };
  switch (st.status) {
    case ContainerStatus::kPaused:
      return "Up " + ago(st.startedAt) + " (Paused)";
    case ContainerStatus::kRestarting:
      return "Restarting (" + std::to_string(st.exitCode) + ") " + ago(st.finishedAt) + " ago";
    case ContainerStatus::kRunning:
      return "Up " + ago(st.startedAt);
    case ContainerStatus::kRemoving:
      return "Removal In Progress";
    case ContainerStatus::kDead:
      return "Dead";
    case ContainerStatus::kCreated:
    case ContainerStatus::kExited:
      break;
  }
  if (!unixSeconds(st.startedAt)) return "Created";
  if (!unixSeconds(st.finishedAt)) return "";
  return "Exited (" + std::to_string(st.exitCode) + ") " + ago(st.finishedAt) + " ago";
}

Json containerSummaryJson(const ContainerInfo& c, int64_t now) {
  std::string net = networkName(c.spec);
  return Json{
      {"Id", c.id},
      {"Names", Json::array({"/" + c.name})},
      {"Image", c.imageRef},
      {"ImageID", c.imageId},
      {"Command", commandLine(c.path)},
      {"Created", c.createdUnix},
      {"Ports", portsSummaryJson(c)},
      {"Labels", c.spec.labels},
      {"State", stateName(c.state.status)},
      {"Status", statusText(c.state, now)},
      {"HostConfig", {{"NetworkMode", c.spec.networkMode.empty() ? "bridge" : c.spec.networkMode}}},
      {"NetworkSettings", {{"Networks", networksJson(c, net)}}},
      {"Mounts", mountPointsJson(c)},
  };
}

Json containerInspectJson(const ContainerInfo& c) {
  const ContainerSpec& s = c.spec;
  const ContainerState& st = c.state;
  bool running = st.status == ContainerStatus::kRunning || st.status == ContainerStatus::kPaused ||
                 st.status == ContainerStatus::kRestarting;
  Json state{{"Status", stateName(st.status)},
             {"Running", running},
             {"Paused", st.status == ContainerStatus::kPaused},
             {"Restarting", st.status == ContainerStatus::kRestarting},
             {"OOMKilled", st.oomKilled},
             {"Dead", st.status == ContainerStatus::kDead},
             {"Pid", st.pid},
             {"ExitCode", st.exitCode},
             {"Error", st.error},
             {"StartedAt", st.startedAt},
             {"FinishedAt", st.finishedAt}};
  std::string lower;
  for (const auto& l : c.lowerDirs) lower += (lower.empty() ? "" : ":") + l;
  Json hostConfig{
      {"Binds", nullptr},
      {"ContainerIDFile", ""},
      {"LogConfig", {{"Type", "json-file"}, {"Config", Json::object()}}},
      {"NetworkMode", s.networkMode.empty() ? "bridge" : s.networkMode},
      {"PortBindings", Json::object()},
      {"Dns", s.dns},
      {"DnsSearch", s.dnsSearch},
      {"DnsOptions", s.dnsOptions},
      {"ExtraHosts", stringsOrNull(s.extraHosts)},
      {"Links", stringsOrNull(s.links)},
      {"RestartPolicy",
       {{"Name", s.restartPolicy.empty() ? "no" : s.restartPolicy},
        {"MaximumRetryCount", s.restartMaxRetries}}},
      {"AutoRemove", s.autoRemove},
      {"VolumeDriver", ""},
      {"VolumesFrom", nullptr},
      {"ConsoleSize", Json::array({0, 0})},
      {"CapAdd", stringsOrNull(s.capAdd)},
      {"CapDrop", stringsOrNull(s.capDrop)},
      {"CgroupnsMode", "host"},
      {"Dns", Json::array()},
      {"DnsOptions", Json::array()},
      {"DnsSearch", Json::array()},
      {"ExtraHosts", nullptr},
      {"GroupAdd", nullptr},
      {"IpcMode", "private"},
      {"Cgroup", ""},
      {"OomScoreAdj", 0},
      {"PidMode", ""},
      {"Privileged", s.privileged},
      {"PublishAllPorts", false},
      {"ReadonlyRootfs", s.readonlyRootfs},
      {"SecurityOpt", stringsOrNull(s.securityOpt)},
      {"UTSMode", ""},
      {"UsernsMode", ""},
      {"ShmSize", 67108864},
      {"Runtime", "wharf"},
      {"Isolation", ""},
      {"CgroupParent", ""},
      {"Devices", Json::array()},
      {"Ulimits", Json::array()},
      {"MaskedPaths", Json::array()},
      {"ReadonlyPaths", Json::array()},
  };
  Json config{
      {"Hostname", s.hostname.empty() ? c.id.substr(0, 12) : s.hostname},
      {"Domainname", s.domainname},
      {"User", s.user},
      {"AttachStdin", s.attachStdin},
      {"AttachStdout", s.attachStdout},
      {"AttachStderr", s.attachStderr},
      {"Tty", s.tty},
      {"OpenStdin", s.openStdin},
      {"StdinOnce", s.stdinOnce},
      {"Env", stringsOrNull(s.env)},
      {"Cmd", stringsOrNull(s.cmd)},
      {"Image", c.imageRef},
      {"Volumes", nullptr},
      {"WorkingDir", s.workingDir},
      {"Entrypoint", s.entrypoint ? stringsOrNull(*s.entrypoint) : Json(nullptr)},
      {"OnBuild", nullptr},
      {"Labels", s.labels},
  };
  if (!s.stopSignal.empty()) config["StopSignal"] = s.stopSignal;
  if (s.stopTimeout) config["StopTimeout"] = *s.stopTimeout;
  addResourceFields(s.resources, hostConfig);
  addMountFields(s, hostConfig, config);
  std::string net = networkName(s);
  Json networkSettings{{"Bridge", ""},
                       {"SandboxID", ""},
                       {"SandboxKey", ""},
                       {"Ports", Json::object()},
                       {"HairpinMode", false},
                       {"LinkLocalIPv6Address", ""},
                       {"LinkLocalIPv6PrefixLen", 0},
                       {"SecondaryIPAddresses", nullptr},
                       {"SecondaryIPv6Addresses", nullptr},
                       {"EndpointID", ""},
                       {"Gateway", ""},
                       {"GlobalIPv6Address", ""},
                       {"GlobalIPv6PrefixLen", 0},
                       {"IPAddress", ""},
                       {"IPPrefixLen", 0},
                       {"IPv6Gateway", ""},
                       {"MacAddress", ""},
                       {"Networks", networksJson(c, net)}};
  for (const auto& e : c.endpoints) {
    // The top-level fields describe the default bridge only (deprecated in docker, still set).
    if (e.network != "bridge") continue;
    networkSettings["EndpointID"] = e.endpointId;
    networkSettings["Gateway"] = e.gateway;
    networkSettings["IPAddress"] = e.ipAddress;
    networkSettings["IPPrefixLen"] = e.prefixLen;
    networkSettings["MacAddress"] = e.macAddress;
    networkSettings["GlobalIPv6Address"] = e.globalIpv6Address;
    networkSettings["GlobalIPv6PrefixLen"] = e.globalIpv6PrefixLen;
    networkSettings["IPv6Gateway"] = e.ipv6Gateway;
  }

  addPortFields(c, hostConfig, config, networkSettings);

  std::vector<std::string> args;
  if (c.path.size() > 1) args.assign(c.path.begin() + 1, c.path.end());
  return Json{
      {"Id", c.id},
      {"Created", c.created},
      {"Path", c.path.empty() ? std::string() : c.path[0]},
      {"Args", args},
      {"State", state},
      {"Image", c.imageId},
      {"ResolvConfPath", c.resolvConfPath},
      {"HostnamePath", c.hostnamePath},
      {"HostsPath", c.hostsPath},
      {"LogPath", c.logPath},
      {"Name", "/" + c.name},
      {"RestartCount", c.restartCount},
      {"Driver", "overlay2"},
      {"Platform", "linux"},
      {"MountLabel", ""},
      {"ProcessLabel", ""},
      {"AppArmorProfile", ""},
      {"ExecIDs", nullptr},
      {"HostConfig", hostConfig},
      {"GraphDriver",
       {{"Name", "overlay2"},
        {"Data",
         {{"LowerDir", lower},
          {"MergedDir", c.rootfsPath},
          {"UpperDir", c.upperDir},
          {"WorkDir", c.workDir}}}}},
      {"Mounts", mountPointsJson(c)},
      {"Config", config},
      {"NetworkSettings", networkSettings},
  };
}

Result<std::map<std::string, std::vector<std::string>>> parseFilters(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  if (text.empty()) return out;
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, "filters"));
  if (!j.is_object()) return invalidArgument("invalid filter: expected a JSON object");
  for (const auto& [key, v] : j.items()) {
    auto& values = out[key];
    if (v.is_object()) {
      for (const auto& [value, on] : v.items())
        if (!on.is_boolean() || on.get<bool>()) values.push_back(value);
    } else if (v.is_array()) {
      for (const auto& e : v) {
        if (!e.is_string()) return invalidArgument("invalid filter '" + key + "'");
        values.push_back(e.get<std::string>());
      }
    } else {
      return invalidArgument("invalid filter '" + key + "'");
    }
  }
  return out;
}

}  // namespace wharf::api
