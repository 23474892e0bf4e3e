// The shim's stats readers (engine/shim/stats.h) on fixtures as the kernel writes them, and
// the stats op on the task protocol's wire.
#include "engine/shim/stats.h"

#include <gtest/gtest.h>

#include "engine/shim/task_protocol.h"

namespace wharf::shim {
namespace {

// A hybrid host as this one: v1 controllers under /sys/fs/cgroup/<ctrl>, an empty unified
// hierarchy at /sys/fs/cgroup/unified.
constexpr const char* kHybridMountInfo =
    "22 28 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "26 22 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "30 26 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "31 26 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
    "cgroup rw,memory\n"
    "32 26 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup "
    "rw,pids\n"
    "33 26 0:31 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup "
    "rw,blkio\n"
    "34 26 0:32 / /sys/fs/cgroup/with\\040space rw shared:18 - cgroup cgroup rw,freezer\n";

constexpr const char* kHybridProcCgroup =
    "12:freezer:/wharf/abc\n"
    "5:pids:/wharf/abc\n"
    "4:blkio:/wharf/abc\n"
    "3:memory:/wharf/abc\n"
    "2:cpu,cpuacct:/wharf/abc\n"
    "1:name=systemd:/wharf/abc\n"
    "0::/wharf/abc\n";

TEST(StatsParsers, MountInfoFieldsAndEscapes) {
  auto m = parseMountInfo(kHybridMountInfo);
  ASSERT_EQ(m.size(), 8u);
  EXPECT_EQ(m[2].fsType, "cgroup2");
  EXPECT_EQ(m[2].mountPoint, "/sys/fs/cgroup/unified");
  EXPECT_EQ(m[3].superOptions, (std::vector<std::string>{"rw", "cpu", "cpuacct"}));
  EXPECT_EQ(m[7].mountPoint, "/sys/fs/cgroup/with space");
  EXPECT_TRUE(parseMountInfo("garbage line\n\n1 2 3\n").empty());
}

TEST(StatsParsers, ProcCgroupV1AndUnified) {
  auto cg = parseProcCgroup(kHybridProcCgroup);
  EXPECT_EQ(cg.v1.at("cpu"), "/wharf/abc");
  EXPECT_EQ(cg.v1.at("cpuacct"), "/wharf/abc");
  EXPECT_EQ(cg.v1.at("memory"), "/wharf/abc");
  EXPECT_EQ(cg.v1.count("name=systemd"), 0u);
  ASSERT_TRUE(cg.unified);
  EXPECT_EQ(*cg.unified, "/wharf/abc");
  auto v2 = parseProcCgroup("0::/system.slice/x:y\n");
  EXPECT_TRUE(v2.v1.empty());
  EXPECT_EQ(*v2.unified, "/system.slice/x:y") << "the path may hold ':'";
}

TEST(StatsParsers, HybridResolvesToV1Controllers) {
  auto d = resolveCgroupDirs(parseProcCgroup(kHybridProcCgroup), parseMountInfo(kHybridMountInfo));
  EXPECT_EQ(d.version, 1);
  EXPECT_EQ(d.v1.at("memory"), "/sys/fs/cgroup/memory/wharf/abc");
  EXPECT_EQ(d.v1.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/wharf/abc");
  EXPECT_EQ(d.v1.at("pids"), "/sys/fs/cgroup/pids/wharf/abc");
  EXPECT_EQ(d.v1.at("freezer"), "/sys/fs/cgroup/with space/wharf/abc");
}

TEST(StatsParsers, PureV2AndANamespacedRoot) {
  std::string mi = "40 1 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
  auto d = resolveCgroupDirs(parseProcCgroup("0::/wharf/abc\n"), parseMountInfo(mi));
  EXPECT_EQ(d.version, 2);
  EXPECT_EQ(d.v2, "/sys/fs/cgroup/wharf/abc");
  // Mounted from a subtree (a cgroup namespace): the mount's root is cut off the path.
  std::string sub = "40 1 0:26 /wharf /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(resolveCgroupDirs(parseProcCgroup("0::/wharf/abc\n"), parseMountInfo(sub)).v2,
            "/sys/fs/cgroup/abc");
  EXPECT_EQ(resolveCgroupDirs(parseProcCgroup("0::/../etc\n"), parseMountInfo(mi)).version, 0)
      << "never a dir outside the mount";
  EXPECT_EQ(resolveCgroupDirs(parseProcCgroup(""), parseMountInfo(mi)).version, 0);
}

TEST(StatsParsers, ValuesAndKeyedFiles) {
  EXPECT_EQ(parseStatValue("4096\n"), 4096u);
  EXPECT_EQ(parseStatValue("max\n"), std::nullopt);
  EXPECT_EQ(parseStatValue(""), std::nullopt);
  EXPECT_EQ(parseStatValue("12abc"), std::nullopt);
  auto k = parseKeyedStats("cache 8192\nrss 4096\nbogus\ntotal_inactive_file 100\nneg -1\n");
  EXPECT_EQ(k.size(), 3u);
  EXPECT_EQ(k.at("rss"), 4096u);
  EXPECT_EQ(parseKeyedStats("a 1\nb 2\nc 3\n", 2).size(), 2u) << "bounded";
  EXPECT_EQ(parsePercpu("100 200 0 \n"), (std::vector<uint64_t>{100, 200, 0}));
}

TEST(StatsParsers, BlkioV1AndIoStat) {
  auto b = parseBlkioV1("8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], (BlkioEntry{8, 0, "Read", 4096}));
  EXPECT_EQ(b[2].op, "Total");
  std::vector<BlkioEntry> bytes, ios;
  parseIoStat("254:0 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n", &bytes, &ios);
  ASSERT_EQ(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], (BlkioEntry{254, 0, "read", 1024}));
  EXPECT_EQ(bytes[1], (BlkioEntry{254, 0, "write", 2048}));
  EXPECT_EQ(ios[1], (BlkioEntry{254, 0, "write", 4}));
}

TEST(StatsParsers, NetDevSkipsLoopbackAndHeaders) {
  auto n = parseNetDev(
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     100       1    0    0    0     0          0         0      100       1    0 "
      "   0    0     0       0          0\n"
      "  eth0:    1296      16    1    2    0     0          0         0      936      12    3 "
      "   4    0     0       0          0\n");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n.at("eth0"), (NetDevStats{1296, 16, 1, 2, 936, 12, 3, 4}));
}

TEST(StatsParsers, ProcStatAsMoby) {
  auto [total, cpus] = parseProcStat(
      "cpu  100 2 30 400 5 6 7 8 0 0\ncpu0 50 1 15 200 2 3 3 4 0 0\ncpu1 50 1 15 200 3 3 4 4 0 "
      "0\nintr 1 2 3\ncpu9 1 1 1 1 1 1 1\n");
  EXPECT_EQ(total, uint64_t{100 + 2 + 30 + 400 + 5 + 6 + 7} * 10000000)
      << "7 fields at USER_HZ 100";
  EXPECT_EQ(cpus, 2u) << "cpu lines after the first other line do not count";
}

TEST(StatsRead, CgroupV1Files) {
  CgroupDirs d;
  d.version = 1;
  d.v1 = {{"memory", "/m"}, {"cpuacct", "/c"}, {"cpu", "/c"}, {"pids", "/p"}, {"blkio", "/b"}};
  std::map<std::string, std::string> files = {
      {"/m/memory.usage_in_bytes", "1048576\n"},
      {"/m/memory.max_usage_in_bytes", "2097152\n"},
      {"/m/memory.limit_in_bytes", "9223372036854771712\n"},
      {"/m/memory.failcnt", "0\n"},
      {"/m/memory.stat", "cache 4096\ntotal_inactive_file 4096\n"},
      {"/c/cpuacct.usage", "123456789\n"},
      {"/c/cpuacct.usage_percpu", "100000000 23456789 \n"},
      {"/c/cpuacct.stat", "user 10\nsystem 2\n"},
      {"/c/cpu.stat", "nr_periods 5\nnr_throttled 1\nthrottled_time 999\n"},
      {"/p/pids.current", "3\n"},
      {"/p/pids.max", "max\n"},
      {"/b/blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n"}};
  StatsSample s;
  readCgroupStats(
      d,
      [&](const std::string& p) -> std::optional<std::string> {
        auto it = files.find(p);
        return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
      },
      8ull << 30, &s);
  EXPECT_EQ(s.cgroupVersion, 1);
  EXPECT_EQ(s.memUsage, 1048576u);
  EXPECT_EQ(s.memMaxUsage, 2097152u);
  EXPECT_EQ(s.memLimit, 8ull << 30) << "no limit: the host's memory, as docker";
  EXPECT_EQ(s.memStats.at("total_inactive_file"), 4096u);
  EXPECT_EQ(s.cpuTotal, 123456789u);
  EXPECT_EQ(s.percpu.size(), 2u);
  EXPECT_EQ(s.cpuUser, 100000000u);
  EXPECT_EQ(s.cpuKernel, 20000000u);
  EXPECT_EQ(s.throttledPeriods, 1u);
  EXPECT_EQ(s.throttledTime, 999u);
  EXPECT_EQ(s.pidsCurrent, 3u);
  EXPECT_EQ(s.pidsLimit, 0u) << "\"max\" is no limit: 0";
  EXPECT_EQ(s.ioServiceBytes.size(), 2u);
  EXPECT_TRUE(s.ioServiced.empty()) << "a missing file leaves zeros";
}

TEST(StatsRead, CgroupV2Files) {
  CgroupDirs d;
  d.version = 2;
  d.v2 = "/g";
  std::map<std::string, std::string> files = {
      {"/g/memory.current", "524288\n"},
      {"/g/memory.max", "1048576\n"},
      {"/g/memory.stat", "anon 262144\ninactive_file 4096\n"},
      {"/g/memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n"},
      {"/g/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\n"},
      {"/g/pids.current", "1\n"},
      {"/g/pids.max", "64\n"},
      {"/g/io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2\n"}};
  StatsSample s;
  readCgroupStats(
      d,
      [&](const std::string& p) -> std::optional<std::string> {
        auto it = files.find(p);
        return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
      },
      8ull << 30, &s);
  EXPECT_EQ(s.cgroupVersion, 2);
  EXPECT_EQ(s.memUsage, 524288u);
  EXPECT_EQ(s.memLimit, 1048576u);
  EXPECT_EQ(s.memFailcnt, 2u) << "memory.events oom, as moby";
  EXPECT_EQ(s.cpuTotal, 1500000u);
  EXPECT_EQ(s.cpuUser, 1000000u);
  EXPECT_TRUE(s.percpu.empty());
  EXPECT_EQ(s.pidsLimit, 64u);
  ASSERT_EQ(s.ioServiceBytes.size(), 2u);
  EXPECT_EQ(s.ioServiceBytes[1].value, 20u);
  files["/g/memory.max"] = "max\n";
  StatsSample s2;
  readCgroupStats(
      d, [&](const std::string& p) -> std::optional<std::string> { return files[p]; }, 8ull << 30,
      &s2);
  EXPECT_EQ(s2.memLimit, 8ull << 30);
}

StatsSample fullSample() {
  StatsSample s;
  s.readNanos = 1700000000123456789;
  s.cgroupVersion = 1;
  s.cpuTotal = 5;
  s.cpuKernel = 1;
  s.cpuUser = 4;
  s.percpu = {2, 3};
  s.throttlePeriods = 7;
  s.systemCpu = UINT64_MAX;
  s.onlineCpus = 2;
  s.memUsage = 10;
  s.memLimit = 20;
  s.memStats = {{"cache", 1}};
  s.pidsCurrent = 1;
  s.ioServiceBytes = {{8, 0, "Read", 9}};
  s.networks["eth0"] = NetDevStats{1, 2, 3, 4, 5, 6, 7, 8};
  return s;
}

TEST(StatsWire, ReplyRoundTrip) {
  TaskReply r;
  r.stats = fullSample();
  std::string line = encodeReply(r);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto back = decodeReply(line);
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_TRUE(back->stats);
  EXPECT_EQ(*back->stats, fullSample());
  // A reply without stats (every other op) has none.
  auto plain = decodeReply(R"({"ok":true,"pid":1})");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->stats);
}

TEST(StatsWire, BadStatsAreRefused) {
  EXPECT_FALSE(decodeReply(R"({"ok":true,"stats":{"cpu":[1,2]}})").ok());
  EXPECT_FALSE(decodeReply(R"({"ok":true,"stats":{"cpu":[1,2,3,4,5,6,7,-8],"mem":[0,0,0,0],)"
                           R"("pids":[0,0]}})")
                   .ok());
  Json j = statsToJson(fullSample());
  j["percpu"] = std::vector<uint64_t>(kMaxPercpu + 1, 1);
  EXPECT_FALSE(statsFromJson(j).ok()) << "bounded";
}

TEST(StatsWire, StatsIsAnOpAndOldShimsAreRecognised) {
  TaskRequest r;
  r.op = "stats";
  std::string line = encodeRequest(r);
  line.pop_back();
  auto back = decodeRequest(line);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->op, "stats");
  // What a shim that predates the op answers.
  auto old = decodeRequest(R"({"version":1,"op":"frobnicate"})");
  ASSERT_FALSE(old.ok());
  EXPECT_TRUE(isUnknownOp(old.error()));
  EXPECT_FALSE(isUnknownOp(conflict("the container is not running")));
}

}  // namespace
}  // namespace wharf::shim
