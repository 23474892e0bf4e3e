#pragma once
// Watching a container's memory cgroup for OOM kills (what the shim reports to the daemon as
// docker's "oom" event and State.OOMKilled).
//
//   v1: an eventfd registered through cgroup.event_control on memory.oom_control (the kernel
//       signals it whenever the cgroup is under OOM); the count is "oom_kill N" in
//       memory.oom_control (kernel 4.13 and later).
//   v2: inotify on memory.events (the kernel notifies every change of the file); the count is
//       its "oom_kill N" line (hierarchical: kills in child cgroups count too).
// A wake-up only says "look": the counter is the fact (an OOM without a kill, e.g. with
// --oom-kill-disable, or a change of another line of memory.events, counts nothing).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/cgroup/cgroup_manager.h"

namespace wharf::runtime {

class OomWatch {
 public:
  // From the container's cgroup directories (CgroupManager::dirs()); Unavailable when there
  // is no memory cgroup to watch.
  static Result<OomWatch> open(const CgroupLayout& layout, const std::vector<std::string>& dirs);

  // Readable (POLLIN) after something changed; drain() before polling it again.
  int fd() const { return fd_.get(); }
  void drain();
  // The cgroup's OOM kill count now.
  Result<uint64_t> kills() const;
  const std::string& memoryDir() const { return dir_; }

 private:
  bool v2_ = false;
  std::string dir_;
  UniqueFd fd_;       // the eventfd (v1) or inotify fd (v2)
  UniqueFd control_;  // v1: memory.oom_control, open for as long as the eventfd is registered
};

// "oom_kill N" from memory.oom_control (v1) or memory.events (v2) text; nullopt when absent.
std::optional<uint64_t> parseOomKillCount(std::string_view text);

}  // namespace wharf::runtime
