#include "engine/shim/task_protocol.h"

#include <gtest/gtest.h>

namespace wharf::shim {
namespace {

TEST(TaskProtocol, RequestRoundTrips) {
  TaskRequest r;
  r.op = "exec";
  r.execId = "e1";
  r.args = {"sh", "-c", "echo \"hi\"\n"};
  r.env = {"A=1"};
  r.cwd = "/tmp";
  r.uid = 1000;
  r.gid = 100;
  r.gids = {10, 20};
  r.tty = true;
  r.privileged = true;
  r.stdinOn = r.stdoutOn = true;
  r.rows = 24;
  r.cols = 80;
  std::string line = encodeRequest(r);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line, whatever the arguments hold";
  auto d = decodeRequest(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->op, "exec");
  EXPECT_EQ(d->execId, "e1");
  EXPECT_EQ(d->args, r.args);
  EXPECT_EQ(d->env, r.env);
  EXPECT_EQ(d->cwd, "/tmp");
  EXPECT_EQ(d->uid, 1000u);
  EXPECT_EQ(d->gid, 100u);
  EXPECT_EQ(d->gids, (std::vector<uint32_t>{10, 20}));
  EXPECT_TRUE(d->tty);
  EXPECT_TRUE(d->privileged);
  EXPECT_TRUE(d->stdinOn);
  EXPECT_TRUE(d->stdoutOn);
  EXPECT_FALSE(d->stderrOn);
  EXPECT_EQ(d->rows, 24u);
  EXPECT_EQ(d->cols, 80u);
}

TEST(TaskProtocol, RefusesBadRequests) {
  auto bad = [](std::string_view s) { return !decodeRequest(s).ok(); };
  EXPECT_TRUE(bad(R"({"op":"state"})")) << "no version";
  EXPECT_TRUE(bad(R"({"version":2,"op":"state"})")) << "another version";
  EXPECT_TRUE(bad(R"({"version":1,"op":"format-disk"})"));
  EXPECT_TRUE(bad(R"({"version":1,"op":"exec","exec":"e"})")) << "no command";
  EXPECT_TRUE(bad(R"({"version":1,"op":"exec","args":["sh"]})")) << "no exec id";
  EXPECT_TRUE(bad(R"({"version":1,"op":"kill"})")) << "no signal";
  EXPECT_TRUE(bad(R"({"version":1,"op":"kill","signal":99})"));
  EXPECT_TRUE(bad(R"({"version":1,"op":"resize","rows":70000,"cols":1})"));
  EXPECT_TRUE(bad(R"({"version":1,"op":"state","uid":-1})"));
  EXPECT_TRUE(bad(R"({"version":1,"op":"state","stdin":"yes"})"));
  EXPECT_TRUE(bad(R"([1,2])"));
  EXPECT_TRUE(bad(R"({"version":1,"op":"state","x":[[[[[[[[]]]]]]]]})")) << "too deep";
  EXPECT_TRUE(bad(std::string(kMaxRequestLine + 1, ' ')));
  EXPECT_TRUE(bad("not json"));
  EXPECT_FALSE(bad(R"({"version":1,"op":"state"})"));
}

TEST(TaskProtocol, RepliesRoundTripIncludingErrors) {
  TaskReply ok;
  ok.pid = 42;
  ok.exitCode = 3;
  ok.running = true;
  ok.status = "running";
  std::string l = encodeReply(ok);
  auto d = decodeReply(std::string_view(l).substr(0, l.size() - 1));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->error);
  EXPECT_EQ(d->pid, 42);
  EXPECT_EQ(d->exitCode, 3);
  EXPECT_TRUE(d->running);
  EXPECT_EQ(d->status, "running");

  TaskReply err;
  err.error = notFound("exec: \"x\": executable file not found in $PATH");
  l = encodeReply(err);
  d = decodeReply(std::string_view(l).substr(0, l.size() - 1));
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->error);
  EXPECT_EQ(d->error->category(), ErrorCategory::kNotFound);
  EXPECT_EQ(d->error->message(), "exec: \"x\": executable file not found in $PATH");
  EXPECT_FALSE(decodeReply("{}").ok());
}

TEST(TaskProtocol, FramesSplitAndReassembleAcrossReads) {
  std::string wire;
  appendFrame(wire, FrameType::kStdout, "hello");
  appendFrame(wire, FrameType::kStderr, "");
  std::string big(kMaxFramePayload + 10, 'x');
  appendFrame(wire, FrameType::kStdin, big);  // split in two frames
  appendFrame(wire, FrameType::kExit, "127");
  FrameReader r;
  std::vector<std::pair<FrameType, std::string>> got;
  // In small pieces (7 bytes, so headers are cut too): a frame is only taken once whole.
  for (size_t i = 0; i < wire.size(); i += 7) {
    r.append(std::string_view(wire).substr(i, 7));
    for (;;) {
      auto f = r.next();
      ASSERT_TRUE(f.ok());
      if (!*f) break;
      got.emplace_back((*f)->type, std::string((*f)->payload));
    }
  }
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], std::make_pair(FrameType::kStdout, std::string("hello")));
  EXPECT_EQ(got[1], std::make_pair(FrameType::kStderr, std::string()));
  EXPECT_EQ(got[2].second.size(), kMaxFramePayload);
  EXPECT_EQ(got[3].second.size(), 10u);
  EXPECT_EQ(got[4], std::make_pair(FrameType::kExit, std::string("127")));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(TaskProtocol, BadFrameHeadersAreRefusedBeforeThePayload) {
  FrameReader r;
  r.append(std::string("\x09\0\0\0\1x", 6));
  EXPECT_FALSE(r.next().ok()) << "unknown type";
  FrameReader big;
  big.append(std::string("\x01\x7f\xff\xff\xff", 5));  // 2 GiB announced, nothing sent
  EXPECT_FALSE(big.next().ok());
}

TEST(TaskProtocol, LineReaderBoundsTheRequest) {
  LineReader l;
  auto r = l.feed(R"({"version":1)");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  r = l.feed(std::string(",\"op\":\"attach\"}\n\x01\0\0\0\2hi", 23));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(l.line(), R"({"version":1,"op":"attach"})");
  EXPECT_EQ(l.rest().size(), 7u) << "the first frame's bytes are kept";
  LineReader huge;
  EXPECT_TRUE(huge.feed(std::string(kMaxRequestLine, 'a')).ok());
  EXPECT_FALSE(huge.feed("a").ok());
}

}  // namespace
}  // namespace wharf::shim
