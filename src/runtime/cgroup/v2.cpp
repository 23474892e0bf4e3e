// cgroup v2: one unified directory; controllers are enabled in each ancestor's
// cgroup.subtree_control, and v1-style values are converted the way runc converts them.
#include <sys/stat.h>

#include <cerrno>
#include <thread>

#include "runtime/cgroup/devices_bpf.h"
#include "runtime/cgroup/internal.h"

namespace wharf::runtime {

namespace {

class V2Manager final : public CgroupManager {
 public:
  V2Manager(CgroupLayout layout, std::vector<std::string> dirs)
      : layout_(std::move(layout)), dirs_(std::move(dirs)) {}

  bool isV2() const override { return true; }
  const std::vector<std::string>& dirs() const override { return dirs_; }
  const std::string& dir() const { return dirs_.front(); }

  Status create() override {
    auto ctrls = readCgroupFile(layout_.mountRoot, "cgroup.controllers");
    std::string enable;
    if (ctrls.ok()) {
      for (const char* c : {"cpu", "cpuset", "io", "memory", "pids", "hugetlb"})
        if (ctrls->find(c) != std::string::npos)
          enable += std::string(enable.empty() ? "" : " ") + "+" + c;
    }
    const std::string& d = dir();
    for (size_t i = layout_.mountRoot.size() + 1; i <= d.size(); ++i) {
      if (i != d.size() && d[i] != '/') continue;
      std::string cur = d.substr(0, i);
      std::string parent = cur.substr(0, cur.rfind('/'));
      // Best effort: a controller that cannot be enabled only matters if the spec uses it.
      if (!enable.empty()) (void)writeCgroupFile(parent, "cgroup.subtree_control", enable);
      if (::mkdir(cur.c_str(), 0755) < 0 && errno != EEXIST)
        return sysError("mkdir \"" + cur + "\"");
    }
    return okStatus();
  }

  Status update(const oci::Resources& r) override {
    oci::Resources limits = r;
    limits.devices.clear();  // an empty list installs no device filter: the old one stays
    return apply(limits);
  }

  Status apply(const oci::Resources& r) override {
    const std::string& d = dir();
    if (r.memory) {
      const auto& m = *r.memory;
      auto mx = [](int64_t v) { return v < 0 ? std::string("max") : num(v); };
      if (m.limit)
        WHARF_TRY_CTX(writeCgroupFile(d, "memory.max", mx(*m.limit)),
                      "linux.resources.memory.limit");
      if (m.reservation) WHARF_TRY(writeCgroupFile(d, "memory.low", mx(*m.reservation)));
      if (m.swap) {
        // v1's swap is memory+swap; v2's is swap alone.
        std::string v = "max";
        if (*m.swap >= 0 && m.limit && *m.limit >= 0)
          v = num(std::max<int64_t>(0, *m.swap - *m.limit));
        WHARF_TRY_CTX(writeCgroupFile(d, "memory.swap.max", v), "linux.resources.memory.swap");
      }
      if (m.disableOOMKiller && *m.disableOOMKiller)
        return invalidArgument(
            "linux.resources.memory.disableOOMKiller: not supported on cgroup v2");
    }
    if (r.cpu) {
      const auto& c = *r.cpu;
      if (c.shares && *c.shares) {
        uint64_t w = 1 + ((*c.shares - 2) * 9999) / 262142;
        WHARF_TRY(writeCgroupFile(d, "cpu.weight", unum(w)));
      }
      if ((c.quota && *c.quota) || (c.period && *c.period)) {
        std::string q = (c.quota && *c.quota > 0) ? num(*c.quota) : "max";
        WHARF_TRY(writeCgroupFile(d, "cpu.max",
                                  q + " " + unum(c.period && *c.period ? *c.period : 100000)));
      }
      if (c.idle) WHARF_TRY(writeCgroupFile(d, "cpu.idle", num(*c.idle)));
      if (c.burst) WHARF_TRY(writeCgroupFile(d, "cpu.max.burst", unum(*c.burst)));
      if (!c.cpus.empty()) WHARF_TRY(writeCgroupFile(d, "cpuset.cpus", c.cpus));
      if (!c.mems.empty()) WHARF_TRY(writeCgroupFile(d, "cpuset.mems", c.mems));
    }
    if (r.pids)
      WHARF_TRY(writeCgroupFile(d, "pids.max", r.pids->limit > 0 ? num(r.pids->limit) : "max"));
    if (r.blockIO) {
      const auto& b = *r.blockIO;
      if (b.weight && *b.weight >= 10) {
        uint64_t w = 1 + (static_cast<uint64_t>(*b.weight) - 10) * 9999 / 990;
        WHARF_TRY(writeCgroupFile(d, "io.weight", unum(w)));
      }
      auto throttle = [&](const std::vector<oci::ThrottleDevice>& v, const char* key) -> Status {
        for (const auto& t : v)
          WHARF_TRY(writeCgroupFile(
              d, "io.max", num(t.major) + ":" + num(t.minor) + " " + key + "=" + unum(t.rate)));
        return okStatus();
      };
      WHARF_TRY(throttle(b.throttleReadBpsDevice, "rbps"));
      WHARF_TRY(throttle(b.throttleWriteBpsDevice, "wbps"));
      WHARF_TRY(throttle(b.throttleReadIOPSDevice, "riops"));
      WHARF_TRY(throttle(b.throttleWriteIOPSDevice, "wiops"));
    }
    WHARF_TRY(validateHugepageLimits(r.hugepageLimits));
    for (size_t i = 0; i < r.hugepageLimits.size(); ++i) {
      const auto& h = r.hugepageLimits[i];
      WHARF_TRY_CTX(writeCgroupFile(d, "hugetlb." + h.pageSize + ".max", unum(h.limit)),
                    "linux.resources.hugepageLimits[" + std::to_string(i) + "]");
    }
    // v2 has no net_cls/net_prio (an eBPF program does their jobs): a value asked for
    // cannot be applied, so it is refused, not dropped.
    if (r.network && (r.network->classID || !r.network->priorities.empty()))
      return invalidArgument(
          "linux.resources.network: net_cls and net_prio do not exist on cgroup v2 hosts");
    for (const auto& [k, v] : r.unified) {
      if (k.find('/') != std::string::npos)
        return invalidArgument("linux.resources.unified." + k + ": not a cgroup file name");
      WHARF_TRY_CTX(writeCgroupFile(d, k, v), "linux.resources.unified." + k);
    }
    // Device rules: an eBPF program, with runc's default allow-list after the spec's rules.
    // A spec without device rules gets no filter (every engine sends at least "deny all").
    if (r.devices.empty()) return okStatus();
    std::vector<oci::DeviceCgroup> rules = r.devices;
    for (const auto& line : defaultAllowedDevices()) rules.push_back(parseDeviceRuleLine(line));
    WHARF_ASSIGN_OR_RETURN(auto prog, buildDeviceFilter(rules));
    return attachDeviceFilter(d, prog);
  }

  std::vector<std::string> procsFiles() const override { return {dir() + "/cgroup.procs"}; }

  Status freeze(bool frozen) override {
    WHARF_TRY(writeCgroupFile(dir(), "cgroup.freeze", frozen ? "1" : "0"));
    for (int i = 0; frozen && i < 1000; ++i) {
      WHARF_ASSIGN_OR_RETURN(std::string ev, readCgroupFile(dir(), "cgroup.events"));
      if (ev.find("frozen 1") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return okStatus();
  }

  Result<bool> isFrozen() const override {
    auto s = readCgroupFile(dir(), "cgroup.freeze");
    if (!s.ok()) return false;
    return s->rfind("1", 0) == 0;
  }

  Result<std::vector<int>> pids() const override {
    auto text = readCgroupFile(dir(), "cgroup.procs");
    if (!text.ok()) {
      if (text.error().sysErrno() == ENOENT) return std::vector<int>{};
      return std::move(text).error();
    }
    return parsePids(*text);
  }

  Status destroy() override { return removeCgroupDir(dir()); }

  CgroupMountSource mountSource() const override {
    CgroupMountSource src;
    src.v2 = true;
    src.v2Path = dir();
    return src;
  }

 private:
  CgroupLayout layout_;
  std::vector<std::string> dirs_;
};

}  // namespace

std::unique_ptr<CgroupManager> makeV2Manager(const CgroupLayout& layout,
                                             std::vector<std::string> dirs) {
  return std::make_unique<V2Manager>(layout, std::move(dirs));
}

}  // namespace wharf::runtime
