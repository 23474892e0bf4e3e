// The OOM kill counter as memory.oom_control (v1) and memory.events (v2) show it.
#include "runtime/cgroup/oom_watch.h"

#include <gtest/gtest.h>

namespace wharf::runtime {
namespace {

TEST(OomWatch, ParsesTheKillCounter) {
  EXPECT_EQ(parseOomKillCount("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 2u);
  EXPECT_EQ(parseOomKillCount("low 0\nhigh 0\nmax 5\noom 3\noom_kill 1\noom_group_kill 0\n"), 1u);
  // "oom_kill_disable" and "oom_group_kill" are not the counter.
  EXPECT_FALSE(parseOomKillCount("oom_kill_disable 1\nunder_oom 0\n"));
  EXPECT_FALSE(parseOomKillCount("oom_kill x\n"));
  EXPECT_FALSE(parseOomKillCount(""));
}

}  // namespace
}  // namespace wharf::runtime
