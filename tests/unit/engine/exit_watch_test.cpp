// ProcessExitWatch against the reactor hazard that killed healthy containers (issue 9): a
// stale epoll event of a descriptor closed earlier in the same batch lands on a freshly
// registered pidfd whose state object is the recycled one.
#include "engine/exit_watch.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace wharf::engine {
namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

// A child that lives until killed; killed and reaped at the end of the test.
struct Child {
  pid_t pid = -1;
  Child() {
    pid = ::fork();
    if (pid == 0) {
      for (;;) ::pause();
    }
  }
  void kill() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      int ws = 0;
      ::waitpid(pid, &ws, 0);
      pid = -1;
    }
  }
  ~Child() { kill(); }
};

// Two readable pipes in one epoll batch; the first handler to run closes the other one's
// descriptor (its event stays queued in the reactor) and calls `armNew`, which registers a
// new descriptor that reuses the freed state. Runs the loop until nothing more is ready.
void staleEventScenario(asio::io_context& io, const std::function<void()>& armNew) {
  int a[2], b[2];
  ASSERT_EQ(::pipe2(a, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(b, O_CLOEXEC), 0);
  UniqueFd aw(a[1]), bw(b[1]);
  ASSERT_EQ(::write(a[1], "x", 1), 1);
  ASSERT_EQ(::write(b[1], "x", 1), 1);
  auto da = std::make_shared<Descriptor>(io, a[0]);
  auto db = std::make_shared<Descriptor>(io, b[0]);
  bool first = true;
  auto handler = [&](std::shared_ptr<Descriptor> other) {
    return [&, other](const boost::system::error_code& ec) {
      if (ec || !first) return;
      first = false;
      other->close();
      armNew();
    };
  };
  da->async_wait(Descriptor::wait_read, handler(db));
  db->async_wait(Descriptor::wait_read, handler(da));
  while (io.poll() > 0) {
  }
  ASSERT_FALSE(first) << "neither pipe was reported readable";
}

// The hazard itself, with a bare async_wait as the daemon used to do: the wait completes
// while the process is alive. If this ever stops failing, Boost fixed its reactor; the
// guarded watch below must still hold either way.
TEST(ExitWatch, BareAsyncWaitOnPidfdIsFooledByAStaleEvent) {
  asio::io_context io(1);
  Child child;
  ASSERT_GT(child.pid, 0);
  auto fd = openPidfd(child.pid);
  ASSERT_TRUE(fd.ok());
  std::unique_ptr<Descriptor> pidfd;
  bool woke = false;
  staleEventScenario(io, [&] {
    pidfd = std::make_unique<Descriptor>(io, fd->release());
    pidfd->async_wait(Descriptor::wait_read, [&](const boost::system::error_code& ec) {
      if (!ec) woke = true;
    });
  });
  EXPECT_TRUE(woke) << "the stale event did not reach the new descriptor on this Boost";
  EXPECT_FALSE(pidfdExited(pidfd->native_handle())) << "the child is alive";
}

TEST(ExitWatch, StaleEventDoesNotReportAnExit) {
  asio::io_context io(1);
  Child child;
  ASSERT_GT(child.pid, 0);
  auto fd = openPidfd(child.pid);
  ASSERT_TRUE(fd.ok());
  std::unique_ptr<ProcessExitWatch> watch;
  bool exited = false;
  staleEventScenario(io, [&] {
    watch = std::make_unique<ProcessExitWatch>(io, std::move(*fd));
    watch->wait([&] { exited = true; });
  });
  ASSERT_TRUE(watch);
  EXPECT_FALSE(exited) << "an exit was reported for a live process";
  EXPECT_GE(watch->spuriousWakeups(), 1u) << "the scenario did not produce a stale wake-up";
  // The re-armed wait still sees the real exit.
  child.kill();
  while (!exited && io.run_one() > 0) {
  }
  EXPECT_TRUE(exited);
}

TEST(ExitWatch, ReportsAnExitThatHappenedBeforeTheWait) {
  asio::io_context io(1);
  Child child;
  auto fd = openPidfd(child.pid);
  ASSERT_TRUE(fd.ok());
  child.kill();
  EXPECT_TRUE(pidfdExited(fd->get()));
  ProcessExitWatch watch(io, std::move(*fd));
  int calls = 0;
  watch.wait([&] { ++calls; });
  io.run();
  EXPECT_EQ(calls, 1);
}

TEST(ExitWatch, CancelledWatchNeverCalls) {
  asio::io_context io(1);
  Child child;
  auto fd = openPidfd(child.pid);
  ASSERT_TRUE(fd.ok());
  bool called = false;
  {
    ProcessExitWatch watch(io, std::move(*fd));
    watch.wait([&] { called = true; });
    child.kill();
  }
  io.run();
  EXPECT_FALSE(called);
}

TEST(ExitWatch, LiveProcessIsNotExited) {
  Child child;
  auto fd = openPidfd(child.pid);
  ASSERT_TRUE(fd.ok());
  EXPECT_FALSE(pidfdExited(fd->get()));
  child.kill();
  EXPECT_TRUE(pidfdExited(fd->get()));
}

}  // namespace
}  // namespace wharf::engine
