#include "runtime/cgroup/devices_bpf.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "common/random.h"

namespace wharf::runtime {
namespace {

TEST(DeviceFilter, Structure) {
  std::vector<oci::DeviceCgroup> rules = {{false, "", std::nullopt, std::nullopt, "rwm"},
                                          {true, "c", 1, 3, "rw"}};
  auto p = buildDeviceFilter(rules);
  ASSERT_TRUE(p.ok());
  // prologue 6; rule 1 (checked first): type, access (3), major, minor, mov, exit = 8;
  // rule 0 (deny all): mov, exit = 2, which ends the program (nothing after is reachable).
  ASSERT_EQ(p->size(), 16u);
  EXPECT_EQ((*p)[6].code, BPF_JMP | BPF_JNE | BPF_K);
  EXPECT_EQ((*p)[6].imm, BPF_DEVCG_DEV_CHAR);
  EXPECT_EQ((*p)[6].off, 7);   // to the next rule
  EXPECT_EQ((*p)[12].imm, 1);  // allow
  EXPECT_EQ((*p)[14].imm, 0);  // deny all
  EXPECT_FALSE(buildDeviceFilter({{true, "x", std::nullopt, std::nullopt, "r"}}).ok());
  EXPECT_FALSE(buildDeviceFilter({{true, "c", std::nullopt, std::nullopt, "q"}}).ok());
}

// As root on a host with a cgroup2 mount: attach the filter for real and check that a process
// in the cgroup may open /dev/null but not /dev/kmsg. Skipped otherwise.
TEST(DeviceFilter, EnforcedInACgroup) {
  std::string base;
  for (const char* m : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs s;
    if (::statfs(m, &s) == 0 && s.f_type == 0x63677270) {
      base = m;
      break;
    }
  }
  if (::geteuid() != 0 || base.empty()) GTEST_SKIP() << "needs root and a cgroup2 mount";
  std::string dir = base + "/wharf-devtest-" + randomHex(4);
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  std::vector<oci::DeviceCgroup> rules = {{false, "", std::nullopt, std::nullopt, "rwm"},
                                          {true, "c", 1, 3, "rwm"}};
  auto p = buildDeviceFilter(rules);
  ASSERT_TRUE(p.ok());
  auto st = attachDeviceFilter(dir, *p);
  if (!st.ok()) {
    ::rmdir(dir.c_str());
    GTEST_SKIP() << st.error().message();
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    std::ofstream(dir + "/cgroup.procs") << "0";
    int null = ::open("/dev/null", O_RDWR);
    int kmsg = ::open("/dev/kmsg", O_RDONLY);
    ::_exit(null >= 0 && kmsg < 0 && errno == EPERM ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::rmdir(dir.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace wharf::runtime
