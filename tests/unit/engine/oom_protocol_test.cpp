// The OOM parts of the shim's formats: the task API's oom-wait and the exit file's oom_kills.
#include <gtest/gtest.h>

#include "engine/shim/exit_file.h"
#include "engine/shim/task_protocol.h"

namespace wharf::shim {
namespace {

TEST(OomProtocol, OomWaitRoundTrips) {
  TaskRequest r;
  r.op = "oom-wait";
  r.oomSeen = 3;
  std::string line = encodeRequest(r);
  line.pop_back();
  auto back = decodeRequest(line);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->op, "oom-wait");
  EXPECT_EQ(back->oomSeen, 3u);
  EXPECT_FALSE(decodeRequest(R"({"version":1,"op":"oom-wait","seen":-1})").ok());

  TaskReply rep;
  rep.oomKills = 4;
  std::string text = encodeReply(rep);
  text.pop_back();
  auto got = decodeReply(text);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->oomKills, 4u);
}

TEST(OomProtocol, ExitFileCarriesTheKillCount) {
  ExitStatus es;
  es.exitCode = 137;
  es.signal = 9;
  es.oomKills = 1;
  std::string text = formatExitFile(es);
  EXPECT_NE(text.find("oom_kills 1\n"), std::string::npos);
  auto back = parseExitFile(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->oomKills, 1u);
  es.oomKills = 0;
  EXPECT_EQ(formatExitFile(es).find("oom_kills"), std::string::npos);
  EXPECT_FALSE(parseExitFile("wharf-exit 1\nexit_code 1\noom_kills x\n").ok());
}

}  // namespace
}  // namespace wharf::shim
