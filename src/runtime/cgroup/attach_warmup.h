#pragma once
// Hides the kernel's first-attach latency behind the rest of container creation.
//
// Moving a task between cgroups takes cgroup_threadgroup_rwsem for writing; when nobody has
// done so for a while, that first waits for an RCU grace period (5-15 ms here, most of a
// container's creation time; runc and crun pay it too). Once one writer has paid it, further
// writers within about one grace period do not wait. So create() starts this at its very
// beginning: a thread writes "0" into the cgroup.procs of the cgroup the process is *already*
// in (a no-op move, but a real write lock), while the main thread parses the spec, makes the
// cgroup and clones the init. When the init joins its cgroup the wait is over or nearly so.
// Best effort: any failure just means no head start. Without the `favordynmods` cgroup mount
// option (kernel >= 6.0) the kernel behaves as described; with it there is no wait at all.

#include <pthread.h>

#include <atomic>
#include <string>

#include "runtime/cgroup/cgroup_manager.h"

namespace wharf::runtime {

// The cgroup.procs file of the caller's own cgroup in one of layout's hierarchies, or "" if
// /proc/self/cgroup (text given) names none of them. Never a different cgroup: a wrong guess
// would move the caller.
std::string ownCgroupProcsFile(const CgroupLayout& layout, std::string_view selfCgroups);

class CgroupAttachWarmup {
 public:
  // procsFile: from ownCgroupProcsFile(); "" does nothing.
  explicit CgroupAttachWarmup(std::string procsFile);
  ~CgroupAttachWarmup();  // joins
  // Waits for the write now. Before a raw clone(): unlike fork(), it does not reset glibc's
  // internal locks, so no other thread should be alive (or exiting) at that moment.
  void join();
  CgroupAttachWarmup(const CgroupAttachWarmup&) = delete;
  CgroupAttachWarmup& operator=(const CgroupAttachWarmup&) = delete;

 private:
  std::string file_;
  pthread_t thread_{};
  bool started_ = false;
};

// The same for a long-lived process (the daemon): kick() at the first sign that a container
// is about to start (create, start) pays the grace period in the background, so that the shim
// that creates the container milliseconds later finds it paid. At most one write is in flight;
// kick() never blocks.
class CgroupAttachPrewarmer {
 public:
  // Reads /proc/self/cgroup and the host's cgroup layout once.
  CgroupAttachPrewarmer();
  explicit CgroupAttachPrewarmer(std::string procsFile);
  ~CgroupAttachPrewarmer();  // waits for a write in flight
  CgroupAttachPrewarmer(const CgroupAttachPrewarmer&) = delete;
  CgroupAttachPrewarmer& operator=(const CgroupAttachPrewarmer&) = delete;

  void kick();
  const std::string& procsFile() const { return file_; }

 private:
  static void* run(void* self);
  std::string file_;
  std::atomic<bool> busy_{false};
};

}  // namespace wharf::runtime
