// wharf-shim: the per-container process (see engine/shim/shim.h for its protocol).
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/shim/shim.h"

int main(int argc, char** argv) {
  wharf::shim::ShimOptions opts;
  if (!wharf::shim::parseShimArgs(argc, argv, &opts)) return 2;
  // Whatever the daemon held open (client sockets, the lock file) must not stay open here:
  // a leaked client socket would keep that client's stream open for the container's life.
  if (opts.readyFd > 3) ::syscall(SYS_close_range, 3u, static_cast<unsigned>(opts.readyFd) - 1, 0);
  ::syscall(SYS_close_range, static_cast<unsigned>(opts.readyFd < 3 ? 3 : opts.readyFd + 1), ~0u,
            0);
  return wharf::shim::runShim(opts);
}
