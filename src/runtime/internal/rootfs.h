#pragma once
// The container's filesystem view, planned and executed through the Syscalls seam so the exact
// sequence of mounts is unit-testable. Runs in the container's init, in its new mount namespace:
//   prepareRootfs (before pivot_root: the spec's mounts, devices, read-only and masked paths)
//   -> enterRootfs (pivot_root or chroot) -> finishRootfs (read-only root, propagation).
// Every destination inside the rootfs is resolved and created by fd (path_in_root.h) and
// mounted on that fd, named "self/fd/N" relative to the runtime's procfs (procfs.h), which is
// the working directory while prepareRootfs runs. Destinations inside /proc are refused but
// for the few runc allows (lxcfs), /proc and /sys must be real directories, and masked paths
// are covered with the host's /dev/null (checked to be the 1:3 device), never the image's.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/sys/syscalls.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

struct MountOptions {
  unsigned long flags = 0;         // MS_* set by the options
  unsigned long propagation = 0;   // MS_PRIVATE/MS_SHARED/... (| MS_REC), applied after mounting
  bool bind = false;               // bind or rbind (MS_BIND in flags, MS_REC for rbind)
  std::string data;                // everything the kernel parses itself: mode=755, size=...
  bool recursiveReadonly = false;  // "rro": read-only on every mount below too (mount_setattr)
};
// Translates an OCI mount's options (ro nosuid rbind rprivate mode=755 ...).
MountOptions parseMountOptions(const std::vector<std::string>& options);

// Where the container's cgroups are on the host, for a "cgroup" mount.
struct CgroupMountSource {
  bool v2 = false;
  std::string v2Path;                                   // host dir of the container's cgroup
  std::vector<std::pair<std::string, std::string>> v1;  // hierarchy dir name -> host dir
};

struct RootfsConfig {
  std::string rootfs;  // absolute host path
  std::string bundle;  // relative bind sources are relative to it
  const oci::Spec* spec = nullptr;
  bool noPivot = false;
  bool newUserNs = false;
  bool newCgroupNs = false;
  CgroupMountSource cgroups;
  // For mounts with uidMappings/gidMappings: index in spec.mounts -> a user namespace fd
  // carrying those mappings (made by the runtime before fork).
  std::vector<std::pair<size_t, int>> idmapUserns;
  // The mount the rootfs lives on (mountPointOf), made private before the rootfs is bound so
  // that nothing mounted in the rootfs reaches the host, whatever rootfsPropagation says.
  std::string rootfsMountPoint;
  // The runtime's procfs root (procfs.h): fds are named relative to it while mounting.
  int procFd = -1;
};

// The mount point, in a /proc/self/mountinfo text, of the mount holding the absolute, resolved
// `path` (the longest mount point that is `path` or one of its parents; the last one listed
// when mounts are stacked). Empty if there is none.
std::string mountPointOf(std::string_view mountinfo, const std::string& path);

// Sets "/" to rootfsPropagation (default rslave) as runc does, makes the rootfs's own mount
// private, binds the rootfs onto itself, performs the spec's mounts under it, creates /dev's
// devices and symlinks, then the read-only paths and the masked paths (in that order).
Status prepareRootfs(sys::Syscalls& sys, const RootfsConfig& cfg);
// pivot_root into rootfs and detaches the old root (or MS_MOVE + chroot with noPivot).
Status enterRootfs(sys::Syscalls& sys, const std::string& rootfs, bool noPivot);
// In the new root: read-only root, rootfsPropagation.
Status finishRootfs(sys::Syscalls& sys, const RootfsConfig& cfg);

}  // namespace wharf::runtime
