#include "runtime/internal/child_fds.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace wharf::runtime {

void closeFdsExcept(std::vector<int> keep, int preserveFds) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3u + static_cast<unsigned>(preserveFds > 0 ? preserveFds : 0);
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned>(fd) < from) continue;
    if (static_cast<unsigned>(fd) > from) ::syscall(SYS_close_range, from, fd - 1u, 0u);
    from = static_cast<unsigned>(fd) + 1;
  }
  ::syscall(SYS_close_range, from, ~0u, 0u);
}

NonDumpableScope::NonDumpableScope() : previous_(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)) {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

NonDumpableScope::~NonDumpableScope() {
  if (previous_ > 0) ::prctl(PR_SET_DUMPABLE, previous_, 0, 0, 0);
}

}  // namespace wharf::runtime
