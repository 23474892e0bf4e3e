#include "engine/workdir.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/unique_fd.h"

namespace wharf::engine {

namespace {

int openInRoot(int rootFd, const std::string& rel) {
  struct open_how how {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(
      ::syscall(SYS_openat2, rootFd, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
}

}  // namespace

Status ensureDirInRoot(const std::string& rootfs, const std::string& dir) {
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return sysError("open rootfs " + rootfs);
  // Fast path: it exists (the image has it, or an earlier start made it).
  if (UniqueFd fd(openInRoot(root.get(), dir)); fd) return okStatus();
  std::string prefix;
  size_t pos = 0;
  while (pos < dir.size()) {
    size_t slash = dir.find('/', pos);
    std::string comp = dir.substr(pos, slash == std::string::npos ? slash : slash - pos);
    pos = slash == std::string::npos ? dir.size() : slash + 1;
    if (comp.empty() || comp == ".") continue;
    std::string next = prefix.empty() ? comp : prefix + "/" + comp;
    UniqueFd fd(openInRoot(root.get(), next));
    if (!fd) {
      if (errno != ENOENT) return sysError("open " + dir + " in the container");
      // The parent was resolved inside the root; mkdirat never follows the last component.
      UniqueFd parent(openInRoot(root.get(), prefix));
      if (!parent) return sysError("open " + (prefix.empty() ? "/" : prefix) + " in the container");
      if (::mkdirat(parent.get(), comp.c_str(), 0755) != 0 && errno != EEXIST)
        return sysError("create the working directory " + dir);
    }
    prefix = next;
  }
  if (UniqueFd fd(openInRoot(root.get(), dir)); !fd)
    return sysError("create the working directory " + dir);
  return okStatus();
}

}  // namespace wharf::engine
