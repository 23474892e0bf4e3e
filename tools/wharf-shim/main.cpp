// wharf-shim: the per-container process (see engine/shim/shim.h for its protocol).
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "engine/shim/shim.h"
#include "runtime/sealed_exe.h"

int main(int argc, char** argv) {
  // The shim creates the container's init and exec'd processes in-process: it must run from a
  // read-only copy of itself before anything else (runtime/sealed_exe.h, CVE-2019-5736).
  if (auto st = wharf::runtime::ensureSealedExe(argv); !st.ok()) {
    std::fprintf(stderr, "wharf-shim: %s\n", st.error().message().c_str());
    return 1;
  }
  wharf::shim::ShimOptions opts;
  if (!wharf::shim::parseShimArgs(argc, argv, &opts)) return 2;
  // Whatever the daemon held open (client sockets, the lock file) must not stay open here:
  // a leaked client socket would keep that client's stream open for the container's life.
  std::vector<int> keep = {opts.readyFd};
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < 3) continue;
    if (static_cast<unsigned>(fd) > from) ::syscall(SYS_close_range, from, fd - 1u, 0u);
    from = static_cast<unsigned>(fd) + 1;
  }
  ::syscall(SYS_close_range, from, ~0u, 0u);
  return wharf::shim::runShim(opts);
}
