// cgroup v1: one directory per mounted hierarchy; each controller's files live in its own.
#include <sys/stat.h>

#include <cerrno>
#include <thread>

#include "runtime/cgroup/internal.h"

namespace wharf::runtime {

namespace {

Status mkdirP(const std::string& path) {
  // The leaf first: the parents ("wharf") usually exist already.
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return okStatus();
  if (errno != ENOENT) return sysError("mkdir \"" + path + "\"");
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return sysError("mkdir \"" + path + "\"", ENOENT);
  WHARF_TRY(mkdirP(path.substr(0, slash)));
  if (::mkdir(path.c_str(), 0755) < 0 && errno != EEXIST) return sysError("mkdir \"" + path + "\"");
  return okStatus();
}

class V1Manager final : public CgroupManager {
 public:
  V1Manager(CgroupLayout layout, std::vector<std::string> dirs)
      : layout_(std::move(layout)), dirs_(std::move(dirs)) {}

  bool isV2() const override { return false; }
  const std::vector<std::string>& dirs() const override { return dirs_; }

  Status create() override {
    for (const auto& d : dirs_) {
      WHARF_TRY(mkdirP(d));
      if (hierarchyOf(d) == "cpuset") WHARF_TRY(initCpuset(d));
    }
    return okStatus();
  }

  Status apply(const oci::Resources& r) override {
    WHARF_TRY(update(r));
    return applyDevices(r.devices);
  }

  Status update(const oci::Resources& r) override {
    if (r.memory) WHARF_TRY(applyMemory(*r.memory));
    if (r.cpu) WHARF_TRY(applyCpu(*r.cpu));
    if (r.pids) {
      if (auto d = dirFor("pids"))
        WHARF_TRY(writeCgroupFile(*d, "pids.max", r.pids->limit > 0 ? num(r.pids->limit) : "max"));
    }
    if (r.blockIO) WHARF_TRY(applyBlkio(*r.blockIO));
    if (!r.hugepageLimits.empty()) {
      WHARF_TRY(validateHugepageLimits(r.hugepageLimits));
      // A limit asked for and not applied would be a silent lie: refuse it (as runc does).
      auto d = dirFor("hugetlb");
      if (!d)
        return unavailable(
            "linux.resources.hugepageLimits: no hugetlb cgroup hierarchy is mounted");
      for (size_t i = 0; i < r.hugepageLimits.size(); ++i) {
        const auto& h = r.hugepageLimits[i];
        WHARF_TRY_CTX(
            writeCgroupFile(*d, "hugetlb." + h.pageSize + ".limit_in_bytes", unum(h.limit)),
            "linux.resources.hugepageLimits[" + std::to_string(i) + "]");
      }
    }
    if (r.network) WHARF_TRY(applyNetwork(*r.network));
    if (!r.unified.empty())
      return invalidArgument("linux.resources.unified: needs cgroup v2, this host uses v1");
    return okStatus();
  }

  std::vector<std::string> procsFiles() const override {
    std::vector<std::string> out;
    out.reserve(dirs_.size());
    for (const auto& d : dirs_) out.push_back(d + "/cgroup.procs");
    return out;
  }

  Status freeze(bool frozen) override {
    auto d = dirFor("freezer");
    if (!d) return unavailable("no freezer cgroup hierarchy");
    WHARF_TRY(writeCgroupFile(*d, "freezer.state", frozen ? "FROZEN" : "THAWED"));
    // Freezing is asynchronous: wait until the kernel says it is done.
    for (int i = 0; frozen && i < 1000; ++i) {
      WHARF_ASSIGN_OR_RETURN(std::string s, readCgroupFile(*d, "freezer.state"));
      if (s.rfind("FROZEN", 0) == 0) return okStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return okStatus();
  }

  Result<bool> isFrozen() const override {
    auto d = dirFor("freezer");
    if (!d) return false;
    WHARF_ASSIGN_OR_RETURN(std::string s, readCgroupFile(*d, "freezer.state"));
    return s.rfind("FROZEN", 0) == 0 || s.rfind("FREEZING", 0) == 0;
  }

  Result<std::vector<int>> pids() const override {
    auto d = dirFor("pids");
    if (!d) d = dirFor("memory");
    if (!d && !dirs_.empty()) d = dirs_.front();
    if (!d) return std::vector<int>{};
    auto text = readCgroupFile(*d, "cgroup.procs");
    if (!text.ok()) {
      if (text.error().sysErrno() == ENOENT) return std::vector<int>{};
      return std::move(text).error();
    }
    return parsePids(*text);
  }

  Status destroy() override {
    Status first;
    for (const auto& d : dirs_) {
      auto s = removeCgroupDir(d);
      if (!s.ok() && first.ok()) first = std::move(s);
    }
    return first;
  }

  CgroupMountSource mountSource() const override {
    CgroupMountSource src;
    for (const auto& d : dirs_) src.v1.emplace_back(hierarchyOf(d), d);
    return src;
  }

 private:
  std::string hierarchyOf(const std::string& dir) const {
    std::string rest = dir.substr(layout_.mountRoot.size() + 1);
    return rest.substr(0, rest.find('/'));
  }

  // net_cls tags the container's packets with a class id (for tc and iptables' cgroup match);
  // net_prio sets their priority per interface. Like hugetlb, a value asked for on a host
  // without the hierarchy is refused rather than silently dropped.
  Status applyNetwork(const oci::NetworkResources& n) {
    if (n.classID) {
      auto d = dirFor("net_cls");
      if (!d)
        return unavailable(
            "linux.resources.network.classID: no net_cls cgroup hierarchy is mounted on this "
            "host (mount it, or drop the classID)");
      WHARF_TRY_CTX(writeCgroupFile(*d, "net_cls.classid", unum(*n.classID)),
                    "linux.resources.network.classID");
    }
    if (n.priorities.empty()) return okStatus();
    auto d = dirFor("net_prio");
    if (!d)
      return unavailable(
          "linux.resources.network.priorities: no net_prio cgroup hierarchy is mounted on this "
          "host (mount it, or drop the priorities)");
    for (size_t i = 0; i < n.priorities.size(); ++i) {
      const auto& p = n.priorities[i];
      std::string path = "linux.resources.network.priorities[" + std::to_string(i) + "]";
      // One "name prio" line per write: the kernel parses exactly one entry per write.
      if (p.name.empty() || p.name.size() > 15 ||
          p.name.find_first_of(" /\n\t") != std::string::npos)
        return invalidArgument(path + ".name: \"" + p.name + "\" is not an interface name");
      WHARF_TRY_CTX(writeCgroupFile(*d, "net_prio.ifpriomap", p.name + " " + unum(p.priority)),
                    path);
    }
    return okStatus();
  }

  std::optional<std::string> dirFor(std::string_view controller) const {
    for (const auto& d : dirs_) {
      std::string h = hierarchyOf(d);
      // Co-mounted hierarchies are named "cpu,cpuacct".
      size_t i = 0;
      while (i <= h.size()) {
        size_t j = h.find(',', i);
        if (j == std::string::npos) j = h.size();
        if (std::string_view(h).substr(i, j - i) == controller) return d;
        i = j + 1;
      }
    }
    return std::nullopt;
  }

  // A new cpuset cgroup starts with empty cpus/mems and refuses tasks: copy the parent's,
  // from the top down.
  Status initCpuset(const std::string& dir) {
    std::string root = layout_.mountRoot + "/" + hierarchyOf(dir);
    std::vector<std::string> chain;
    for (std::string p = dir; p.size() > root.size(); p = p.substr(0, p.rfind('/')))
      chain.push_back(p);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      std::string parent = it->substr(0, it->rfind('/'));
      for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        WHARF_ASSIGN_OR_RETURN(std::string cur, readCgroupFile(*it, f));
        if (cur.find_first_not_of(" \n") != std::string::npos) continue;
        WHARF_ASSIGN_OR_RETURN(std::string val, readCgroupFile(parent, f));
        WHARF_TRY(writeCgroupFile(*it, f, val));
      }
    }
    return okStatus();
  }

  Status applyMemory(const oci::MemoryResources& m) {
    auto d = dirFor("memory");
    if (!d) return unavailable("linux.resources.memory: no memory cgroup hierarchy");
    if (m.limit) {
      auto s = writeCgroupFile(*d, "memory.limit_in_bytes", num(*m.limit));
      if (!s.ok() && m.swap) {
        // Lowering below the current memsw limit needs memsw first.
        WHARF_TRY(writeCgroupFile(*d, "memory.memsw.limit_in_bytes", num(*m.swap)));
        s = writeCgroupFile(*d, "memory.limit_in_bytes", num(*m.limit));
      }
      WHARF_TRY_CTX(std::move(s), "linux.resources.memory.limit");
    }
    if (m.swap)
      WHARF_TRY_CTX(writeCgroupFile(*d, "memory.memsw.limit_in_bytes", num(*m.swap)),
                    "linux.resources.memory.swap");
    if (m.reservation)
      WHARF_TRY(writeCgroupFile(*d, "memory.soft_limit_in_bytes", num(*m.reservation)));
    if (m.swappiness && *m.swappiness <= 100)
      WHARF_TRY(writeCgroupFile(*d, "memory.swappiness", unum(*m.swappiness)));
    if (m.disableOOMKiller && *m.disableOOMKiller)
      WHARF_TRY(writeCgroupFile(*d, "memory.oom_control", "1"));
    if (m.kernelTCP)
      WHARF_TRY(writeCgroupFile(*d, "memory.kmem.tcp.limit_in_bytes", num(*m.kernelTCP)));
    return okStatus();
  }

  Status applyCpu(const oci::CpuResources& c) {
    if (auto d = dirFor("cpu")) {
      if (c.shares && *c.shares) WHARF_TRY(writeCgroupFile(*d, "cpu.shares", unum(*c.shares)));
      if (c.period && *c.period)
        WHARF_TRY(writeCgroupFile(*d, "cpu.cfs_period_us", unum(*c.period)));
      if (c.quota && *c.quota) WHARF_TRY(writeCgroupFile(*d, "cpu.cfs_quota_us", num(*c.quota)));
      if (c.realtimePeriod && *c.realtimePeriod)
        WHARF_TRY(writeCgroupFile(*d, "cpu.rt_period_us", unum(*c.realtimePeriod)));
      if (c.realtimeRuntime && *c.realtimeRuntime)
        WHARF_TRY(writeCgroupFile(*d, "cpu.rt_runtime_us", num(*c.realtimeRuntime)));
      if (c.idle && *c.idle) WHARF_TRY(writeCgroupFile(*d, "cpu.idle", num(*c.idle)));
    }
    if (auto d = dirFor("cpuset")) {
      if (!c.cpus.empty()) WHARF_TRY(writeCgroupFile(*d, "cpuset.cpus", c.cpus));
      if (!c.mems.empty()) WHARF_TRY(writeCgroupFile(*d, "cpuset.mems", c.mems));
    }
    return okStatus();
  }

  Status applyBlkio(const oci::BlockIoResources& b) {
    auto d = dirFor("blkio");
    if (!d) return unavailable("linux.resources.blockIO: no blkio cgroup hierarchy");
    // Weights exist only with a proportional I/O scheduler: BFQ's files (blkio.bfq.*) or
    // CFQ's (blkio.*, kernels before 5.0). With none/mq-deadline there is neither: fail the
    // create as runc does, saying why, rather than dropping the weight.
    auto weightFile = [&](const char* field, const char* suffix) -> Result<std::string> {
      for (std::string f : {std::string("blkio.bfq.") + suffix, std::string("blkio.") + suffix}) {
        struct stat st;
        if (::stat((*d + "/" + f).c_str(), &st) == 0) return f;
      }
      return unavailable(std::string("linux.resources.blockIO.") + field +
                         ": this kernel has no blkio." + suffix +
                         " (no BFQ or CFQ I/O scheduler in use); remove the weight");
    };
    // 0 means "not set" (Docker sends it), as runc reads it.
    if (b.weight && *b.weight) {
      WHARF_ASSIGN_OR_RETURN(std::string f, weightFile("weight", "weight"));
      WHARF_TRY_CTX(writeCgroupFile(*d, f, unum(*b.weight)), "linux.resources.blockIO.weight");
    }
    if (b.leafWeight && *b.leafWeight)
      (void)writeCgroupFile(*d, "blkio.leaf_weight", unum(*b.leafWeight));
    for (size_t i = 0; i < b.weightDevice.size(); ++i) {
      const auto& w = b.weightDevice[i];
      if (!w.weight || !*w.weight) continue;
      WHARF_ASSIGN_OR_RETURN(std::string f, weightFile("weightDevice", "weight_device"));
      WHARF_TRY_CTX(
          writeCgroupFile(*d, f, num(w.major) + ":" + num(w.minor) + " " + unum(*w.weight)),
          "linux.resources.blockIO.weightDevice[" + std::to_string(i) + "]");
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& v, const char* file) -> Status {
      for (const auto& t : v)
        WHARF_TRY(
            writeCgroupFile(*d, file, num(t.major) + ":" + num(t.minor) + " " + unum(t.rate)));
      return okStatus();
    };
    WHARF_TRY(throttle(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device"));
    WHARF_TRY(throttle(b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device"));
    WHARF_TRY(throttle(b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device"));
    WHARF_TRY(throttle(b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device"));
    return okStatus();
  }

  Status applyDevices(const std::vector<oci::DeviceCgroup>& rules) {
    auto d = dirFor("devices");
    if (!d) return okStatus();
    WHARF_TRY(writeCgroupFile(*d, "devices.deny", "a"));
    for (const auto& r : rules)
      WHARF_TRY_CTX(
          writeCgroupFile(*d, r.allow ? "devices.allow" : "devices.deny", deviceRuleLine(r)),
          "linux.resources.devices");
    for (const auto& line : defaultAllowedDevices())
      WHARF_TRY(writeCgroupFile(*d, "devices.allow", line));
    return okStatus();
  }

  CgroupLayout layout_;
  std::vector<std::string> dirs_;
};

}  // namespace

const std::vector<std::string>& defaultAllowedDevices() {
  static const std::vector<std::string> lines = {
      "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",   "c 1:8 rwm",
      "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"};
  return lines;
}

std::string deviceRuleLine(const oci::DeviceCgroup& r) {
  std::string type = r.type.empty() ? "a" : r.type;
  std::string major = r.major ? std::to_string(*r.major) : "*";
  std::string minor = r.minor ? std::to_string(*r.minor) : "*";
  std::string access = r.access.empty() ? "rwm" : r.access;
  return type + " " + major + ":" + minor + " " + access;
}

oci::DeviceCgroup parseDeviceRuleLine(const std::string& line) {
  oci::DeviceCgroup r;
  r.allow = true;
  r.type = line.substr(0, 1);
  auto colon = line.find(':'), space = line.find(' ', 2);
  std::string major = line.substr(2, colon - 2), minor = line.substr(colon + 1, space - colon - 1);
  if (major != "*") r.major = std::stoll(major);
  if (minor != "*") r.minor = std::stoll(minor);
  r.access = line.substr(space + 1);
  return r;
}

std::unique_ptr<CgroupManager> makeV1Manager(const CgroupLayout& layout,
                                             std::vector<std::string> dirs) {
  return std::make_unique<V1Manager>(layout, std::move(dirs));
}

}  // namespace wharf::runtime
