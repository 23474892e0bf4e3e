// Container resource limits: host detection, docker's checks, the OCI mapping
// (engine/resource_limits.h).
#include "engine/resource_limits.h"

#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "common/fs.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace wharf::engine {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string readTrimmed(const std::string& path, const std::string& fallback) {
  auto t = fs::readFile(path);
  if (!t.ok()) return fallback;
  std::string v = trimmed(*t);
  return v.empty() ? fallback : v;
}

// moby's "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available".
Error cpuRangeError(int ncpu) {
  std::string n = std::to_string(ncpu);
  return invalidArgument("Range of CPUs is from 0.01 to " + n + ".00, as there are only " + n +
                         " CPUs available");
}

// Whether every number of `requested` is in `available` (both cpuset lists).
Result<bool> listAvailable(const std::string& requested, const std::string& available) {
  WHARF_ASSIGN_OR_RETURN(std::vector<int> want, parseCpuList(requested));
  auto have = parseCpuList(available);
  if (!have.ok()) return true;  // a host list we cannot read decides nothing
  std::set<int> h(have->begin(), have->end());
  for (int n : want)
    if (!h.count(n)) return false;
  return true;
}

}  // namespace

HostResources HostResources::detect(const std::string& mountRoot) {
  HostResources h;
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  h.ncpu = n > 0 ? static_cast<int>(n) : 1;
  h.cpus = h.ncpu > 1 ? "0-" + std::to_string(h.ncpu - 1) : "0";
  struct statfs st {};
  h.v2 = ::statfs(mountRoot.c_str(), &st) == 0 &&
         static_cast<unsigned long>(st.f_type) == CGROUP2_SUPER_MAGIC;
  auto has = [&](const std::string& rel) { return fs::exists(mountRoot + "/" + rel); };
  if (h.v2) {
    // The controllers the root offers its children (every container cgroup is below it).
    std::string ctl = " " + readTrimmed(mountRoot + "/cgroup.controllers", "") + " ";
    auto on = [&](const char* c) { return ctl.find(" " + std::string(c) + " ") != ctl.npos; };
    h.memoryLimit = h.memoryReservation = on("memory");
    // Swap accounting is part of the v2 memory controller (unless booted with swapaccount=0,
    // which this does not see). Swappiness and the OOM-killer switch do not exist on v2.
    h.swapLimit = on("memory");
    h.cpuCfs = h.cpuShares = on("cpu");
    h.cpuset = on("cpuset");
    h.pidsLimit = on("pids");
    h.blkioWeight = on("io");
    if (h.cpuset) {
      h.cpus = readTrimmed(mountRoot + "/cpuset.cpus.effective", h.cpus);
      h.mems = readTrimmed(mountRoot + "/cpuset.mems.effective", h.mems);
    }
    return h;
  }
  h.memoryLimit = has("memory/memory.limit_in_bytes");
  h.swapLimit = has("memory/memory.memsw.limit_in_bytes");
  h.memoryReservation = has("memory/memory.soft_limit_in_bytes");
  h.memorySwappiness = has("memory/memory.swappiness");
  h.oomKillDisable = has("memory/memory.oom_control");
  h.cpuCfs = has("cpu/cpu.cfs_quota_us") && has("cpu/cpu.cfs_period_us");
  h.cpuShares = has("cpu/cpu.shares");
  h.cpuset = has("cpuset/cpuset.cpus");
  h.pidsLimit = has("pids/cgroup.procs");
  // Weights need a proportional I/O scheduler: CFQ's blkio.weight (before 5.0) or BFQ's.
  h.blkioWeight = has("blkio/blkio.weight") || has("blkio/blkio.bfq.weight");
  if (h.cpuset) {
    h.cpus = readTrimmed(mountRoot + "/cpuset/cpuset.effective_cpus",
                         readTrimmed(mountRoot + "/cpuset/cpuset.cpus", h.cpus));
    h.mems = readTrimmed(mountRoot + "/cpuset/cpuset.effective_mems",
                         readTrimmed(mountRoot + "/cpuset/cpuset.mems", h.mems));
  }
  return h;
}

const HostResources& HostResources::current() {
  static const HostResources host = detect();
  return host;
}

std::vector<std::string> HostResources::warnings() const {
  // moby's daemon/info_unix.go, same words and order.
  std::vector<std::string> w;
  if (!memoryLimit) w.push_back("WARNING: No memory limit support");
  if (!swapLimit) w.push_back("WARNING: No swap limit support");
  if (!oomKillDisable && !v2) w.push_back("WARNING: No oom kill disable support");
  if (!cpuCfs) {
    w.push_back("WARNING: No cpu cfs quota support");
    w.push_back("WARNING: No cpu cfs period support");
  }
  if (!cpuShares) w.push_back("WARNING: No cpu shares support");
  if (!cpuset) w.push_back("WARNING: No cpuset support");
  if (!blkioWeight && v2) w.push_back("WARNING: No io.weight support");
  return w;
}

Result<std::vector<int>> parseCpuList(std::string_view s) {
  constexpr size_t kMaxLen = 1024;
  constexpr int kMaxCpu = 8191;
  auto bad = [&] {
    std::string shown(s.substr(0, std::min<size_t>(s.size(), 64)));
    return invalidArgument("invalid format: " + shown);
  };
  if (s.empty()) return std::vector<int>{};
  if (s.size() > kMaxLen) return bad();
  std::set<int> out;
  size_t pos = 0;
  auto number = [&](int* v) {
    size_t start = pos;
    long n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      n = n * 10 + (s[pos] - '0');
      if (n > kMaxCpu) return false;
      ++pos;
    }
    *v = static_cast<int>(n);
    return pos > start;
  };
  for (;;) {
    int lo = 0, hi = 0;
    if (!number(&lo)) return bad();
    hi = lo;
    if (pos < s.size() && s[pos] == '-') {
      ++pos;
      if (!number(&hi) || hi < lo) return bad();
    }
    for (int i = lo; i <= hi; ++i) out.insert(i);
    if (pos == s.size()) break;
    if (s[pos] != ',') return bad();
    ++pos;
  }
  return std::vector<int>(out.begin(), out.end());
}

Status checkResources(ResourceLimits& r, const HostResources& host, bool update,
                      std::vector<std::string>* warnings) {
  std::vector<std::string> dummy;
  std::vector<std::string>& warn = warnings ? *warnings : dummy;
  // fixMemorySwappiness, and the defaults of adaptContainerSettings at create.
  if (r.memorySwappiness && *r.memorySwappiness == -1) r.memorySwappiness.reset();
  if (!update) {
    if (r.memory > 0 && r.memorySwap == 0)
      r.memorySwap = r.memory > INT64_MAX / 2 ? -1 : r.memory * 2;
    if (r.pidsLimit && *r.pidsLimit <= 0) r.pidsLimit.reset();
  }

  // memory
  if (r.memory != 0 && r.memory < kMinMemory)
    return invalidArgument("Minimum memory limit allowed is 6MB");
  if (r.memory > 0 && !host.memoryLimit) {
    warn.push_back(
        "Your kernel does not support memory limit capabilities or the cgroup is not mounted. "
        "Limitation discarded.");
    r.memory = 0;
    r.memorySwap = -1;
  }
  if (r.memory > 0 && r.memorySwap != -1 && !host.swapLimit) {
    warn.push_back(
        "Your kernel does not support swap limit capabilities or the cgroup is not mounted. "
        "Memory limited without swap.");
    r.memorySwap = -1;
  }
  if (r.memory > 0 && r.memorySwap > 0 && r.memorySwap < r.memory)
    return invalidArgument(
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  if (r.memory == 0 && r.memorySwap > 0 && !update)
    return invalidArgument(
        "You should always set the Memory limit when using Memoryswap limit, see usage");
  if (r.memorySwappiness && !host.memorySwappiness) {
    warn.push_back(
        "Your kernel does not support memory swappiness capabilities or the cgroup is not "
        "mounted. Memory swappiness discarded.");
    r.memorySwappiness.reset();
  }
  if (r.memorySwappiness && (*r.memorySwappiness < 0 || *r.memorySwappiness > 100))
    return invalidArgument("Invalid value: " + std::to_string(*r.memorySwappiness) +
                           ", valid memory swappiness range is 0-100");
  if (r.memoryReservation > 0 && !host.memoryReservation) {
    warn.push_back(
        "Your kernel does not support memory soft limit capabilities or the cgroup is not "
        "mounted. Limitation discarded.");
    r.memoryReservation = 0;
  }
  if (r.memoryReservation > 0 && r.memoryReservation < kMinMemory)
    return invalidArgument("Minimum memory reservation allowed is 6MB");
  if (r.memory > 0 && r.memoryReservation > 0 && r.memory < r.memoryReservation)
    return invalidArgument(
        "Minimum memory limit can not be less than memory reservation limit, see usage");
  if (r.oomKillDisable && !host.oomKillDisable) {
    if (*r.oomKillDisable)
      warn.push_back("Your kernel does not support OomKillDisable. OomKillDisable discarded.");
    r.oomKillDisable.reset();
  }
  if (r.oomKillDisable && *r.oomKillDisable && r.memory == 0)
    warn.push_back(
        "OOM killer is disabled for the container, but no memory limit is set, this can result "
        "in the system running out of resources.");
  if (r.pidsLimit && !host.pidsLimit) {
    if (*r.pidsLimit > 0)
      warn.push_back(
          "Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. "
          "PIDs limit discarded.");
    r.pidsLimit.reset();
  }

  // cpu
  if (r.nanoCpus > 0 && r.cpuPeriod > 0)
    return invalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (r.nanoCpus > 0 && r.cpuQuota > 0)
    return invalidArgument("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (r.nanoCpus > 0 && !host.cpuCfs)
    return invalidArgument(
        "NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the "
        "cgroup is not mounted");
  if (r.nanoCpus < 0 || r.nanoCpus > int64_t{host.ncpu} * 1000000000)
    return cpuRangeError(host.ncpu);
  if (r.cpuShares < 0) return invalidArgument("shares: invalid argument");
  if (r.cpuShares > 0 && !host.cpuShares) {
    warn.push_back(
        "Your kernel does not support CPU shares or the cgroup is not mounted. Shares "
        "discarded.");
    r.cpuShares = 0;
  }
  if ((r.cpuPeriod != 0 || r.cpuQuota != 0) && !host.cpuCfs) {
    warn.push_back("Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.");
    r.cpuPeriod = 0;
    r.cpuQuota = 0;
  }
  if (r.cpuPeriod != 0 && (r.cpuPeriod < 1000 || r.cpuPeriod > 1000000))
    return invalidArgument(
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if (r.cpuQuota > 0 && r.cpuQuota < 1000)
    return invalidArgument("CPU cfs quota can not be less than 1ms (i.e. 1000)");

  // cpuset
  if ((!r.cpusetCpus.empty() || !r.cpusetMems.empty()) && !host.cpuset) {
    warn.push_back(
        "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.");
    r.cpusetCpus.clear();
    r.cpusetMems.clear();
  }
  auto cpusOk = listAvailable(r.cpusetCpus, host.cpus);
  if (!cpusOk.ok())
    return invalidArgument("Invalid value " + r.cpusetCpus.substr(0, 64) +
                           " for cpuset cpus: " + cpusOk.error().message());
  if (!*cpusOk)
    return invalidArgument("Requested CPUs are not available - requested " + r.cpusetCpus +
                           ", available: " + host.cpus);
  auto memsOk = listAvailable(r.cpusetMems, host.mems);
  if (!memsOk.ok())
    return invalidArgument("Invalid value " + r.cpusetMems.substr(0, 64) +
                           " for cpuset mems: " + memsOk.error().message());
  if (!*memsOk)
    return invalidArgument("Requested memory nodes are not available - requested " + r.cpusetMems +
                           ", available: " + host.mems);

  // blkio
  if (r.blkioWeight > 0 && !host.blkioWeight) {
    warn.push_back(
        "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
        "discarded.");
    r.blkioWeight = 0;
  }
  if (r.blkioWeight != 0 && (r.blkioWeight < 10 || r.blkioWeight > 1000))
    return invalidArgument("Range of blkio weight is from 10 to 1000");
  return okStatus();
}

Result<ResourceLimits> mergeUpdate(const ResourceLimits& cur, const ResourceLimits& u) {
  // NanoCpus sets period and quota: once one style is set the other cannot be updated.
  if (u.nanoCpus > 0 && cur.cpuPeriod > 0)
    return invalidArgument(
        "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  if (u.nanoCpus > 0 && cur.cpuQuota > 0)
    return invalidArgument(
        "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  if (u.cpuPeriod > 0 && cur.nanoCpus > 0)
    return invalidArgument(
        "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if (u.cpuQuota > 0 && cur.nanoCpus > 0)
    return invalidArgument(
        "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  ResourceLimits m = cur;
  if (u.blkioWeight != 0) m.blkioWeight = u.blkioWeight;
  if (u.cpuShares != 0) m.cpuShares = u.cpuShares;
  if (u.nanoCpus != 0) m.nanoCpus = u.nanoCpus;
  if (u.cpuPeriod != 0) m.cpuPeriod = u.cpuPeriod;
  if (u.cpuQuota != 0) m.cpuQuota = u.cpuQuota;
  if (!u.cpusetCpus.empty()) m.cpusetCpus = u.cpusetCpus;
  if (!u.cpusetMems.empty()) m.cpusetMems = u.cpusetMems;
  if (u.memory != 0) {
    // A limit above the memory+swap limit already set, without a new one, cannot apply.
    if (cur.memorySwap > 0 && u.memory > cur.memorySwap && u.memorySwap == 0)
      return invalidArgument(
          "Memory limit should be smaller than already set memoryswap limit, update the "
          "memoryswap at the same time");
    m.memory = u.memory;
  }
  if (u.memorySwap != 0) m.memorySwap = u.memorySwap;
  if (m.memory > 0 && m.memorySwap > 0 && m.memorySwap < m.memory)
    return invalidArgument(
        "Minimum memoryswap limit should be larger than memory limit, see usage");
  if (u.memoryReservation != 0) m.memoryReservation = u.memoryReservation;
  if (m.memory > 0 && m.memoryReservation > 0 && m.memory < m.memoryReservation)
    return invalidArgument(
        "Minimum memory limit can not be less than memory reservation limit, see usage");
  if (u.pidsLimit) {
    m.pidsLimit = u.pidsLimit;
    if (*m.pidsLimit <= 0) m.pidsLimit.reset();  // unlimited
  }
  return m;
}

namespace {

void fillCpu(const ResourceLimits& r, oci::CpuResources& cpu) {
  if (r.cpuShares > 0) cpu.shares = static_cast<uint64_t>(r.cpuShares);
  cpu.cpus = r.cpusetCpus;
  cpu.mems = r.cpusetMems;
  if (r.nanoCpus > 0) {
    // sched-bwc: a 100 ms period, the quota the CPUs' share of it.
    constexpr int64_t kPeriod = 100000;
    cpu.period = static_cast<uint64_t>(kPeriod);
    cpu.quota = r.nanoCpus * kPeriod / 1000000000;
  }
  if (r.cpuPeriod != 0) cpu.period = static_cast<uint64_t>(r.cpuPeriod);
  if (r.cpuQuota != 0) cpu.quota = r.cpuQuota;
}

void fillMemory(const ResourceLimits& r, oci::MemoryResources& mem) {
  if (r.memory > 0) mem.limit = r.memory;
  if (r.memoryReservation > 0) mem.reservation = r.memoryReservation;
  if (r.memorySwap > 0) mem.swap = r.memorySwap;
  if (r.memorySwappiness) mem.swappiness = static_cast<uint64_t>(*r.memorySwappiness);
  if (r.oomKillDisable) mem.disableOOMKiller = *r.oomKillDisable;
}

}  // namespace

void applyToOci(const ResourceLimits& r, oci::Resources& out) {
  oci::MemoryResources mem;
  fillMemory(r, mem);
  if (mem != oci::MemoryResources{}) out.memory = mem;
  oci::CpuResources cpu;
  fillCpu(r, cpu);
  if (cpu != oci::CpuResources{}) out.cpu = cpu;
  if (r.pidsLimit && *r.pidsLimit > 0) out.pids = oci::PidsResources{*r.pidsLimit};
  if (r.blkioWeight > 0) {
    oci::BlockIoResources b;
    b.weight = static_cast<uint16_t>(r.blkioWeight);
    out.blockIO = b;
  }
}

oci::Resources updateResources(const ResourceLimits& r) {
  oci::Resources out;
  oci::MemoryResources mem;
  fillMemory(r, mem);
  // Swap -1 (unlimited) must be written too, or an older memsw limit would stay.
  if (r.memory > 0 && r.memorySwap == -1) mem.swap = -1;
  mem.disableOOMKiller.reset();  // not changed by update (docker neither)
  out.memory = mem;
  oci::CpuResources cpu;
  fillCpu(r, cpu);
  // No quota any more means unlimited (-1), not "keep the old one".
  if (!cpu.quota) cpu.quota = -1;
  out.cpu = cpu;
  out.pids = oci::PidsResources{r.pidsLimit && *r.pidsLimit > 0 ? *r.pidsLimit : -1};
  if (r.blkioWeight > 0) {
    oci::BlockIoResources b;
    b.weight = static_cast<uint16_t>(r.blkioWeight);
    out.blockIO = b;
  }
  return out;
}

Json resourcesToJson(const ResourceLimits& r) {
  Json j = Json::object();
  auto put = [&](const char* k, int64_t v) {
    if (v != 0) j[k] = v;
  };
  put("memory", r.memory);
  put("memorySwap", r.memorySwap);
  put("memoryReservation", r.memoryReservation);
  if (r.memorySwappiness) j["memorySwappiness"] = *r.memorySwappiness;
  if (r.oomKillDisable) j["oomKillDisable"] = *r.oomKillDisable;
  put("nanoCpus", r.nanoCpus);
  put("cpuShares", r.cpuShares);
  put("cpuPeriod", r.cpuPeriod);
  put("cpuQuota", r.cpuQuota);
  if (!r.cpusetCpus.empty()) j["cpusetCpus"] = r.cpusetCpus;
  if (!r.cpusetMems.empty()) j["cpusetMems"] = r.cpusetMems;
  if (r.pidsLimit) j["pidsLimit"] = *r.pidsLimit;
  put("blkioWeight", r.blkioWeight);
  return j;
}

ResourceLimits resourcesFromJson(const Json& j) {
  ResourceLimits r;
  if (!j.is_object()) return r;
  auto i64 = [&](const char* k, int64_t* out) {
    if (auto it = j.find(k); it != j.end() && it->is_number_integer()) *out = it->get<int64_t>();
  };
  auto opt = [&](const char* k, std::optional<int64_t>* out) {
    if (auto it = j.find(k); it != j.end() && it->is_number_integer()) *out = it->get<int64_t>();
  };
  auto str = [&](const char* k, std::string* out) {
    if (auto it = j.find(k); it != j.end() && it->is_string()) *out = it->get<std::string>();
  };
  i64("memory", &r.memory);
  i64("memorySwap", &r.memorySwap);
  i64("memoryReservation", &r.memoryReservation);
  opt("memorySwappiness", &r.memorySwappiness);
  if (auto it = j.find("oomKillDisable"); it != j.end() && it->is_boolean())
    r.oomKillDisable = it->get<bool>();
  i64("nanoCpus", &r.nanoCpus);
  i64("cpuShares", &r.cpuShares);
  i64("cpuPeriod", &r.cpuPeriod);
  i64("cpuQuota", &r.cpuQuota);
  str("cpusetCpus", &r.cpusetCpus);
  str("cpusetMems", &r.cpusetMems);
  opt("pidsLimit", &r.pidsLimit);
  int64_t w = 0;
  i64("blkioWeight", &w);
  r.blkioWeight = static_cast<int>(std::clamp<int64_t>(w, 0, 1000));
  return r;
}

}  // namespace wharf::engine
