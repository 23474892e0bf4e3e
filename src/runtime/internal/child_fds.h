#pragma once
// What a process forked to enter a container may carry (CVE-2016-9962 class): from the fork
// to its execve it is not dumpable, so nothing in the container can open its /proc/<pid>/exe,
// fd/, environ or mem, and it holds no fd it does not need (not the caller's, not the one to
// the host's pid namespace the runtime uses to come back from setns).

#include <vector>

namespace wharf::runtime {

// Closes every fd >= 3 but those in keep and the preserved range [3, 3 + preserveFds).
void closeFdsExcept(std::vector<int> keep, int preserveFds);

// PR_SET_DUMPABLE 0 for the scope, restored after. A child forked inside it starts
// non-dumpable (the flag belongs to the mm, which fork copies), so there is no window between
// the fork and a prctl in the child; execve makes the container's process dumpable again.
class NonDumpableScope {
 public:
  NonDumpableScope();
  ~NonDumpableScope();
  NonDumpableScope(const NonDumpableScope&) = delete;
  NonDumpableScope& operator=(const NonDumpableScope&) = delete;

 private:
  int previous_;
};

}  // namespace wharf::runtime
