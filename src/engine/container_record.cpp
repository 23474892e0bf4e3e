#include "engine/container_record.h"

#include "common/json.h"
#include "engine/internal/record_json.h"
#include "engine/resource_limits.h"
#include "engine/volume_record.h"

namespace wharf::engine {

const char* statusName(ContainerStatus s) {
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

Result<ContainerStatus> parseStatus(std::string_view s) {
  for (auto st : {ContainerStatus::kCreated, ContainerStatus::kRunning, ContainerStatus::kPaused,
                  ContainerStatus::kRestarting, ContainerStatus::kRemoving,
                  ContainerStatus::kExited, ContainerStatus::kDead}) {
    if (s == statusName(st)) return st;
  }
  return invalidArgument("unknown container status \"" + std::string(s) + "\"");
}

namespace {

Json specToJson(const ContainerSpec& s) {
  Json j = {{"name", s.name},
            {"image", s.image},
            {"cmd", s.cmd},
            {"env", s.env},
            {"workingDir", s.workingDir},
            {"user", s.user},
            {"hostname", s.hostname},
            {"domainname", s.domainname},
            {"labels", s.labels},
            {"tty", s.tty},
            {"openStdin", s.openStdin},
            {"stdinOnce", s.stdinOnce},
            {"attachStdin", s.attachStdin},
            {"attachStdout", s.attachStdout},
            {"attachStderr", s.attachStderr},
            {"stopSignal", s.stopSignal},
            {"autoRemove", s.autoRemove},
            {"networkMode", s.networkMode},
            {"privileged", s.privileged},
            {"readonlyRootfs", s.readonlyRootfs},
            {"capAdd", s.capAdd},
            {"capDrop", s.capDrop},
            {"securityOpt", s.securityOpt},
            {"restartPolicy", s.restartPolicy},
            {"restartMaxRetries", s.restartMaxRetries},
            {"dns", s.dns},
            {"dnsSearch", s.dnsSearch},
            {"dnsOptions", s.dnsOptions},
            {"extraHosts", s.extraHosts},
            {"links", s.links},
            {"ipv4Address", s.ipv4Address},
            {"ipv6Address", s.ipv6Address},
            {"networkAliases", s.networkAliases},
            {"macAddress", s.macAddress}};
  if (!s.exposedPorts.empty()) j["exposedPorts"] = s.exposedPorts;
  if (s.publishAllPorts) j["publishAllPorts"] = true;
  if (!s.portBindings.empty()) {
    Json pb = Json::object();
    for (const auto& [port, bs] : s.portBindings) {
      Json arr = Json::array();
      for (const auto& b : bs) arr.push_back({{"hostIp", b.hostIp}, {"hostPort", b.hostPort}});
      pb[port] = std::move(arr);
    }
    j["portBindings"] = std::move(pb);
  }
  if (s.entrypoint) j["entrypoint"] = *s.entrypoint;
  if (s.stopTimeout) j["stopTimeout"] = *s.stopTimeout;
  volumeSpecToJson(s, j);
  if (!s.extraNetworks.empty()) {
    Json nets = Json::array();
    for (const auto& n : s.extraNetworks) {
      Json e{{"id", n.networkId}, {"ipv4Address", n.ipv4Address}, {"aliases", n.aliases}};
      if (!n.macAddress.empty()) e["macAddress"] = n.macAddress;
      nets.push_back(std::move(e));
    }
    j["extraNetworks"] = nets;
  }
  if (Json res = resourcesToJson(s.resources); !res.empty()) j["resources"] = std::move(res);
  return j;
}

using record_json::get;

ContainerSpec specFromJson(const Json& j) {
  ContainerSpec s;
  get(j, "name", &s.name);
  get(j, "image", &s.image);
  get(j, "cmd", &s.cmd);
  get(j, "env", &s.env);
  get(j, "workingDir", &s.workingDir);
  get(j, "user", &s.user);
  get(j, "hostname", &s.hostname);
  get(j, "domainname", &s.domainname);
  get(j, "labels", &s.labels);
  get(j, "tty", &s.tty);
  get(j, "openStdin", &s.openStdin);
  get(j, "stdinOnce", &s.stdinOnce);
  get(j, "attachStdin", &s.attachStdin);
  get(j, "attachStdout", &s.attachStdout);
  get(j, "attachStderr", &s.attachStderr);
  get(j, "stopSignal", &s.stopSignal);
  get(j, "autoRemove", &s.autoRemove);
  get(j, "networkMode", &s.networkMode);
  get(j, "privileged", &s.privileged);
  get(j, "readonlyRootfs", &s.readonlyRootfs);
  get(j, "capAdd", &s.capAdd);
  get(j, "capDrop", &s.capDrop);
  get(j, "securityOpt", &s.securityOpt);
  get(j, "restartPolicy", &s.restartPolicy);
  get(j, "restartMaxRetries", &s.restartMaxRetries);
  get(j, "dns", &s.dns);
  get(j, "dnsSearch", &s.dnsSearch);
  get(j, "dnsOptions", &s.dnsOptions);
  get(j, "extraHosts", &s.extraHosts);
  get(j, "links", &s.links);
  get(j, "ipv4Address", &s.ipv4Address);
  get(j, "ipv6Address", &s.ipv6Address);
  get(j, "networkAliases", &s.networkAliases);
  get(j, "macAddress", &s.macAddress);
  get(j, "exposedPorts", &s.exposedPorts);
  get(j, "publishAllPorts", &s.publishAllPorts);
  if (auto pb = j.find("portBindings"); pb != j.end() && pb->is_object()) {
    for (const auto& [port, arr] : pb->items()) {
      auto& out = s.portBindings[port];
      for (const auto& b : arr)
        out.push_back({b.value("hostIp", std::string()), b.value("hostPort", std::string())});
    }
  }
  if (j.contains("entrypoint")) s.entrypoint = j["entrypoint"].get<std::vector<std::string>>();
  if (j.contains("stopTimeout")) s.stopTimeout = j["stopTimeout"].get<int>();
  volumeSpecFromJson(j, s);
  if (auto it = j.find("extraNetworks"); it != j.end() && it->is_array()) {
    for (const auto& n : *it) {
      ContainerSpec::NetworkAttachment a;
      get(n, "id", &a.networkId);
      get(n, "ipv4Address", &a.ipv4Address);
      get(n, "aliases", &a.aliases);
      get(n, "macAddress", &a.macAddress);
      s.extraNetworks.push_back(std::move(a));
    }
  }
  if (auto it = j.find("resources"); it != j.end()) s.resources = resourcesFromJson(*it);
  return s;
}

}  // namespace

std::string recordToJson(const ContainerRecord& r) {
  const ContainerInfo& i = r.info;
  Json state = {{"status", statusName(i.state.status)},
                {"pid", i.state.pid},
                {"exitCode", i.state.exitCode},
                {"oomKilled", i.state.oomKilled},
                {"error", i.state.error},
                {"startedAt", i.state.startedAt},
                {"finishedAt", i.state.finishedAt}};
  Json j = {{"v", 1},
            {"id", i.id},
            {"name", i.name},
            {"imageRef", i.imageRef},
            {"imageId", i.imageId},
            {"created", i.created},
            {"createdUnix", i.createdUnix},
            {"path", i.path},
            {"spec", specToJson(i.spec)},
            {"state", state},
            {"logPath", i.logPath},
            {"rootfs", i.rootfsPath},
            {"upperDir", i.upperDir},
            {"workDir", i.workDir},
            {"lowerDirs", i.lowerDirs},
            {"hostnamePath", i.hostnamePath},
            {"hostsPath", i.hostsPath},
            {"resolvConfPath", i.resolvConfPath},
            {"restartCount", i.restartCount},
            {"shimPid", r.shimPid},
            {"bundle", r.bundle},
            {"exitFile", r.exitFile},
            {"mounted", r.mounted},
            {"manuallyStopped", r.manuallyStopped},
            {"starting", r.starting}};
  if (r.oomKillsReported) j["oomKillsReported"] = r.oomKillsReported;
  j["mountPoints"] = mountPointsToJson(i.mountPoints);
  return j.dump();
}

Result<ContainerRecord> recordFromJson(std::string_view text) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, "container record"));
  try {
    if (!j.is_object() || j.value("v", 0) != 1) {
      return invalidArgument("container record: unknown version");
    }
    ContainerRecord r;
    ContainerInfo& i = r.info;
    get(j, "id", &i.id);
    get(j, "name", &i.name);
    get(j, "imageRef", &i.imageRef);
    get(j, "imageId", &i.imageId);
    get(j, "created", &i.created);
    get(j, "createdUnix", &i.createdUnix);
    get(j, "path", &i.path);
    if (j.contains("spec")) i.spec = specFromJson(j["spec"]);
    if (j.contains("state")) {
      const Json& s = j["state"];
      WHARF_ASSIGN_OR_RETURN(i.state.status, parseStatus(s.value("status", "created")));
      get(s, "pid", &i.state.pid);
      get(s, "exitCode", &i.state.exitCode);
      get(s, "oomKilled", &i.state.oomKilled);
      get(s, "error", &i.state.error);
      get(s, "startedAt", &i.state.startedAt);
      get(s, "finishedAt", &i.state.finishedAt);
    }
    get(j, "logPath", &i.logPath);
    get(j, "rootfs", &i.rootfsPath);
    get(j, "upperDir", &i.upperDir);
    get(j, "workDir", &i.workDir);
    get(j, "lowerDirs", &i.lowerDirs);
    get(j, "hostnamePath", &i.hostnamePath);
    get(j, "hostsPath", &i.hostsPath);
    get(j, "resolvConfPath", &i.resolvConfPath);
    get(j, "restartCount", &i.restartCount);
    get(j, "shimPid", &r.shimPid);
    get(j, "bundle", &r.bundle);
    get(j, "exitFile", &r.exitFile);
    get(j, "mounted", &r.mounted);
    get(j, "manuallyStopped", &r.manuallyStopped);
    get(j, "starting", &r.starting);
    get(j, "oomKillsReported", &r.oomKillsReported);
    if (j.contains("mountPoints")) i.mountPoints = mountPointsFromJson(j["mountPoints"]);
    return r;
  } catch (const Json::exception& e) {
    return invalidArgument(std::string("container record: ") + e.what());
  }
}

}  // namespace wharf::engine
