#pragma once
// Paths inside a container's rootfs, resolved and created by file descriptor only (the
// discipline of libpathrs / runc's MkdirAllInRoot): a path given by a config or an image is
// walked one component at a time with openat(O_PATH|O_NOFOLLOW) from a directory fd we hold;
// symlinks are read with readlinkat and resolved as if the rootfs were "/", so neither ".." nor
// a symlink (absolute or relative) leaves the root; missing components are created with
// mkdirat/openat on the verified parent fd. Because every step uses the fd of the directory
// actually reached, swapping a component for a symlink after it was checked (CVE-2021-30465,
// CVE-2024-45310) cannot redirect what follows: the result is an fd, and the caller mounts on
// that fd ("/proc/self/fd/N" through a procfs it trusts), never on a path string.

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::runtime {

struct PathInRoot {
  UniqueFd fd;       // O_PATH fd of the file itself
  UniqueFd parent;   // O_PATH fd of the directory holding it (of the root for "/")
  std::string name;  // its name in parent ("" for the root)
  std::string path;  // where it is inside the root, symlinks resolved: "/etc/hosts"
  mode_t type = 0;   // S_IFDIR, S_IFREG, ... (S_IFLNK only with kNoFollowLast)
};

enum class Create {
  kNone,  // everything must exist
  kDirs,  // mkdir -p (the last component too)
  kFile,  // mkdir -p the parents, an empty regular file for the last one if missing
};

struct ResolveOptions {
  Create create = Create::kNone;
  mode_t dirMode = 0755;
  mode_t fileMode = 0644;
  bool noFollowLast = false;  // a symlink as the last component is returned as such
};

// Resolves `unsafePath` inside the directory `rootFd` (an O_PATH or O_DIRECTORY fd).
Result<PathInRoot> resolveInRoot(int rootFd, std::string_view unsafePath,
                                 const ResolveOptions& opts = {});

// "/proc/self/fd/N" style path of fd N relative to a procfs root used as the working
// directory: the mount code fchdir()s into its private procfs and names fds this way.
std::string fdPath(int fd);

}  // namespace wharf::runtime
