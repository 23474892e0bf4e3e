#include "runtime/cgroup/attach_warmup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wharf::runtime {
namespace {

CgroupLayout hybrid() {
  CgroupLayout l;
  l.hierarchies = {"blkio", "cpu", "memory", "pids", "systemd"};
  return l;
}

TEST(OwnCgroupProcsFile, V1UsesAControllerHierarchyTheProcessIsListedIn) {
  const char* self =
      "13:name=systemd:/user.slice\n"
      "12:pids:/user.slice/session-1.scope\n"
      "11:memory:/user.slice\n"
      "0::/user.slice\n";
  EXPECT_EQ(ownCgroupProcsFile(hybrid(), self),
            "/sys/fs/cgroup/pids/user.slice/session-1.scope/cgroup.procs");
}

TEST(OwnCgroupProcsFile, RootCgroup) {
  EXPECT_EQ(ownCgroupProcsFile(hybrid(), "5:memory:/\n"), "/sys/fs/cgroup/memory/cgroup.procs");
}

TEST(OwnCgroupProcsFile, NeverGuessesAHierarchyThatIsNotMounted) {
  // "cpu,cpuacct" is not one of the layout's directory names; named and v2 lines do not count
  // on a v1 layout: no file rather than a wrong one (a wrong one would move the process).
  EXPECT_EQ(ownCgroupProcsFile(hybrid(), "4:cpu,cpuacct:/a\n1:name=systemd:/a\n0::/a\n"), "");
  EXPECT_EQ(ownCgroupProcsFile(hybrid(), ""), "");
  EXPECT_EQ(ownCgroupProcsFile(hybrid(), "garbage\n7:pids\n"), "");
}

TEST(OwnCgroupProcsFile, V2UsesTheUnifiedLine) {
  CgroupLayout l;
  l.v2 = true;
  EXPECT_EQ(ownCgroupProcsFile(l, "0::/system.slice/wharf.service\n"),
            "/sys/fs/cgroup/system.slice/wharf.service/cgroup.procs");
  EXPECT_EQ(ownCgroupProcsFile(l, "3:pids:/x\n"), "");
}

TEST(CgroupAttachWarmup, EmptyFileDoesNothingAndAMissingFileIsHarmless) {
  { CgroupAttachWarmup none(""); }
  { CgroupAttachWarmup missing("/nonexistent/cgroup.procs"); }
  SUCCEED();
}

TEST(CgroupAttachPrewarmer, KickWritesZeroInTheBackgroundAndTheDestructorWaits) {
  char path[] = "/tmp/wharf-prewarm-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    CgroupAttachPrewarmer p(path);
    EXPECT_EQ(p.procsFile(), path);
    p.kick();
    p.kick();  // while one is in flight: no second thread, no error
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "0");
  ::unlink(path);
}

}  // namespace
}  // namespace wharf::runtime
