#include "runtime/internal/procfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wharf::runtime {

namespace {
constexpr ino_t kProcRootIno = 1;
}

Result<UniqueFd> openProcRoot() {
  UniqueFd fd(::open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return sysError("open /proc");
  struct statfs sfs;
  struct stat st;
  if (::fstatfs(fd.get(), &sfs) < 0 || ::fstat(fd.get(), &st) < 0) return sysError("stat /proc");
  if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != kProcRootIno)
    return internalError("/proc of the runtime is not the root of a procfs: mount proc on /proc");
  return fd;
}

Result<UniqueFd> openProcFile(int procFd, std::string_view rel, int flags) {
  std::string path(rel);
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd = static_cast<int>(::syscall(SYS_openat2, procFd, path.c_str(), &how, sizeof how));
  if (fd < 0) return sysError("open /proc/" + path);
  UniqueFd owned(fd);
  struct statfs sfs;
  if (::fstatfs(fd, &sfs) < 0) return sysError("statfs /proc/" + path);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return internalError("/proc/" + path + " is not a procfs file: refusing to use it");
  return owned;
}

Status writeProcFile(int procFd, std::string_view rel, std::string_view value,
                     const std::string& what) {
  auto fd = openProcFile(procFd, rel, O_WRONLY | O_TRUNC);
  if (!fd.ok()) return std::move(fd).error().context(what);
  if (::write(fd->get(), value.data(), value.size()) < 0)
    return sysError(what + ": write /proc/" + std::string(rel));
  return okStatus();
}

}  // namespace wharf::runtime
