// The daemon's side of the task API against a fake shim: a socketpair whose other end this
// test plays by hand, and a fake shim listening on task.sock in a temp bundle.
#include "engine/shim_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "engine/shim_session.h"

namespace wharf::engine {
namespace {

using shim::FrameType;
using shim::TaskReply;
using shim::TaskRequest;

std::string readRequestLine(int fd) {
  std::string line;
  char ch;
  while (::read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
  return line;
}

void writeAll(int fd, const std::string& s) {
  ASSERT_EQ(::write(fd, s.data(), s.size()), (ssize_t)s.size());
}

TEST(ShimClient, ExecStreamDeliversOutputThenExitCodeAndSendsStdin) {
  boost::asio::io_context io;
  int sp[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  UniqueFd shimEnd(sp[1]);
  TaskRequest req;
  req.op = "exec";
  req.execId = "e1";
  req.args = {"cat"};
  req.stdinOn = req.stdoutOn = true;
  std::optional<TaskReply> reply;
  int exitCode = -1;
  auto session = std::make_shared<ShimSession>([&](int c) { exitCode = c; });
  auto stream = ShimStream::adopt(io, UniqueFd(sp[0]), req, [&](Result<TaskReply> r) {
    ASSERT_TRUE(r.ok());
    reply = *r;
  });
  session->connect(stream);
  auto reader = session->reader();
  auto writer = session->writer();

  // The fake shim: reads the request, replies, and echoes one stdin frame.
  auto got = shim::decodeRequest(readRequestLine(shimEnd.get()));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->op, "exec");
  EXPECT_EQ(got->args, std::vector<std::string>{"cat"});
  TaskReply rep;
  rep.pid = 77;
  std::string out = shim::encodeReply(rep);
  shim::appendFrame(out, FrameType::kStdout, "a");
  shim::appendFrame(out, FrameType::kStderr, "b");
  writeAll(shimEnd.get(), out);

  std::vector<LogEntry> entries;
  bool ended = false;
  std::function<void()> pull = [&] {
    reader->next([&](Result<std::optional<LogEntry>> e) {
      ASSERT_TRUE(e.ok());
      if (!*e) {
        ended = true;
        return;
      }
      entries.push_back(**e);
      pull();
    });
  };
  pull();
  writer->write("in", [](Status) {});
  writer->close();
  io.run_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->pid, 77);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].stream, LogStream::kStdout);
  EXPECT_EQ(entries[0].data, "a");
  EXPECT_EQ(entries[1].stream, LogStream::kStderr);
  EXPECT_FALSE(ended);

  // What the daemon sent: the stdin frame and the close.
  char buf[64];
  ssize_t n = ::recv(shimEnd.get(), buf, sizeof buf, MSG_DONTWAIT);
  shim::FrameReader fr;
  ASSERT_GT(n, 0);
  fr.append(std::string_view(buf, n));
  auto f1 = fr.next();
  ASSERT_TRUE(f1.ok() && *f1);
  EXPECT_EQ((*f1)->type, FrameType::kStdin);
  EXPECT_EQ((*f1)->payload, "in");
  auto f2 = fr.next();
  ASSERT_TRUE(f2.ok() && *f2);
  EXPECT_EQ((*f2)->type, FrameType::kCloseStdin);

  std::string tail;
  shim::appendFrame(tail, FrameType::kExit, "3");
  writeAll(shimEnd.get(), tail);
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(ended);
  EXPECT_EQ(exitCode, 3);
}

TEST(ShimClient, ErrorReplyAndEarlyCloseAreErrors) {
  boost::asio::io_context io;
  int sp[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  UniqueFd shimEnd(sp[1]);
  TaskRequest req;
  req.op = "exec";
  std::optional<Error> err;
  auto s = ShimStream::adopt(io, UniqueFd(sp[0]), req, [&](Result<TaskReply> r) {
    ASSERT_FALSE(r.ok());
    err = r.error();
  });
  (void)readRequestLine(shimEnd.get());
  TaskReply rep;
  rep.error = notFound("exec: \"nosuch\": executable file not found in $PATH");
  writeAll(shimEnd.get(), shim::encodeReply(rep));
  io.run_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->category(), ErrorCategory::kNotFound);

  int sp2[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp2), 0);
  std::optional<Error> err2;
  auto s2 = ShimStream::adopt(io, UniqueFd(sp2[0]), req, [&](Result<TaskReply> r) {
    ASSERT_FALSE(r.ok());
    err2 = r.error();
  });
  ::close(sp2[1]);  // the shim died before it replied
  io.restart();
  io.run_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(err2);
}

TEST(ShimClient, CallShimReachesASocketInADeepBundle) {
  // Deeper than sun_path's 108 bytes: reached through /proc/self/fd.
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("wharf-shim-client-" + std::to_string(::getpid())) /
                              std::string(80, 'd') / std::string(60, 'e');
  std::filesystem::create_directories(dir);
  int l = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(l, 0);
  UniqueFd listener(l);
  UniqueFd dirFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::string p = "/proc/self/fd/" + std::to_string(dirFd.get()) + "/task.sock";
  std::strcpy(addr.sun_path, p.c_str());
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(l, 4), 0);
  std::thread fake([&] {
    UniqueFd c(::accept4(l, nullptr, nullptr, SOCK_CLOEXEC));
    auto r = shim::decodeRequest(readRequestLine(c.get()));
    TaskReply rep;
    if (r.ok() && r->op == "state") {
      rep.status = "running";
      rep.pid = 9;
    } else {
      rep.error = invalidArgument("unexpected");
    }
    std::string s = shim::encodeReply(rep);
    (void)!::write(c.get(), s.data(), s.size());
  });
  TaskRequest req;
  req.op = "state";
  auto rep = callShim(dir.string(), req);
  fake.join();
  ASSERT_TRUE(rep.ok()) << rep.error().message();
  EXPECT_EQ(rep->status, "running");
  EXPECT_EQ(rep->pid, 9);
  std::filesystem::remove_all(dir.parent_path().parent_path());

  auto gone = callShim("/nonexistent-bundle", req);
  EXPECT_FALSE(gone.ok());
}

}  // namespace
}  // namespace wharf::engine
