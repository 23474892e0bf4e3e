#include <gtest/gtest.h>

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
