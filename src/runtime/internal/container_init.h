#pragma once
// The container's init between fork and execve: it runs in the child, reports success or the
// first error over the sync socket, then blocks on the exec fifo until start().

#include <string>
#include <utility>
#include <vector>

#include "oci/runtime_spec.h"
#include "runtime/internal/rootfs.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

struct InitConfig {
  const oci::Spec* spec = nullptr;
  std::string rootfs;
  std::string bundle;
  bool noPivot = false;
  int preserveFds = 0;
  int syncFd = -1;
  int fifoFd = -1;     // exec fifo, opened O_RDWR by the parent
  int consoleFd = -1;  // connected console socket (terminal only)
  int procFd = -1;     // the runtime's procfs (procfs.h), opened before the fork
  StdioFds stdio;
  std::vector<std::string> cgroupProcs;  // cgroup.procs files to join
  CgroupMountSource cgroupMount;
  std::vector<std::pair<int, int>> joinNamespaces;  // (fd, CLONE_NEW*) to setns into
  int unshareFlags = 0;                             // new namespaces, without pid and user
  bool newUserNs = false;
  bool userNsFromClone = false;
  PreparedSeccomp* seccomp = nullptr;  // made by the parent before the fork (may be cached)
  std::vector<std::pair<size_t, int>> idmapUserns;  // see RootfsConfig  // already in it:
                                                    // clone(CLONE_NEWUSER|CLONE_NEWPID) made both
};

// Never returns: execs the process or _exits after reporting the error.
[[noreturn]] void runInit(const InitConfig& cfg);

}  // namespace wharf::runtime
