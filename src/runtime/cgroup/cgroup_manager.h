#pragma once
// One container's cgroup across the host's hierarchies (youki's libcgroups shape): v1 (one dir
// per mounted controller hierarchy, this machine's hybrid layout) or v2 (one unified dir).
//
//   v1:  /sys/fs/cgroup/<hierarchy>/<cgroupsPath>   e.g. /sys/fs/cgroup/memory/wharf/<id>
//   v2:  /sys/fs/cgroup/<cgroupsPath>
//
// cgroupsPath: absolute ("/wharf/<id>") is below each hierarchy's root; relative ("x/<id>") is
// below the calling process's own cgroup; "slice:prefix:name" (systemd style) maps to
// "/slice/prefix-name.scope"; empty means "/wharf/<id>".

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"
#include "runtime/internal/rootfs.h"

namespace wharf::runtime {

struct CgroupLayout {
  std::string mountRoot = "/sys/fs/cgroup";
  bool v2 = false;                       // pure v2: mountRoot itself is cgroup2
  std::vector<std::string> hierarchies;  // v1 dir names: "cpu", "memory", "systemd", ...
};

// Looks at mountRoot once: statfs() for cgroup2, else its v1 hierarchy directories ("unified",
// the empty v2 mount of hybrid hosts, is not used).
Result<CgroupLayout> detectCgroupLayout(const std::string& mountRoot = "/sys/fs/cgroup");

// The spec's cgroupsPath in normal form: absolute, or relative (no leading '/').
Result<std::string> normalizeCgroupsPath(std::string_view cgroupsPath, std::string_view id);

// One line of /proc/<pid>/cgroup: "N:controllers:/path" ("0::/path" for v2,
// "N:name=systemd:/path" for named hierarchies; `controllers` keeps the "name=" prefix).
struct ProcCgroupLine {
  std::string_view controllers;
  std::string_view path;
};
// The well-formed lines of that file, in order; the views point into `text`.
std::vector<ProcCgroupLine> parseProcCgroup(std::string_view text);

// Host directory of `path` (from normalizeCgroupsPath) in hierarchy `hierarchy` ("" for v2).
// selfCgroups: the caller's /proc/self/cgroup text, needed only for relative paths.
std::string cgroupDir(const CgroupLayout& layout, std::string_view hierarchy, std::string_view path,
                      std::string_view selfCgroups);

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  virtual bool isV2() const = 0;
  // The host directories, persisted in the state file to reopen the manager later.
  virtual const std::vector<std::string>& dirs() const = 0;
  virtual Status create() = 0;
  virtual Status apply(const oci::Resources& resources) = 0;
  // A live change of a running container's limits (runc update): as apply(), but the device
  // rules are left as they are (resources.devices is ignored) and absent parts change nothing.
  virtual Status update(const oci::Resources& resources) = 0;
  // The cgroup.procs files the init writes "0" into to join.
  virtual std::vector<std::string> procsFiles() const = 0;
  virtual Status freeze(bool frozen) = 0;
  virtual Result<bool> isFrozen() const = 0;
  virtual Result<std::vector<int>> pids() const = 0;
  // Removes the directories; waits briefly for exiting tasks to leave.
  virtual Status destroy() = 0;
  virtual CgroupMountSource mountSource() const = 0;
};

// A manager for a new container cgroup.
Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const CgroupLayout& layout,
                                                         std::string_view path);
// A manager for an existing one, from its persisted directories.
std::unique_ptr<CgroupManager> openCgroupManager(const CgroupLayout& layout,
                                                 std::vector<std::string> dirs);

// Helpers shared by the backends.
Status writeCgroupFile(const std::string& dir, std::string_view file, std::string_view value);
Result<std::string> readCgroupFile(const std::string& dir, std::string_view file);
Status removeCgroupDir(const std::string& dir);

// linux.resources.hugepageLimits: every pageSize ("2MB", "1GB", "64KB") must be a huge page size
// this kernel has (a directory hugepages-<kB>kB under hugepagesDir), as runc checks.
Status validateHugepageLimits(const std::vector<oci::HugepageLimit>& limits,
                              const std::string& hugepagesDir = "/sys/kernel/mm/hugepages");

}  // namespace wharf::runtime
