#pragma once
// A container's resource usage as its shim reads it (the task API's `stats` op,
// engine/shim/task_protocol.h): the cgroup of the container's init (v1, v2 or hybrid) and the
// network counters of its net namespace. The daemon turns a sample into docker's
// ContainerStatsResponse (api/routes/container_stats.cpp).
//
// Where the numbers come from:
//   cgroup: /proc/<init>/cgroup names the init's cgroup per hierarchy ("N:ctrl,ctrl:/path",
//   and "0::/path" for the unified one); /proc/self/mountinfo says where each hierarchy is
//   mounted (fstype "cgroup" with the controller among its super options, or "cgroup2").
//   With v1 memory or cpuacct present the v1 files are read (hybrid hosts keep their
//   controllers there), else the v2 ones:
//     v1: memory.{usage_in_bytes,max_usage_in_bytes,limit_in_bytes,failcnt,stat},
//         cpuacct.{usage,usage_percpu,stat}, cpu.stat, pids.{current,max},
//         blkio.throttle.io_service{_bytes,d}_recursive
//     v2: memory.{current,max,stat,events}, cpu.stat, pids.{current,max}, io.stat
//   network: /proc/<init>/net/dev without "lo"; nothing when the init shares the shim's net
//   namespace (--network host: docker reports no networks there either).
//   system: /proc/stat's aggregate "cpu" line (user..steal, 7 fields) in nanoseconds at
//   USER_HZ 100 and its "cpuN" lines as the online CPUs, as moby's getSystemCPUUsage.
// Every file read is bounded (kMaxStatFile); a missing file leaves its numbers at zero (a
// controller not mounted, an older kernel), as docker shows them.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "common/mountinfo.h"

namespace wharf::shim {

inline constexpr size_t kMaxStatFile = size_t{256} << 10;
inline constexpr size_t kMaxMountInfo = size_t{4} << 20;
// Bounds of what a sample carries (the reply is one line of at most kMaxRequestLine bytes).
inline constexpr size_t kMaxPercpu = 512;
inline constexpr size_t kMaxMemStats = 128;
inline constexpr size_t kMaxBlkioEntries = 256;
inline constexpr size_t kMaxNetworks = 32;

struct BlkioEntry {
  uint64_t major = 0, minor = 0;
  std::string op;  // v1: as the kernel writes it ("Read", "Write", "Sync"...); v2: "read"/"write"
  uint64_t value = 0;
  bool operator==(const BlkioEntry&) const = default;
};

struct NetDevStats {
  uint64_t rxBytes = 0, rxPackets = 0, rxErrors = 0, rxDropped = 0;
  uint64_t txBytes = 0, txPackets = 0, txErrors = 0, txDropped = 0;
  bool operator==(const NetDevStats&) const = default;
};

struct StatsSample {
  int64_t readNanos = 0;  // when it was taken (unix nanoseconds)
  int cgroupVersion = 0;  // 1 or 2; 0 when no cgroup was found
  // CPU, nanoseconds.
  uint64_t cpuTotal = 0, cpuKernel = 0, cpuUser = 0;
  std::vector<uint64_t> percpu;  // v1 only (docker: "PercpuUsage is not supported" on v2)
  uint64_t throttlePeriods = 0, throttledPeriods = 0, throttledTime = 0;
  uint64_t systemCpu = 0;  // the host's, /proc/stat
  uint32_t onlineCpus = 0;
  // Memory, bytes. limit: the cgroup's, at most the host's memory (as docker).
  uint64_t memUsage = 0, memMaxUsage = 0, memLimit = 0, memFailcnt = 0;
  std::map<std::string, uint64_t> memStats;  // memory.stat as the kernel names its keys
  uint64_t pidsCurrent = 0, pidsLimit = 0;   // limit 0: none
  std::vector<BlkioEntry> ioServiceBytes, ioServiced;
  std::map<std::string, NetDevStats> networks;  // by interface name
  bool operator==(const StatsSample&) const = default;
};

// The wire form inside a task reply (at most 4 levels deep with the reply around it).
Json statsToJson(const StatsSample& s);
Result<StatsSample> statsFromJson(const Json& j);

// ---- parsers, exposed for tests (the text as read, bounded by the caller) ----

// /proc/<pid>/cgroup: v1 controller -> path ("cpu" and "cpuacct" both for "cpu,cpuacct"),
// and the unified hierarchy's path ("0::/x") if there is one.
struct ProcCgroups {
  std::map<std::string, std::string> v1;
  std::optional<std::string> unified;
};
ProcCgroups parseProcCgroup(std::string_view text);

// The directories to read: v1 controller -> dir, or the v2 dir. Empty when not found.
struct CgroupDirs {
  int version = 0;
  std::map<std::string, std::string> v1;
  std::string v2;
};
CgroupDirs resolveCgroupDirs(const ProcCgroups& cg, const std::vector<MountInfoEntry>& mounts);

// A single number ("12345\n"); "max" is nullopt, as is anything that is not a number.
std::optional<uint64_t> parseStatValue(std::string_view text);
// "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events).
std::map<std::string, uint64_t> parseKeyedStats(std::string_view text, size_t maxKeys = 256);
// cpuacct.usage_percpu: numbers separated by spaces.
std::vector<uint64_t> parsePercpu(std::string_view text);
// v1 blkio.*_recursive: "8:0 Read 4096" lines ("Total" lines are left out).
std::vector<BlkioEntry> parseBlkioV1(std::string_view text);
// v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." -> bytes (read, write), ios.
void parseIoStat(std::string_view text, std::vector<BlkioEntry>* bytes,
                 std::vector<BlkioEntry>* ios);
// /proc/<pid>/net/dev, without "lo".
std::map<std::string, NetDevStats> parseNetDev(std::string_view text);
// /proc/stat: the host's CPU time in nanoseconds and the number of online CPUs.
std::pair<uint64_t, uint32_t> parseProcStat(std::string_view text);

// Fills a sample from the files of a resolved cgroup (dirs), read through `read` (path ->
// contents, nullopt when missing). Pure but for `read`, so tests feed it fixtures.
using StatReader = std::function<std::optional<std::string>(const std::string& path)>;
void readCgroupStats(const CgroupDirs& dirs, const StatReader& read, uint64_t machineMemory,
                     StatsSample* s);

// The shim's side: resolves the init's cgroup once (it does not change while the init lives)
// and samples it on each call.
class StatsCollector {
 public:
  Result<StatsSample> collect(pid_t initPid);

 private:
  std::optional<CgroupDirs> dirs_;
  pid_t resolvedFor_ = -1;
};

}  // namespace wharf::shim
