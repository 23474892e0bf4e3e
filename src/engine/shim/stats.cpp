#include "engine/shim/stats.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "common/time.h"
#include "common/unique_fd.h"

namespace wharf::shim {

namespace {

// USER_HZ: the unit of cpuacct.stat and /proc/stat (a kernel ABI constant, 100 on every
// architecture docker supports; moby hard-codes it too).
constexpr uint64_t kNanosPerTick = 1000000000 / 100;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> toU64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Calls fn(line) for each line (without "\n").
template <typename Fn>
void forEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    fn(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::vector<std::string_view> fields(std::string_view line, size_t max = 64) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size() && out.size() < max) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// "8:0" -> major, minor.
bool parseDevice(std::string_view s, uint64_t* major, uint64_t* minor) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  auto a = toU64(s.substr(0, colon)), b = toU64(s.substr(colon + 1));
  if (!a || !b) return false;
  *major = *a;
  *minor = *b;
  return true;
}

// Reads at most max bytes of a (proc or cgroup) file; nullopt when it cannot be opened.
std::optional<std::string> readBounded(const std::string& path, size_t max = kMaxStatFile) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[16 * 1024];
  while (out.size() < max) {
    ssize_t n = ::read(fd.get(), buf, std::min(sizeof buf, max - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// The dir of a cgroup path inside a hierarchy mounted at m (whose root may be a subtree, as
// in a cgroup namespace).
std::string dirIn(const MountInfoEntry& m, const std::string& path) {
  std::string rel = path;
  if (m.root != "/" && rel.rfind(m.root, 0) == 0) rel = rel.substr(m.root.size());
  if (rel.find("..") != std::string::npos) return "";  // never climb out of the mount
  if (rel == "/") rel.clear();
  return m.mountPoint + rel;
}

Json entriesJson(const std::vector<BlkioEntry>& v) {
  Json a = Json::array();
  for (const auto& e : v) a.push_back(Json::array({e.major, e.minor, e.op, e.value}));
  return a;
}

Result<uint64_t> u64At(const Json& a, size_t i) {
  if (!a.is_array() || i >= a.size() || !a[i].is_number_unsigned())
    return invalidArgument("stats: want an unsigned number");
  return a[i].get<uint64_t>();
}

Result<std::vector<BlkioEntry>> entriesFrom(const Json& j, const char* key) {
  std::vector<BlkioEntry> out;
  if (!j.contains(key)) return out;
  const Json& a = j[key];
  if (!a.is_array() || a.size() > kMaxBlkioEntries) return invalidArgument("stats: bad blkio list");
  for (const Json& e : a) {
    if (!e.is_array() || e.size() != 4 || !e[2].is_string() ||
        e[2].get_ref<const std::string&>().size() > 32)
      return invalidArgument("stats: bad blkio entry");
    BlkioEntry b;
    WHARF_ASSIGN_OR_RETURN(b.major, u64At(e, 0));
    WHARF_ASSIGN_OR_RETURN(b.minor, u64At(e, 1));
    b.op = e[2].get<std::string>();
    WHARF_ASSIGN_OR_RETURN(b.value, u64At(e, 3));
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

// ---- wire form ----

Json statsToJson(const StatsSample& s) {
  Json j = {{"t", s.readNanos},
            {"cg", s.cgroupVersion},
            {"cpu", Json::array({s.cpuTotal, s.cpuKernel, s.cpuUser, s.throttlePeriods,
                                 s.throttledPeriods, s.throttledTime, s.systemCpu, s.onlineCpus})},
            {"percpu", s.percpu},
            {"mem", Json::array({s.memUsage, s.memMaxUsage, s.memLimit, s.memFailcnt})},
            {"memStats", s.memStats},
            {"pids", Json::array({s.pidsCurrent, s.pidsLimit})},
            {"ioBytes", entriesJson(s.ioServiceBytes)},
            {"ios", entriesJson(s.ioServiced)}};
  Json net = Json::object();
  for (const auto& [name, n] : s.networks)
    net[name] = Json::array({n.rxBytes, n.rxPackets, n.rxErrors, n.rxDropped, n.txBytes,
                             n.txPackets, n.txErrors, n.txDropped});
  j["net"] = net;
  return j;
}

Result<StatsSample> statsFromJson(const Json& j) {
  if (!j.is_object()) return invalidArgument("stats: want an object");
  StatsSample s;
  if (j.contains("t") && j["t"].is_number_integer()) s.readNanos = j["t"].get<int64_t>();
  if (j.contains("cg") && j["cg"].is_number_integer()) s.cgroupVersion = j["cg"].get<int>();
  const Json cpu = j.value("cpu", Json::array());
  if (cpu.size() != 8) return invalidArgument("stats: want 8 cpu numbers");
  WHARF_ASSIGN_OR_RETURN(s.cpuTotal, u64At(cpu, 0));
  WHARF_ASSIGN_OR_RETURN(s.cpuKernel, u64At(cpu, 1));
  WHARF_ASSIGN_OR_RETURN(s.cpuUser, u64At(cpu, 2));
  WHARF_ASSIGN_OR_RETURN(s.throttlePeriods, u64At(cpu, 3));
  WHARF_ASSIGN_OR_RETURN(s.throttledPeriods, u64At(cpu, 4));
  WHARF_ASSIGN_OR_RETURN(s.throttledTime, u64At(cpu, 5));
  WHARF_ASSIGN_OR_RETURN(s.systemCpu, u64At(cpu, 6));
  WHARF_ASSIGN_OR_RETURN(uint64_t online, u64At(cpu, 7));
  s.onlineCpus = static_cast<uint32_t>(std::min<uint64_t>(online, UINT32_MAX));
  const Json percpu = j.value("percpu", Json::array());
  if (!percpu.is_array() || percpu.size() > kMaxPercpu) return invalidArgument("stats: bad percpu");
  for (size_t i = 0; i < percpu.size(); ++i) {
    WHARF_ASSIGN_OR_RETURN(uint64_t v, u64At(percpu, i));
    s.percpu.push_back(v);
  }
  const Json mem = j.value("mem", Json::array());
  if (mem.size() != 4) return invalidArgument("stats: want 4 memory numbers");
  WHARF_ASSIGN_OR_RETURN(s.memUsage, u64At(mem, 0));
  WHARF_ASSIGN_OR_RETURN(s.memMaxUsage, u64At(mem, 1));
  WHARF_ASSIGN_OR_RETURN(s.memLimit, u64At(mem, 2));
  WHARF_ASSIGN_OR_RETURN(s.memFailcnt, u64At(mem, 3));
  const Json ms = j.value("memStats", Json::object());
  if (!ms.is_object() || ms.size() > kMaxMemStats) return invalidArgument("stats: bad memStats");
  for (const auto& [k, v] : ms.items()) {
    if (!v.is_number_unsigned() || k.size() > 64) return invalidArgument("stats: bad memStats");
    s.memStats[k] = v.get<uint64_t>();
  }
  const Json pids = j.value("pids", Json::array());
  if (pids.size() != 2) return invalidArgument("stats: want 2 pids numbers");
  WHARF_ASSIGN_OR_RETURN(s.pidsCurrent, u64At(pids, 0));
  WHARF_ASSIGN_OR_RETURN(s.pidsLimit, u64At(pids, 1));
  WHARF_ASSIGN_OR_RETURN(s.ioServiceBytes, entriesFrom(j, "ioBytes"));
  WHARF_ASSIGN_OR_RETURN(s.ioServiced, entriesFrom(j, "ios"));
  const Json net = j.value("net", Json::object());
  if (!net.is_object() || net.size() > kMaxNetworks) return invalidArgument("stats: bad net");
  for (const auto& [name, a] : net.items()) {
    if (!a.is_array() || a.size() != 8 || name.size() > 64)
      return invalidArgument("stats: bad net");
    NetDevStats n;
    uint64_t* f[] = {&n.rxBytes, &n.rxPackets, &n.rxErrors, &n.rxDropped,
                     &n.txBytes, &n.txPackets, &n.txErrors, &n.txDropped};
    for (size_t i = 0; i < 8; ++i) {
      WHARF_ASSIGN_OR_RETURN(*f[i], u64At(a, i));
    }
    s.networks[name] = n;
  }
  return s;
}

// ---- parsers ----

ProcCgroups parseProcCgroup(std::string_view text) {
  ProcCgroups out;
  forEachLine(text, [&](std::string_view line) {
    // hierarchy-id:controllers:path (the path may hold ':')
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    std::string_view ctrls = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path(line.substr(c2 + 1));
    if (path.empty() || path[0] != '/') return;
    if (line.substr(0, c1) == "0" && ctrls.empty()) {
      out.unified = path;
      return;
    }
    while (!ctrls.empty()) {
      size_t comma = ctrls.find(',');
      std::string_view c = ctrls.substr(0, comma);
      if (c.rfind("name=", 0) != 0 && !c.empty()) out.v1[std::string(c)] = path;
      if (comma == std::string_view::npos) break;
      ctrls.remove_prefix(comma + 1);
    }
  });
  return out;
}

CgroupDirs resolveCgroupDirs(const ProcCgroups& cg, const std::vector<MountInfoEntry>& mounts) {
  CgroupDirs d;
  if (cg.v1.count("memory") || cg.v1.count("cpuacct")) {
    d.version = 1;
    for (const auto& [ctrl, path] : cg.v1) {
      for (const auto& m : mounts) {
        if (m.fsType != "cgroup") continue;
        bool has = false;
        for (const auto& o : m.superOptions) has = has || o == ctrl;
        if (!has) continue;
        std::string dir = dirIn(m, path);
        if (!dir.empty()) d.v1[ctrl] = dir;
        break;
      }
    }
    return d;
  }
  if (cg.unified) {
    for (const auto& m : mounts) {
      if (m.fsType != "cgroup2") continue;
      std::string dir = dirIn(m, *cg.unified);
      if (dir.empty()) continue;
      d.version = 2;
      d.v2 = dir;
      break;
    }
  }
  return d;
}

std::optional<uint64_t> parseStatValue(std::string_view text) { return toU64(trim(text)); }

std::map<std::string, uint64_t> parseKeyedStats(std::string_view text, size_t maxKeys) {
  std::map<std::string, uint64_t> out;
  forEachLine(text, [&](std::string_view line) {
    if (out.size() >= maxKeys) return;
    auto f = fields(line, 3);
    if (f.size() != 2 || f[0].size() > 64) return;
    if (auto v = toU64(f[1])) out[std::string(f[0])] = *v;
  });
  return out;
}

std::vector<uint64_t> parsePercpu(std::string_view text) {
  std::vector<uint64_t> out;
  for (auto f : fields(trim(text), kMaxPercpu)) {
    auto v = toU64(f);
    if (!v) break;
    out.push_back(*v);
  }
  return out;
}

std::vector<BlkioEntry> parseBlkioV1(std::string_view text) {
  std::vector<BlkioEntry> out;
  forEachLine(text, [&](std::string_view line) {
    if (out.size() >= kMaxBlkioEntries) return;
    auto f = fields(line, 4);
    if (f.size() != 3 || f[1].size() > 32) return;
    BlkioEntry e;
    auto v = toU64(f[2]);
    if (!parseDevice(f[0], &e.major, &e.minor) || !v) return;
    e.op = std::string(f[1]);
    e.value = *v;
    out.push_back(std::move(e));
  });
  return out;
}

void parseIoStat(std::string_view text, std::vector<BlkioEntry>* bytes,
                 std::vector<BlkioEntry>* ios) {
  forEachLine(text, [&](std::string_view line) {
    if (bytes->size() >= kMaxBlkioEntries) return;
    auto f = fields(line, 16);
    uint64_t major = 0, minor = 0;
    if (f.empty() || !parseDevice(f[0], &major, &minor)) return;
    uint64_t rb = 0, wb = 0, ri = 0, wi = 0;
    for (size_t i = 1; i < f.size(); ++i) {
      size_t eq = f[i].find('=');
      if (eq == std::string_view::npos) continue;
      auto v = toU64(f[i].substr(eq + 1));
      if (!v) continue;
      std::string_view k = f[i].substr(0, eq);
      if (k == "rbytes") rb = *v;
      if (k == "wbytes") wb = *v;
      if (k == "rios") ri = *v;
      if (k == "wios") wi = *v;
    }
    bytes->push_back({major, minor, "read", rb});
    bytes->push_back({major, minor, "write", wb});
    ios->push_back({major, minor, "read", ri});
    ios->push_back({major, minor, "write", wi});
  });
}

std::map<std::string, NetDevStats> parseNetDev(std::string_view text) {
  std::map<std::string, NetDevStats> out;
  forEachLine(text, [&](std::string_view line) {
    // "  eth0: 1296 16 0 0 0 0 0 0 936 12 0 0 0 0 0 0"; the two header lines have no number
    // after their ':' / '|'.
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || out.size() >= kMaxNetworks) return;
    std::string_view name = trim(line.substr(0, colon));
    if (name.empty() || name == "lo" || name.size() > 64) return;
    auto f = fields(line.substr(colon + 1), 17);
    if (f.size() < 16) return;
    uint64_t v[16];
    for (size_t i = 0; i < 16; ++i) {
      auto n = toU64(f[i]);
      if (!n) return;
      v[i] = *n;
    }
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes
    // packets errs drop ...
    out[std::string(name)] = NetDevStats{v[0], v[1], v[2], v[3], v[8], v[9], v[10], v[11]};
  });
  return out;
}

std::pair<uint64_t, uint32_t> parseProcStat(std::string_view text) {
  uint64_t total = 0;
  uint32_t cpus = 0;
  bool done = false;
  forEachLine(text, [&](std::string_view line) {
    // The cpu lines come first (as glibc's get_nprocs_conf assumes); stop after them.
    if (done || line.size() < 4 || line.substr(0, 3) != "cpu") {
      done = true;
      return;
    }
    if (line[3] == ' ') {
      auto f = fields(line, 9);
      if (f.size() < 8) return;
      uint64_t ticks = 0;
      for (size_t i = 1; i < 8; ++i) ticks += toU64(f[i]).value_or(0);
      total = ticks * kNanosPerTick;
    } else if (line[3] >= '0' && line[3] <= '9') {
      ++cpus;
    }
  });
  return {total, cpus};
}

void readCgroupStats(const CgroupDirs& d, const StatReader& read, uint64_t machineMemory,
                     StatsSample* s) {
  s->cgroupVersion = d.version;
  auto num = [&](const std::string& path) -> std::optional<uint64_t> {
    auto t = read(path);
    return t ? parseStatValue(*t) : std::nullopt;
  };
  auto keyed = [&](const std::string& path, size_t maxKeys = 256) {
    auto t = read(path);
    return t ? parseKeyedStats(*t, maxKeys) : std::map<std::string, uint64_t>();
  };
  auto at = [](const std::map<std::string, uint64_t>& m, const char* k) {
    auto it = m.find(k);
    return it == m.end() ? uint64_t{0} : it->second;
  };
  if (d.version == 1) {
    auto dir = [&](const char* ctrl) {
      auto it = d.v1.find(ctrl);
      return it == d.v1.end() ? std::string() : it->second;
    };
    if (std::string m = dir("memory"); !m.empty()) {
      s->memUsage = num(m + "/memory.usage_in_bytes").value_or(0);
      s->memMaxUsage = num(m + "/memory.max_usage_in_bytes").value_or(0);
      s->memLimit = num(m + "/memory.limit_in_bytes").value_or(0);
      s->memFailcnt = num(m + "/memory.failcnt").value_or(0);
      s->memStats = keyed(m + "/memory.stat", kMaxMemStats);
    }
    if (std::string c = dir("cpuacct"); !c.empty()) {
      s->cpuTotal = num(c + "/cpuacct.usage").value_or(0);
      if (auto t = read(c + "/cpuacct.usage_percpu")) s->percpu = parsePercpu(*t);
      auto st = keyed(c + "/cpuacct.stat");
      s->cpuUser = at(st, "user") * kNanosPerTick;
      s->cpuKernel = at(st, "system") * kNanosPerTick;
    }
    if (std::string c = dir("cpu"); !c.empty()) {
      auto st = keyed(c + "/cpu.stat");
      s->throttlePeriods = at(st, "nr_periods");
      s->throttledPeriods = at(st, "nr_throttled");
      s->throttledTime = at(st, "throttled_time");
    }
    if (std::string p = dir("pids"); !p.empty()) {
      s->pidsCurrent = num(p + "/pids.current").value_or(0);
      s->pidsLimit = num(p + "/pids.max").value_or(0);  // "max": no limit, 0 as docker
    }
    if (std::string b = dir("blkio"); !b.empty()) {
      if (auto t = read(b + "/blkio.throttle.io_service_bytes_recursive"))
        s->ioServiceBytes = parseBlkioV1(*t);
      if (auto t = read(b + "/blkio.throttle.io_serviced_recursive"))
        s->ioServiced = parseBlkioV1(*t);
    }
  } else if (d.version == 2) {
    const std::string& g = d.v2;
    s->memUsage = num(g + "/memory.current").value_or(0);
    // "max" (no limit) reads as the largest value, clamped to the host's below.
    s->memLimit = num(g + "/memory.max").value_or(UINT64_MAX);
    s->memStats = keyed(g + "/memory.stat", kMaxMemStats);
    s->memFailcnt = at(keyed(g + "/memory.events"), "oom");
    auto st = keyed(g + "/cpu.stat");
    s->cpuTotal = at(st, "usage_usec") * 1000;
    s->cpuUser = at(st, "user_usec") * 1000;
    s->cpuKernel = at(st, "system_usec") * 1000;
    s->throttlePeriods = at(st, "nr_periods");
    s->throttledPeriods = at(st, "nr_throttled");
    s->throttledTime = at(st, "throttled_usec") * 1000;
    s->pidsCurrent = num(g + "/pids.current").value_or(0);
    s->pidsLimit = num(g + "/pids.max").value_or(0);
    if (auto t = read(g + "/io.stat")) parseIoStat(*t, &s->ioServiceBytes, &s->ioServiced);
  }
  // A cgroup without a limit shows the host's memory, as docker does.
  if (machineMemory > 0 && s->memLimit > machineMemory) s->memLimit = machineMemory;
}

// ---- the shim's collector ----

Result<StatsSample> StatsCollector::collect(pid_t initPid) {
  if (initPid <= 0) return conflict("the container is not running");
  std::string proc = "/proc/" + std::to_string(initPid);
  if (!dirs_ || resolvedFor_ != initPid) {
    auto cg = readBounded(proc + "/cgroup");
    if (!cg) return conflict("the container is not running");
    auto mi = readBounded("/proc/self/mountinfo", kMaxMountInfo);
    if (!mi) return sysError("read /proc/self/mountinfo");
    dirs_ = resolveCgroupDirs(parseProcCgroup(*cg), parseMountInfo(*mi));
    resolvedFor_ = initPid;
  }
  StatsSample s;
  s.readNanos = nowNanos();
  long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
  uint64_t machine = pages > 0 && pageSize > 0 ? static_cast<uint64_t>(pages) * pageSize : 0;
  readCgroupStats(
      *dirs_, [](const std::string& p) { return readBounded(p); }, machine, &s);
  // The host's CPU time close to the container's, so that their deltas compare (moby does
  // the same).
  if (auto st = readBounded("/proc/stat")) std::tie(s.systemCpu, s.onlineCpus) = parseProcStat(*st);
  // Interfaces only when the init has a network namespace of its own.
  struct stat mine {
  }, theirs{};
  if (::stat("/proc/self/ns/net", &mine) == 0 && ::stat((proc + "/ns/net").c_str(), &theirs) == 0 &&
      mine.st_ino != theirs.st_ino) {
    if (auto nd = readBounded(proc + "/net/dev")) s.networks = parseNetDev(*nd);
  }
  return s;
}

}  // namespace wharf::shim
