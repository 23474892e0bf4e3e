#include "runtime/sealed_exe.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/unique_fd.h"

extern char** environ;

namespace wharf::runtime {

namespace {

constexpr unsigned kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

int fsopen(const char* fs) { return static_cast<int>(::syscall(SYS_fsopen, fs, FSOPEN_CLOEXEC)); }
int fsconfig(int fd, unsigned cmd, const char* key, const void* value, int aux) {
  return static_cast<int>(::syscall(SYS_fsconfig, fd, cmd, key, value, aux));
}
int fsmount(int fd) {
  return static_cast<int>(
      ::syscall(SYS_fsmount, fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
}

// A detached mount of `fs` configured by `setup`, or an invalid fd.
template <typename Setup>
UniqueFd detachedMount(const char* fs, Setup&& setup) {
  UniqueFd ctx(fsopen(fs));
  if (!ctx || !setup(ctx.get())) return {};
  if (fsconfig(ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return {};
  return UniqueFd(fsmount(ctx.get()));
}

// Our executable, opened O_PATH from the read-only overlay; invalid if that is not possible.
UniqueFd openThroughOverlay(const std::string& exe) {
  auto slash = exe.find_last_of('/');
  if (slash == std::string::npos) return {};
  std::string dir = slash == 0 ? "/" : exe.substr(0, slash);
  std::string base = exe.substr(slash + 1);
  UniqueFd empty = detachedMount("tmpfs", [](int fd) {
    return fsconfig(fd, FSCONFIG_SET_STRING, "size", "4k", 0) == 0 &&
           fsconfig(fd, FSCONFIG_SET_STRING, "mode", "0500", 0) == 0;
  });
  if (!empty) return {};
  std::string lower = dir + ":/proc/self/fd/" + std::to_string(empty.get());
  UniqueFd overlay = detachedMount("overlay", [&](int fd) {
    return fsconfig(fd, FSCONFIG_SET_STRING, "lowerdir", lower.c_str(), 0) == 0;
  });
  if (!overlay) return {};
  return UniqueFd(::openat(overlay.get(), base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
}

UniqueFd sealedMemfdCopy(const std::string& path) {
  UniqueFd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!src) return {};
  struct stat st;
  if (::fstat(src.get(), &st) < 0) return {};
  UniqueFd mem(::memfd_create("wharf-sealed-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mem) return {};
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::sendfile(mem.get(), src.get(), nullptr, static_cast<size_t>(left));
    if (n <= 0) return {};
    left -= n;
  }
  if (::fcntl(mem.get(), F_ADD_SEALS, kSeals) < 0) return {};
  return mem;
}

}  // namespace

bool selfExeIsProtected() {
  UniqueFd fd(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  int seals = ::fcntl(fd.get(), F_GET_SEALS);
  if (seals >= 0 && (seals & kSeals) == static_cast<int>(kSeals)) return true;
  struct statfs sfs;
  struct statvfs svfs;
  return ::fstatfs(fd.get(), &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC &&
         ::fstatvfs(fd.get(), &svfs) == 0 && (svfs.f_flag & ST_RDONLY);
}

Result<UniqueFd> openReadOnlyCopy(const std::string& path) {
  UniqueFd fd = openThroughOverlay(path);
  if (!fd) fd = sealedMemfdCopy(path);
  if (!fd) return sysError("make a read-only copy of \"" + path + "\"");
  return fd;
}

Status ensureSealedExe(char** argv) {
  // A process started with execveat(fd, "") (by us below, or by wharfd for a shim) is named
  // after the fd ("4"): give it back its own name, so `ps -e`, `top` and `pgrep wharf-shim`
  // show what runs.
  if (argv && argv[0]) {
    const char* base = std::strrchr(argv[0], '/');
    ::prctl(PR_SET_NAME, base ? base + 1 : argv[0], 0, 0, 0);
  }
  if (std::getenv(kSealedExeEnv) != nullptr) {
    ::unsetenv(kSealedExeEnv);  // never passed on to hooks or containers
    if (selfExeIsProtected()) return okStatus();
    return internalError(
        "re-executed from a protected copy of the executable, but /proc/self/exe is not "
        "read-only: refusing to put processes into containers");
  }
  if (selfExeIsProtected()) return okStatus();
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return sysError("readlink /proc/self/exe");
  std::string exe(buf, static_cast<size_t>(n));
  UniqueFd fd = openThroughOverlay(exe);
  if (!fd) fd = sealedMemfdCopy("/proc/self/exe");
  if (!fd)
    return sysError(
        "make a read-only copy of our executable (needs overlayfs or memfd_create with sealing)");
  if (::setenv(kSealedExeEnv, "1", 1) < 0) return sysError("setenv");
  ::syscall(SYS_execveat, fd.get(), "", argv, environ, AT_EMPTY_PATH);
  int err = errno;
  ::unsetenv(kSealedExeEnv);
  return sysError("re-execute from a read-only copy of " + exe, err);
}

}  // namespace wharf::runtime
