#pragma once
// ProcessExitWatch: learns on the io_context that a process (held by its pidfd) has exited,
// and never reports an exit that did not happen.
//
// Why not a plain async_wait(wait_read) on the pidfd: a readiness wake-up from Boost.Asio's
// epoll reactor is a hint, not a fact. Boost 1.74 keeps one "descriptor state" per registered
// fd in a pool and queues that state, with the events epoll_wait returned, for later
// processing. When a handler earlier in the same batch closes another descriptor whose event
// is still queued, and a new descriptor (say, the next container's shim pidfd) reuses the
// freed state, the stale event completes the new descriptor's wait. For a socket or pipe read
// that is harmless (the read says EAGAIN and the op stays queued), but a bare wait has no I/O
// to fail: it completes, and the daemon used to take that for the shim's death and SIGKILL a
// healthy container (docs/decisions.md, "A wake-up is not a fact").
//
// So every wake-up is verified with poll(pidfd, timeout 0): a pidfd is readable exactly when
// its process has exited. When it has not, the wait is re-armed and the wake-up counted.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::engine {

// pidfd_open(2) of pid (no flags), close-on-exec by the kernel's default for pidfds.
Result<UniqueFd> openPidfd(pid_t pid);

// Whether the process behind `pidfd` has exited, asked without blocking.
bool pidfdExited(int pidfd);

class ProcessExitWatch {
 public:
  ProcessExitWatch(boost::asio::io_context& io, UniqueFd pidfd);
  ~ProcessExitWatch();  // cancels: onExit is not called after this
  ProcessExitWatch(const ProcessExitWatch&) = delete;
  ProcessExitWatch& operator=(const ProcessExitWatch&) = delete;

  // Calls onExit once, on the io thread, after the process has verifiably exited.
  void wait(std::function<void()> onExit);
  void cancel();
  // Wake-ups that turned out not to be an exit (the process was alive).
  uint64_t spuriousWakeups() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace wharf::engine
