#include "runtime/internal/rootfs_protect.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <array>
#include <cerrno>
#include <optional>
#include <string_view>

namespace wharf::runtime {

namespace {

// What runc lets a mount cover inside /proc: files lxcfs serves in place of the kernel's.
constexpr std::array<std::string_view, 10> kProcAllowed = {
    "/proc/cpuinfo", "/proc/diskstats",
    "/proc/meminfo", "/proc/stat",
    "/proc/swaps",   "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo",
    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid"};

bool insideProc(std::string_view p) { return p.size() > 6 && p.substr(0, 6) == "/proc/"; }

bool allowedInProc(std::string_view p) {
  for (auto a : kProcAllowed)
    if (p == a) return true;
  return false;
}

bool isProcfs(const std::string& path) {
  struct statfs sfs;
  return ::statfs(path.c_str(), &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

// The host's /dev/null, opened before pivot_root and checked to be the 1:3 character device:
// a masked path must never be covered with a node or symlink an image or a volume provides.
Result<UniqueFd> openDevNull() {
  UniqueFd fd(::open("/dev/null", O_PATH | O_CLOEXEC));
  if (!fd) return sysError("open the host's /dev/null");
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return sysError("stat the host's /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return internalError(
        "the host's /dev/null is not the null device (1:3): refusing to mask with it");
  return fd;
}

// Resolves a read-only or masked path. Empty result: nothing to protect (the kernel has no such
// file). A path under /proc must land on a procfs, whatever the image or a volume did.
Result<std::optional<PathInRoot>> resolveProtected(sys::Syscalls& sys, int rootFd,
                                                   const std::string& p, bool procMounted,
                                                   const std::string& what) {
  auto r = resolveInRoot(rootFd, p);
  if (!r.ok()) {
    if (r.error().sysErrno() != ENOENT) return std::move(r).error().context(what);
    if (insideProc(p) && procMounted) {
      // Missing is fine only when /proc really is a procfs (an older or newer kernel).
      auto proc = resolveInRoot(rootFd, "/proc");
      bool real = false;
      if (proc.ok())
        if (auto type = sys.fsType(proc->fd.get()); type.ok()) real = *type == PROC_SUPER_MAGIC;
      if (!real) return invalidArgument(what + ": /proc in the container is not a procfs");
    }
    return std::optional<PathInRoot>();
  }
  if (insideProc(p)) {
    WHARF_ASSIGN_OR_RETURN(long type, sys.fsType(r->fd.get()));
    if (type != PROC_SUPER_MAGIC)
      return invalidArgument(what + ": resolves to \"" + r->path +
                             "\", which is not on procfs (a symlink or mount redirected it)");
  }
  return std::optional<PathInRoot>(std::move(*r));
}

bool mountsProc(const oci::Spec& spec) {
  for (const auto& m : spec.mounts)
    if (m.type == "proc" && (m.destination == "/proc" || m.destination == "/proc/")) return true;
  return false;
}

}  // namespace

Status checkMountDestination(sys::Syscalls& sys, const oci::Mount& m, const std::string& source,
                             const PathInRoot& dest) {
  const std::string& p = dest.path;
  if (p == "/proc") {
    bool procSource =
        m.type == "proc" || ((m.type == "bind" || m.type.empty()) && isProcfs(source));
    if (!procSource)
      return invalidArgument("\"" + m.destination +
                             "\" resolves to /proc: only a procfs can be mounted there");
    if (dest.type != S_IFDIR)
      return invalidArgument("\"" + m.destination +
                             "\": /proc must be mounted on an ordinary directory");
    return okStatus();
  }
  if (insideProc(p) && !allowedInProc(p))
    return invalidArgument("\"" + m.destination + "\" resolves to \"" + p +
                           "\", which cannot be mounted because it is inside /proc");
  WHARF_ASSIGN_OR_RETURN(long type, sys.fsType(dest.fd.get()));
  if (type == PROC_SUPER_MAGIC && !allowedInProc(p))
    return invalidArgument("\"" + m.destination + "\" resolves to \"" + p +
                           "\", a file of procfs: refusing to mount over it");
  return okStatus();
}

Result<UniqueFd> reopenTop(const PathInRoot& p) {
  UniqueFd fd(p.name.empty()
                  ? ::fcntl(p.fd.get(), F_DUPFD_CLOEXEC, 3)
                  : ::openat(p.parent.get(), p.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return sysError("reopen \"" + p.path + "\"");
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) return sysError("stat \"" + p.path + "\"");
  if (S_ISLNK(st.st_mode)) return internalError("\"" + p.path + "\" was replaced by a symlink");
  return fd;
}

Status protectPaths(sys::Syscalls& sys, const oci::Spec& spec, int rootFd) {
  if (!spec.linux) return okStatus();
  const bool procMounted = mountsProc(spec);
  // Read-only paths first: a masked path must never be a way to write what they protect.
  for (const auto& p : spec.linux->readonlyPaths) {
    std::string what = "linux.readonlyPaths " + p;
    WHARF_ASSIGN_OR_RETURN(auto r, resolveProtected(sys, rootFd, p, procMounted, what));
    if (!r) continue;
    std::string at = fdPath(r->fd.get());
    WHARF_TRY_CTX(sys.mount(at, at, "", MS_BIND | MS_REC, ""), what);
    auto top = reopenTop(*r);
    if (!top.ok()) return std::move(top).error().context(what);
    WHARF_TRY_CTX(
        sys.mount("", fdPath(top->get()), "",
                  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
        what);
  }
  if (spec.linux->maskedPaths.empty()) return okStatus();
  WHARF_ASSIGN_OR_RETURN(UniqueFd devNull, openDevNull());
  for (const auto& p : spec.linux->maskedPaths) {
    std::string what = "linux.maskedPaths " + p;
    WHARF_ASSIGN_OR_RETURN(auto r, resolveProtected(sys, rootFd, p, procMounted, what));
    if (!r) continue;
    std::string at = fdPath(r->fd.get());
    Status s = r->type == S_IFDIR ? sys.mount("tmpfs", at, "tmpfs", MS_RDONLY, "size=0k")
                                  : sys.mount(fdPath(devNull.get()), at, "", MS_BIND, "");
    WHARF_TRY_CTX(std::move(s), what);
  }
  return okStatus();
}

}  // namespace wharf::runtime
