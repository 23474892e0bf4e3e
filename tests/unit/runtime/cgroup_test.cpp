#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/internal.h"

namespace wharf::runtime {
namespace {

TEST(CgroupPath, Normalizes) {
  EXPECT_EQ(*normalizeCgroupsPath("", "abc"), "/wharf/abc");
  EXPECT_EQ(*normalizeCgroupsPath("/docker/abc", "abc"), "/docker/abc");
  EXPECT_EQ(*normalizeCgroupsPath("//docker//./abc/", "abc"), "/docker/abc");
  EXPECT_EQ(*normalizeCgroupsPath("machine/abc", "abc"), "machine/abc");
  EXPECT_EQ(*normalizeCgroupsPath("system.slice:docker:abc", "abc"),
            "/system.slice/docker-abc.scope");
  EXPECT_FALSE(normalizeCgroupsPath("/a/../../etc", "abc").ok());
}

TEST(CgroupPath, V1AndV2Dirs) {
  CgroupLayout v1;
  v1.hierarchies = {"cpu", "memory", "systemd"};
  EXPECT_EQ(cgroupDir(v1, "memory", "/wharf/x", ""), "/sys/fs/cgroup/memory/wharf/x");
  std::string self = "9:name=systemd:/user.slice\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n";
  EXPECT_EQ(cgroupDir(v1, "memory", "wharf/x", self),
            "/sys/fs/cgroup/memory/process_api/abc/wharf/x");
  EXPECT_EQ(cgroupDir(v1, "systemd", "wharf/x", self), "/sys/fs/cgroup/systemd/user.slice/wharf/x");
  EXPECT_EQ(cgroupDir(v1, "cpu", "wharf/x", self), "/sys/fs/cgroup/cpu/wharf/x");
  CgroupLayout v2;
  v2.v2 = true;
  EXPECT_EQ(cgroupDir(v2, "", "/wharf/x", ""), "/sys/fs/cgroup/wharf/x");
  EXPECT_EQ(cgroupDir(v2, "", "x", "0::/user.slice/s.scope\n"),
            "/sys/fs/cgroup/user.slice/s.scope/x");
}

TEST(CgroupDevices, RuleLines) {
  EXPECT_EQ(deviceRuleLine({false, "", std::nullopt, std::nullopt, "rwm"}), "a *:* rwm");
  EXPECT_EQ(deviceRuleLine({true, "c", 1, 3, "rw"}), "c 1:3 rw");
  EXPECT_EQ(deviceRuleLine({true, "b", 8, std::nullopt, ""}), "b 8:* rwm");
  EXPECT_EQ(defaultAllowedDevices().front(), "c *:* m");
}

TEST(CgroupPids, Parses) {
  EXPECT_EQ(*parsePids("1\n23\n\n456\n"), (std::vector<int>{1, 23, 456}));
}

TEST(CgroupManager, MountSourceAndProcs) {
  CgroupLayout v1;
  v1.hierarchies = {"cpu", "memory"};
  auto m = openCgroupManager(v1, {"/sys/fs/cgroup/cpu/wharf/x", "/sys/fs/cgroup/memory/wharf/x"});
  EXPECT_FALSE(m->isV2());
  auto src = m->mountSource();
  ASSERT_EQ(src.v1.size(), 2u);
  EXPECT_EQ(src.v1[1].first, "memory");
  EXPECT_EQ(m->procsFiles()[0], "/sys/fs/cgroup/cpu/wharf/x/cgroup.procs");
}

}  // namespace
}  // namespace wharf::runtime

namespace wharf::runtime {
namespace {

// A fake cgroup tree in a temp dir: the managers only open existing files, as the kernel
// provides them; the test creates the ones it expects to be written.
class CgroupFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-cgtest-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string touch(const std::string& rel) {
    auto p = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p.string()) << "";
    return p.string();
  }
  std::string read(const std::string& rel) {
    std::ifstream in(std::filesystem::path(root_) / rel);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string root_;
};

TEST_F(CgroupFilesTest, V1WritesControllerFiles) {
  for (const char* f : {"memory/c/memory.limit_in_bytes", "memory/c/memory.memsw.limit_in_bytes",
                        "memory/c/memory.swappiness", "cpu/c/cpu.shares", "cpu/c/cpu.cfs_quota_us",
                        "cpu/c/cpu.cfs_period_us", "pids/c/pids.max", "devices/c/devices.deny",
                        "devices/c/devices.allow", "blkio/c/blkio.weight"})
    touch(f);
  CgroupLayout layout;
  layout.mountRoot = root_;
  layout.hierarchies = {"blkio", "cpu", "devices", "memory", "pids"};
  auto m = openCgroupManager(layout, {root_ + "/blkio/c", root_ + "/cpu/c", root_ + "/devices/c",
                                      root_ + "/memory/c", root_ + "/pids/c"});
  oci::Resources r;
  r.memory = oci::MemoryResources{};
  r.memory->limit = 1 << 20;
  r.memory->swap = 2 << 20;
  r.memory->swappiness = 10;
  r.cpu = oci::CpuResources{};
  r.cpu->shares = 512;
  r.cpu->quota = 50000;
  r.cpu->period = 100000;
  r.pids = oci::PidsResources{100};
  r.blockIO = oci::BlockIoResources{};
  r.blockIO->weight = 0;  // Docker's "unset": not written
  r.devices = {{false, "", std::nullopt, std::nullopt, "rwm"}};
  auto s = m->apply(r);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(read("memory/c/memory.limit_in_bytes"), "1048576");
  EXPECT_EQ(read("memory/c/memory.memsw.limit_in_bytes"), "2097152");
  EXPECT_EQ(read("memory/c/memory.swappiness"), "10");
  EXPECT_EQ(read("cpu/c/cpu.shares"), "512");
  EXPECT_EQ(read("cpu/c/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(read("pids/c/pids.max"), "100");
  EXPECT_EQ(read("blkio/c/blkio.weight"), "");
  // Files are truncated on each write: the last devices.allow line is runc's last default.
  EXPECT_EQ(read("devices/c/devices.allow"), "c 10:200 rwm");
}

TEST_F(CgroupFilesTest, V2ConvertsV1Values) {
  for (const char* f : {"c/memory.max", "c/memory.swap.max", "c/cpu.weight", "c/cpu.max",
                        "c/pids.max", "c/io.weight", "c/memory.high"})
    touch(f);
  CgroupLayout layout;
  layout.mountRoot = root_;
  layout.v2 = true;
  auto m = openCgroupManager(layout, {root_ + "/c"});
  oci::Resources r;
  r.memory = oci::MemoryResources{};
  r.memory->limit = 100;
  r.memory->swap = 300;
  r.cpu = oci::CpuResources{};
  r.cpu->shares = 1024;
  r.cpu->quota = 20000;
  r.pids = oci::PidsResources{0};
  r.blockIO = oci::BlockIoResources{};
  r.blockIO->weight = 500;
  r.unified = {{"memory.high", "4096"}};
  auto s = m->apply(r);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(read("c/memory.max"), "100");
  EXPECT_EQ(read("c/memory.swap.max"), "200");
  EXPECT_EQ(read("c/cpu.weight"), "39");
  EXPECT_EQ(read("c/cpu.max"), "20000 100000");
  EXPECT_EQ(read("c/pids.max"), "max");
  EXPECT_EQ(read("c/io.weight"), "4950");
  EXPECT_EQ(read("c/memory.high"), "4096");
  r = {};
  r.unified = {{"../escape", "1"}};
  EXPECT_FALSE(m->apply(r).ok());
  r = {};
  r.network = oci::NetworkResources{1, {}};
  s = m->apply(r);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("do not exist on cgroup v2"));
}

TEST_F(CgroupFilesTest, V1BlkioWeightNeedsAProportionalScheduler) {
  touch("blkio/c/blkio.throttle.read_bps_device");
  CgroupLayout layout;
  layout.mountRoot = root_;
  layout.hierarchies = {"blkio"};
  auto m = openCgroupManager(layout, {root_ + "/blkio/c"});
  oci::Resources r;
  r.blockIO = oci::BlockIoResources{};
  r.blockIO->weight = 300;
  // none/mq-deadline: no weight file at all -> a clear error naming the field.
  auto s = m->apply(r);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("linux.resources.blockIO.weight: "));
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("no blkio.weight"));
  // BFQ: blkio.bfq.weight, and device weights go to blkio.bfq.weight_device.
  touch("blkio/c/blkio.bfq.weight");
  touch("blkio/c/blkio.bfq.weight_device");
  r.blockIO->weightDevice = {{8, 0, 200, std::nullopt}};
  r.blockIO->throttleReadBpsDevice = {{8, 0, 1048576}};
  s = m->apply(r);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(read("blkio/c/blkio.bfq.weight"), "300");
  EXPECT_EQ(read("blkio/c/blkio.bfq.weight_device"), "8:0 200");
  EXPECT_EQ(read("blkio/c/blkio.throttle.read_bps_device"), "8:0 1048576");
}

TEST_F(CgroupFilesTest, HugepageLimits) {
  std::filesystem::create_directories(root_ + "/mm/hugepages-2048kB");
  std::filesystem::create_directories(root_ + "/mm/hugepages-1048576kB");
  EXPECT_TRUE(validateHugepageLimits({{"2MB", 1}, {"1GB", 2}}, root_ + "/mm").ok());
  auto s = validateHugepageLimits({{"2MB", 1}, {"64KB", 1}}, root_ + "/mm");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "linux.resources.hugepageLimits[1].pageSize: this kernel has no 64KB huge pages");
  s = validateHugepageLimits({{"2M", 1}}, root_ + "/mm");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("[0].pageSize: invalid \"2M\""));
  EXPECT_FALSE(validateHugepageLimits({{"MB", 1}}, root_ + "/mm").ok());
  EXPECT_FALSE(validateHugepageLimits({{"99999999999999MB", 1}}, root_ + "/mm").ok());
}

TEST_F(CgroupFilesTest, V1HugetlbLimitIsNeverDroppedSilently) {
  CgroupLayout layout;
  layout.mountRoot = root_;
  layout.hierarchies = {"memory"};
  touch("memory/c/memory.limit_in_bytes");
  auto m = openCgroupManager(layout, {root_ + "/memory/c"});
  oci::Resources r;
  r.hugepageLimits = {{"2MB", 1 << 21}};
  if (!std::filesystem::exists("/sys/kernel/mm/hugepages/hugepages-2048kB"))
    GTEST_SKIP() << "no 2MB huge pages here";
  auto s = m->apply(r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "linux.resources.hugepageLimits: no hugetlb cgroup hierarchy is mounted");
}

TEST_F(CgroupFilesTest, V1NetworkClassAndPriorities) {
  CgroupLayout layout;
  layout.mountRoot = root_;
  layout.hierarchies = {"net_cls,net_prio"};
  touch("net_cls,net_prio/c/net_cls.classid");
  touch("net_cls,net_prio/c/net_prio.ifpriomap");
  auto m = openCgroupManager(layout, {root_ + "/net_cls,net_prio/c"});
  oci::Resources r;
  r.network = oci::NetworkResources{0x100001, {{"lo", 10}, {"eth0", 500}}};
  auto s = m->apply(r);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(read("net_cls,net_prio/c/net_cls.classid"), "1048577");
  // One entry per write (the file is truncated each time here; the kernel keeps them all).
  EXPECT_EQ(read("net_cls,net_prio/c/net_prio.ifpriomap"), "eth0 500");
  r.network->priorities = {{"eth0 1\nlo", 1}};
  s = m->apply(r);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(),
              ::testing::HasSubstr("linux.resources.network.priorities[0].name"));
}

TEST_F(CgroupFilesTest, NetworkValuesAreNeverDroppedSilently) {
  CgroupLayout layout;
  layout.mountRoot = root_;
  layout.hierarchies = {"memory"};
  touch("memory/c/memory.limit_in_bytes");
  auto v1 = openCgroupManager(layout, {root_ + "/memory/c"});
  oci::Resources r;
  r.network = oci::NetworkResources{7, {}};
  auto s = v1->apply(r);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("no net_cls cgroup hierarchy is mounted"));
  r.network = oci::NetworkResources{std::nullopt, {{"eth0", 1}}};
  s = v1->apply(r);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), ::testing::HasSubstr("no net_prio cgroup hierarchy"));
}

}  // namespace
}  // namespace wharf::runtime
