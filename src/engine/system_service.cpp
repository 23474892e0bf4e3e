// SystemService: /info from what the components report, /events from the bus.
#include "engine/system_service.h"

#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <sstream>

#include "common/fs.h"
#include "common/random.h"
#include "engine/container_manager.h"
#include "engine/disk_usage.h"
#include "engine/events.h"
#include "engine/image_manager.h"
#include "engine/resource_limits.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace wharf::engine {

namespace {

std::string osPrettyName() {
  auto text = fs::readFile("/etc/os-release");
  if (!text.ok()) return "Linux";
  std::stringstream ss(*text);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

// "2" on a pure cgroup v2 host; "1" on v1 and on hybrid hosts (where the v1 controllers do
// the work and /sys/fs/cgroup/unified is only a v2 mount with no controllers).
std::string cgroupVersion() {
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) == 0 &&
      static_cast<unsigned long>(fs.f_type) == CGROUP2_SUPER_MAGIC) {
    return "2";
  }
  return "1";
}

bool sysctlOn(const char* path) {
  auto text = fs::readFile(path);
  return text.ok() && !text->empty() && (*text)[0] == '1';
}

}  // namespace

SystemService::SystemService(ContainerManager& containers, ImageManager& images, EventBus& events,
                             SystemServiceConfig cfg)
    : containers_(containers), images_(images), events_(events), cfg_(std::move(cfg)) {}

Result<SystemInfo> SystemService::info() {
  SystemInfo s;
  if (engineId_.empty()) {
    // A stable id per data root, as dockerd's engine-id file.
    auto path = cfg_.dataRoot / "engine-id";
    auto text = fs::readFile(path);
    if (text.ok() && !text->empty()) {
      engineId_ = *text;
      while (!engineId_.empty() && engineId_.back() == '\n') engineId_.pop_back();
    } else {
      engineId_ = randomHex(16);
      (void)fs::writeFileAtomic(path, engineId_ + "\n");
    }
  }
  s.id = engineId_;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  s.name = host;
  ContainerCounts n = containers_.counts();
  s.containers = n.total;
  s.running = n.running;
  s.paused = n.paused;
  s.stopped = n.stopped;
  s.images = images_.imageCount();
  s.dataRoot = cfg_.dataRoot.string();
  s.execRoot = cfg_.execRoot.string();
  struct utsname u {};
  if (::uname(&u) == 0) {
    s.kernelVersion = u.release;
    s.architecture = u.machine;
  }
  s.operatingSystem = osPrettyName();
  s.ncpu = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  struct sysinfo si {};
  if (::sysinfo(&si) == 0) s.memTotal = static_cast<int64_t>(si.totalram) * si.mem_unit;
  s.cgroupVersion = cgroupVersion();
  s.securityOptions = {"name=seccomp,profile=builtin"};
  s.serverVersion = cfg_.serverVersion;
  s.registryMirrors = cfg_.registryMirrors;
  s.insecureRegistries = cfg_.insecureRegistries;
  s.networkPlugins = networkDrivers_;
  s.volumePlugins = volumeDrivers_;
  s.logPlugins = {"json-file"};
  // What `run -m --cpus --pids-limit ...` can limit here (engine/resource_limits.h), with
  // docker's warnings for what it cannot. Forwarding is the host's sysctl.
  const HostResources& limits = HostResources::current();
  s.memoryLimit = limits.memoryLimit;
  s.swapLimit = limits.swapLimit;
  s.oomKillDisable = limits.oomKillDisable;
  s.cpuCfsPeriod = s.cpuCfsQuota = limits.cpuCfs;
  s.cpuShares = limits.cpuShares;
  s.cpuSet = limits.cpuset;
  s.pidsLimit = limits.pidsLimit;
  for (auto& w : limits.warnings()) s.warnings.push_back(w);
  s.ipv4Forwarding = sysctlOn("/proc/sys/net/ipv4/ip_forward");
  s.eventListeners = events_.listeners();
  return s;
}

void SystemService::diskUsage(const DiskUsageOptions& opts,
                              std::function<void(Result<DiskUsage>)> done) {
  if (!diskUsage_) return SystemBackend::diskUsage(opts, std::move(done));
  diskUsage_->collect(opts, std::move(done));
}

Result<std::unique_ptr<EventStream>> SystemService::events(const EventQuery& q) {
  return events_.subscribe(q);
}

}  // namespace wharf::engine
