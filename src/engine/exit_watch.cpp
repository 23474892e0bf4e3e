#include "engine/exit_watch.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "common/log.h"

namespace wharf::engine {

namespace asio = boost::asio;

Result<UniqueFd> openPidfd(pid_t pid) {
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) return sysError("pidfd_open " + std::to_string(pid));
  return fd;
}

bool pidfdExited(int pidfd) {
  struct pollfd p = {pidfd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  // POLLIN: the process exited; POLLHUP (newer kernels): it was also reaped. POLLNVAL (a
  // closed fd) is not an exit: the caller owns the fd, so that would be a bug, not news.
  return n > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

struct ProcessExitWatch::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, int fd) : sd(io, fd) {}
  asio::posix::stream_descriptor sd;
  std::function<void()> onExit;
  uint64_t spurious = 0;
  bool done = false;

  void arm() {
    sd.async_wait(asio::posix::stream_descriptor::wait_read,
                  [self = shared_from_this()](const boost::system::error_code& ec) {
                    if (ec || self->done) return;  // cancelled, closed or destroyed
                    self->check();
                  });
  }

  void check() {
    if (!sd.is_open()) return;
    if (!pidfdExited(sd.native_handle())) {
      ++spurious;
      log::debug("pidfd {}: woken up but the process is alive: waiting again", sd.native_handle());
      arm();
      return;
    }
    done = true;
    if (auto cb = std::move(onExit)) cb();
  }
};

ProcessExitWatch::ProcessExitWatch(asio::io_context& io, UniqueFd pidfd)
    : state_(std::make_shared<State>(io, pidfd.release())) {}

ProcessExitWatch::~ProcessExitWatch() { cancel(); }

void ProcessExitWatch::wait(std::function<void()> onExit) {
  state_->onExit = std::move(onExit);
  state_->done = false;
  // Already gone (or gone between pidfd_open and now): no edge will come for it.
  if (pidfdExited(state_->sd.native_handle())) {
    asio::post(state_->sd.get_executor(), [s = state_] {
      if (!s->done) s->check();
    });
    return;
  }
  state_->arm();
}

void ProcessExitWatch::cancel() {
  state_->done = true;
  state_->onExit = nullptr;
  boost::system::error_code ec;
  if (state_->sd.is_open()) state_->sd.close(ec);
}

uint64_t ProcessExitWatch::spuriousWakeups() const { return state_->spurious; }

}  // namespace wharf::engine
