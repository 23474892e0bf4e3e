#include "engine/stdin_pipe.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

namespace wharf::engine {
namespace {

// Reads what is in the pipe now (the write end may still be open).
std::string drain(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(StdinPipe, KeepsBytesWrittenBeforeStartThenCloses) {
  boost::asio::io_context io;
  auto pipe = std::make_shared<StdinPipe>(io);
  PipeStdinWriter writer(pipe);
  bool done = false;
  writer.write("hello ", [&](Status st) { done = st.ok(); });
  writer.write("world", nullptr);
  writer.close();
  EXPECT_TRUE(done);

  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  UniqueFd readEnd(p[0]);
  pipe->connect(UniqueFd(p[1]));
  io.run();
  EXPECT_EQ(drain(readEnd.get()), "hello world");
  // Closed after the buffered bytes: the reader sees EOF.
  char c;
  EXPECT_EQ(::read(readEnd.get(), &c, 1), 0);
}

TEST(StdinPipe, WritesAfterDisconnectOrDestructionAreDropped) {
  boost::asio::io_context io;
  auto pipe = std::make_shared<StdinPipe>(io);
  PipeStdinWriter writer(pipe);
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  UniqueFd readEnd(p[0]);
  pipe->connect(UniqueFd(p[1]));
  writer.write("a", nullptr);
  io.run();
  pipe->disconnect();
  writer.write("b", nullptr);
  pipe.reset();
  writer.write("c", nullptr);  // the pipe is gone: a no-op
  writer.close();
  io.restart();
  io.run();
  EXPECT_EQ(drain(readEnd.get()), "a");
}

}  // namespace
}  // namespace wharf::engine
