// System routes: GET|HEAD /_ping, GET /version, GET /info (swagger tag "System"); GET
// /system/df is in system_df.cpp.

#include <sys/utsname.h>

#include <algorithm>

#include "api/internal/routes.h"
#include "common/time.h"
#include "oci/platform.h"

namespace wharf::api {

namespace {

std::string kernelRelease() {
  struct utsname u {};
  return ::uname(&u) == 0 ? u.release : "";
}

std::string compilerVersion() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

// The build's time, as docker prints it (RFC 3339); __DATE__ is all the compiler offers.
std::string buildTime() { return std::string(__DATE__) + " " + __TIME__; }

const Headers kPingHeaders = {{"Builder-Version", "1"},
                              {"Cache-Control", "no-cache, no-store, must-revalidate"},
                              {"Pragma", "no-cache"},
                              {"Swarm", "inactive"}};

// GET /version (swagger: SystemVersion).
Json versionJson(const ServerConfig& cfg) {
  std::string arch = oci::hostArchitecture();  // Go's GOARCH, which clients compare
  std::string kernel = kernelRelease();
  return Json{
      {"Platform", {{"Name", "wharf"}}},
      {"Components", Json::array({Json{{"Name", "Engine"},
                                       {"Version", cfg.serverVersion},
                                       {"Details",
                                        {{"ApiVersion", cfg.apiVersion},
                                         {"Arch", arch},
                                         {"BuildTime", buildTime()},
                                         {"Experimental", "false"},
                                         {"GitCommit", ""},
                                         {"GoVersion", compilerVersion()},
                                         {"KernelVersion", kernel},
                                         {"MinAPIVersion", cfg.minApiVersion},
                                         {"Os", "linux"}}}}})},
      {"Version", cfg.serverVersion},
      {"ApiVersion", cfg.apiVersion},
      {"MinAPIVersion", cfg.minApiVersion},
      {"GitCommit", ""},
      {"GoVersion", compilerVersion()},
      {"Os", "linux"},
      {"Arch", arch},
      {"KernelVersion", kernel},
      {"BuildTime", buildTime()},
  };
}

// RegistryConfig as dockerd builds it (registry/config.go): --insecure-registry CIDRs join
// the loopback ones, host names become index configs that are not secure; Docker Hub's
// index config lists the mirrors.
Json registryConfigJson(const engine::SystemInfo& si) {
  Json cidrs = Json::array({"::1/128", "127.0.0.0/8"});
  Json indexes = {{"docker.io",
                   {{"Name", "docker.io"},
                    {"Mirrors", si.registryMirrors},
                    {"Secure", true},
                    {"Official", true}}}};
  for (const auto& r : si.insecureRegistries) {
    if (r.find('/') != std::string::npos) {
      if (std::find(cidrs.begin(), cidrs.end(), r) == cidrs.end()) cidrs.push_back(r);
    } else {
      indexes[r] = {
          {"Name", r}, {"Mirrors", Json::array()}, {"Secure", false}, {"Official", false}};
    }
  }
  return {
      {"InsecureRegistryCIDRs", cidrs}, {"IndexConfigs", indexes}, {"Mirrors", si.registryMirrors}};
}

// GET /info (swagger: SystemInfo). Fields wharf has no notion of get docker's empty values,
// so that `docker info` prints a sane page.
Json infoJson(const engine::SystemInfo& si, const ServerConfig& cfg) {
  Json emptyArr = Json::array();
  Json emptyObj = Json::object();
  return Json{
      {"ID", si.id},
      {"Containers", si.containers},
      {"ContainersRunning", si.running},
      {"ContainersPaused", si.paused},
      {"ContainersStopped", si.stopped},
      {"Images", si.images},
      {"Driver", si.storageDriver},
      {"DriverStatus", emptyArr},
      {"Plugins",
       {{"Volume", si.volumePlugins},
        {"Network", si.networkPlugins},
        {"Authorization", nullptr},
        {"Log", si.logPlugins}}},
      {"MemoryLimit", si.memoryLimit},
      {"SwapLimit", si.swapLimit},
      {"KernelMemoryTCP", false},
      {"CpuCfsPeriod", si.cpuCfsPeriod},
      {"CpuCfsQuota", si.cpuCfsQuota},
      {"CPUShares", si.cpuShares},
      {"CPUSet", si.cpuSet},
      {"PidsLimit", si.pidsLimit},
      {"IPv4Forwarding", si.ipv4Forwarding},
      {"Debug", false},
      {"NFd", 0},
      {"OomKillDisable", si.oomKillDisable},
      {"NGoroutines", 0},
      {"SystemTime", formatRfc3339Nano(nowNanos())},
      {"LoggingDriver", si.loggingDriver},
      {"CgroupDriver", si.cgroupDriver},
      {"CgroupVersion", si.cgroupVersion},
      {"NEventsListener", si.eventListeners},
      {"KernelVersion", si.kernelVersion},
      {"OperatingSystem", si.operatingSystem},
      {"OSVersion", ""},
      {"OSType", si.osType},
      {"Architecture", si.architecture},
      {"IndexServerAddress", "https://index.docker.io/v1/"},
      {"RegistryConfig", registryConfigJson(si)},
      {"NCPU", si.ncpu},
      {"MemTotal", si.memTotal},
      {"GenericResources", nullptr},
      {"DockerRootDir", si.dataRoot},
      {"HttpProxy", ""},
      {"HttpsProxy", ""},
      {"NoProxy", ""},
      {"Name", si.name},
      {"Labels", emptyArr},
      {"ExperimentalBuild", false},
      {"ServerVersion", si.serverVersion.empty() ? cfg.serverVersion : si.serverVersion},
      {"Runtimes", {{si.defaultRuntime, {{"path", "wharf-runtime"}}}}},
      {"DefaultRuntime", si.defaultRuntime},
      {"Swarm",
       {{"NodeID", ""},
        {"NodeAddr", ""},
        {"LocalNodeState", "inactive"},
        {"ControlAvailable", false},
        {"Error", ""},
        {"RemoteManagers", nullptr}}},
      {"LiveRestoreEnabled", true},
      {"Isolation", ""},
      {"InitBinary", ""},
      {"ContainerdCommit", {{"ID", ""}}},
      {"RuncCommit", {{"ID", ""}}},
      {"InitCommit", {{"ID", ""}}},
      {"SecurityOptions", si.securityOptions},
      {"CDISpecDirs", emptyArr},
      {"Containerd", nullptr},
      {"Warnings", si.warnings},
  };
}

}  // namespace

void addSystemRoutes(Router& router, RouteContextPtr ctx) {
  auto ping = [](const Request&, ResponderPtr r) {
    r->reply(200, "text/plain; charset=utf-8", "OK", kPingHeaders);
  };
  router.add("GET", "/_ping", "SystemPing", ping);
  router.add("HEAD", "/_ping", "SystemPingHead", ping);

  router.add("GET", "/version", "SystemVersion",
             [ctx](const Request&, ResponderPtr r) { replyJson(*r, 200, versionJson(ctx->cfg)); });

  router.add("GET", "/info", "SystemInfo", [ctx](const Request&, ResponderPtr r) {
    auto info = ctx->system.info();
    if (!info.ok()) return replyError(*r, info.error());
    replyJson(*r, 200, infoJson(*info, ctx->cfg));
  });

  addDiskUsageRoutes(router, ctx);
}

}  // namespace wharf::api
