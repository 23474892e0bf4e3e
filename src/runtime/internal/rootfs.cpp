#include "runtime/internal/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <array>
#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/internal/path_in_root.h"
#include "runtime/internal/rootfs_protect.h"

namespace wharf::runtime {

namespace {

struct OptionFlag {
  std::string_view name;
  bool clear;  // "rw" clears MS_RDONLY
  unsigned long flag;
};

constexpr std::array<OptionFlag, 26> kFlags = {{
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"relatime", false, MS_RELATIME},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
}};

constexpr std::array<std::pair<std::string_view, unsigned long>, 8> kPropagation = {{
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
}};

unsigned long propagationFlags(std::string_view name) {
  for (const auto& [n, f] : kPropagation)
    if (n == name) return f;
  return 0;
}

std::string joinPath(const std::string& a, const std::string& b) {
  if (b.empty()) return a;
  if (!a.empty() && a.back() == '/') return b[0] == '/' ? a + b.substr(1) : a + b;
  return b[0] == '/' ? a + b : a + "/" + b;
}

// Bind mounts ignore most flags on the first call; they take effect on a remount.
constexpr unsigned long kRemountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                       MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

// MS_* flags as mount_setattr's MOUNT_ATTR_* (those it can set recursively).
uint64_t mountAttrs(unsigned long flags) {
  uint64_t a = 0;
  if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

Status remountTop(sys::Syscalls& sys, const PathInRoot& dest, unsigned long flags) {
  WHARF_ASSIGN_OR_RETURN(UniqueFd top, reopenTop(dest));
  return sys.mount("", fdPath(top.get()), "", MS_BIND | MS_REMOUNT | flags, "");
}

Status mountCgroup(sys::Syscalls& sys, const RootfsConfig& cfg, const PathInRoot& dest,
                   const MountOptions& mo) {
  const auto& cg = cfg.cgroups;
  std::string at = fdPath(dest.fd.get());
  if (cg.v2) {
    if (cfg.newCgroupNs) return sys.mount("cgroup2", at, "cgroup2", mo.flags, "");
    // Without a cgroup namespace, show only the container's own cgroup.
    WHARF_TRY(sys.mount(cg.v2Path, at, "", MS_BIND, ""));
    return remountTop(sys, dest, mo.flags & kRemountable);
  }
  // v1: a tmpfs holding one bind mount per hierarchy, each showing the container's cgroup.
  unsigned long base = mo.flags & ~MS_RDONLY;
  WHARF_TRY(sys.mount("tmpfs", at, "tmpfs", base, "mode=755"));
  WHARF_ASSIGN_OR_RETURN(UniqueFd tmpfs, reopenTop(dest));
  for (const auto& [name, hostDir] : cg.v1) {
    WHARF_ASSIGN_OR_RETURN(PathInRoot sub, resolveInRoot(tmpfs.get(), name, {Create::kDirs}));
    WHARF_TRY(sys.mount(hostDir, fdPath(sub.fd.get()), "", MS_BIND, ""));
    WHARF_TRY(remountTop(sys, sub, mo.flags & kRemountable));
  }
  if (mo.flags & MS_RDONLY)
    WHARF_TRY(sys.mount("", fdPath(tmpfs.get()), "", MS_REMOUNT | mo.flags, "mode=755"));
  return okStatus();
}

Status mountBind(sys::Syscalls& sys, const RootfsConfig& cfg, const oci::Mount& m, size_t idx,
                 const MountOptions& mo, int rootFd) {
  std::string src = m.source;
  if (src.empty() || src[0] != '/') src = joinPath(cfg.bundle, src);
  WHARF_ASSIGN_OR_RETURN(struct stat st, sys.stat(src));
  ResolveOptions ro;
  ro.create = S_ISDIR(st.st_mode) ? Create::kDirs : Create::kFile;
  WHARF_ASSIGN_OR_RETURN(PathInRoot dest, resolveInRoot(rootFd, m.destination, ro));
  WHARF_TRY(checkMountDestination(sys, m, src, dest));
  std::string at = fdPath(dest.fd.get());
  if (!m.uidMappings.empty() || !m.gidMappings.empty()) {
    int userns = -1;
    for (const auto& [i, fd] : cfg.idmapUserns)
      if (i == idx) userns = fd;
    if (userns < 0) return internalError("no user namespace for its id mappings");
    WHARF_TRY(sys.mountIdmapped(src, at, userns, mo.flags & MS_REC));
  } else {
    WHARF_TRY(sys.mount(src, at, "", MS_BIND | (mo.flags & MS_REC), ""));
  }
  if (mo.flags & kRemountable) WHARF_TRY(remountTop(sys, dest, mo.flags & kRemountable));
  if (mo.recursiveReadonly) {
    WHARF_ASSIGN_OR_RETURN(UniqueFd top, reopenTop(dest));
    WHARF_TRY(sys.mountSetattr(fdPath(top.get()), true, MOUNT_ATTR_RDONLY, 0));
  }
  if (mo.propagation) {
    WHARF_ASSIGN_OR_RETURN(UniqueFd top, reopenTop(dest));
    WHARF_TRY(sys.mount("", fdPath(top.get()), "", mo.propagation, ""));
  }
  return okStatus();
}

Status mountFilesystem(sys::Syscalls& sys, const RootfsConfig& cfg, const oci::Mount& m,
                       const MountOptions& mo, int rootFd) {
  ResolveOptions ro;
  ro.create = Create::kDirs;
  // procfs and sysfs must go on a real directory: a symlink there would send every masked
  // path, read-only path and sysctl somewhere else (CVE-2023-28642).
  const bool special = m.type == "proc" || m.type == "sysfs";
  ro.noFollowLast = special;
  WHARF_ASSIGN_OR_RETURN(PathInRoot dest, resolveInRoot(rootFd, m.destination, ro));
  if (special && dest.type != S_IFDIR)
    return invalidArgument("\"" + dest.path + "\" must be mounted on an ordinary directory");
  WHARF_TRY(checkMountDestination(sys, m, m.source, dest));
  std::string at = fdPath(dest.fd.get());
  if (m.type == "cgroup") {
    WHARF_TRY(mountCgroup(sys, cfg, dest, mo));
  } else {
    auto st = sys.mount(m.source, at, m.type, mo.flags, mo.data);
    if (!st.ok() && m.type == "sysfs" && st.error().sysErrno() == EPERM) {
      // Without its own network namespace the kernel refuses a new sysfs: bind the host's,
      // with the flags on every mount below it too (the host's /sys has submounts).
      WHARF_TRY(sys.mount("/sys", at, "", MS_BIND | MS_REC, ""));
      WHARF_ASSIGN_OR_RETURN(UniqueFd top, reopenTop(dest));
      st = sys.mountSetattr(fdPath(top.get()), true, mountAttrs(mo.flags), 0);
    }
    if (!st.ok() && m.type == "mqueue" && cfg.newUserNs) {
      st = sys.mount("/dev/mqueue", at, "", MS_BIND | MS_REC, "");
    }
    WHARF_TRY(std::move(st));
  }
  if (mo.propagation) {
    WHARF_ASSIGN_OR_RETURN(UniqueFd top, reopenTop(dest));
    WHARF_TRY(sys.mount("", fdPath(top.get()), "", mo.propagation, ""));
  }
  return okStatus();
}

Status mountOne(sys::Syscalls& sys, const RootfsConfig& cfg, const oci::Mount& m, size_t idx,
                int rootFd) {
  auto ctx = "mounts[" + std::to_string(idx) + "] (" + m.destination + ")";
  MountOptions mo = parseMountOptions(m.options);
  if (m.type == "bind") mo.bind = true, mo.flags |= MS_BIND;
  Status st =
      mo.bind ? mountBind(sys, cfg, m, idx, mo, rootFd) : mountFilesystem(sys, cfg, m, mo, rootFd);
  if (!st.ok()) return std::move(st).error().context(ctx);
  return okStatus();
}

struct DefaultDevice {
  const char* path;
  unsigned major, minor;
};
constexpr std::array<DefaultDevice, 6> kDefaultDevices = {{
    {"/dev/null", 1, 3},
    {"/dev/zero", 1, 5},
    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8},
    {"/dev/urandom", 1, 9},
    {"/dev/tty", 5, 0},
}};

Status createDevice(sys::Syscalls& sys, const RootfsConfig& cfg, int rootFd,
                    const std::string& path, mode_t type, unsigned major, unsigned minor,
                    mode_t perm, uid_t uid, gid_t gid) {
  auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string parent = slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
  if (name.empty() || name == "." || name == "..")
    return invalidArgument("\"" + path + "\" is not a device path");
  WHARF_ASSIGN_OR_RETURN(PathInRoot dir, resolveInRoot(rootFd, parent, {Create::kDirs}));
  std::string at = fdPath(dir.fd.get()) + "/" + name;
  if (!cfg.newUserNs) {
    auto st = sys.mknod(at, type | perm, makedev(major, minor));
    if (st.ok()) return sys.chown(at, uid, gid);
    if (st.error().sysErrno() == EEXIST) return okStatus();
    if (st.error().sysErrno() != EPERM) return st;
  }
  // In a user namespace mknod is refused: bind the host's node onto an empty file.
  ResolveOptions ro;
  ro.create = Create::kFile;
  ro.noFollowLast = true;
  WHARF_ASSIGN_OR_RETURN(PathInRoot file, resolveInRoot(dir.fd.get(), name, ro));
  if (file.type == S_IFLNK) return invalidArgument("\"" + path + "\" is a symlink");
  return sys.mount(path, fdPath(file.fd.get()), "", MS_BIND, "");
}

bool hasMountAt(const oci::Spec& spec, std::string_view dest) {
  for (const auto& m : spec.mounts)
    if (m.destination == dest) return true;
  return false;
}

}  // namespace

MountOptions parseMountOptions(const std::vector<std::string>& options) {
  MountOptions mo;
  for (const auto& o : options) {
    if (o == "bind" || o == "rbind") {
      mo.bind = true;
      mo.flags |= MS_BIND | (o == "rbind" ? MS_REC : 0);
      continue;
    }
    // Options meant for other runtimes or for the engine, never for mount(2).
    if (o == "tmpcopyup" || o == "notmpcopyup" || o == "copy-symlink" || o == "idmap" ||
        o == "ridmap" || o == "z" || o == "Z" || o == "U" || o.rfind("x-", 0) == 0)
      continue;
    if (o == "rro") {  // recursive read-only: read-only, then mount_setattr on every submount
      mo.flags |= MS_RDONLY;
      mo.recursiveReadonly = true;
      continue;
    }
    if (auto p = propagationFlags(o)) {
      mo.propagation = p;
      continue;
    }
    bool known = false;
    for (const auto& f : kFlags) {
      if (f.name != o) continue;
      known = true;
      if (f.clear)
        mo.flags &= ~f.flag;
      else
        mo.flags |= f.flag;
    }
    if (!known) mo.data += (mo.data.empty() ? "" : ",") + o;
  }
  return mo;
}

std::string mountPointOf(std::string_view mountinfo, const std::string& path) {
  std::string best;
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t eol = mountinfo.find('\n', pos);
    if (eol == std::string_view::npos) eol = mountinfo.size();
    std::string_view line = mountinfo.substr(pos, eol - pos);
    pos = eol + 1;
    // id parent major:minor root mountpoint ...: the 5th field, with octal escapes (\040).
    size_t start = 0;
    for (int field = 0; field < 4 && start != std::string_view::npos; ++field) {
      start = line.find(' ', start);
      if (start != std::string_view::npos) ++start;
    }
    if (start == std::string_view::npos) continue;
    std::string_view raw = line.substr(start, line.find(' ', start) - start);
    std::string point;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 3 < raw.size()) {
        point += static_cast<char>((raw[i + 1] - '0') * 64 + (raw[i + 2] - '0') * 8 +
                                   (raw[i + 3] - '0'));
        i += 3;
      } else {
        point += raw[i];
      }
    }
    bool contains = point == "/" || path == point ||
                    (path.size() > point.size() && path.compare(0, point.size(), point) == 0 &&
                     path[point.size()] == '/');
    if (contains && point.size() >= best.size()) best = point;
  }
  return best;
}

namespace {

// The spec's mounts, /dev, read-only and masked paths, all by fd inside rootFd.
Status mountAll(sys::Syscalls& sys, const RootfsConfig& cfg, int rootFd) {
  const oci::Spec& spec = *cfg.spec;

  for (size_t i = 0; i < spec.mounts.size(); ++i)
    WHARF_TRY(mountOne(sys, cfg, spec.mounts[i], i, rootFd));

  // Devices: when /dev is the container's own (a tmpfs from the spec), fill it like runc.
  if (hasMountAt(spec, "/dev")) {
    for (const auto& d : kDefaultDevices)
      WHARF_TRY_CTX(createDevice(sys, cfg, rootFd, d.path, S_IFCHR, d.major, d.minor, 0666, 0, 0),
                    std::string("device ") + d.path);
    WHARF_ASSIGN_OR_RETURN(PathInRoot dev, resolveInRoot(rootFd, "/dev"));
    std::string at = fdPath(dev.fd.get());
    WHARF_TRY(sys.symlink("/proc/self/fd", at + "/fd"));
    WHARF_TRY(sys.symlink("/proc/self/fd/0", at + "/stdin"));
    WHARF_TRY(sys.symlink("/proc/self/fd/1", at + "/stdout"));
    WHARF_TRY(sys.symlink("/proc/self/fd/2", at + "/stderr"));
    if (hasMountAt(spec, "/dev/pts")) WHARF_TRY(sys.symlink("pts/ptmx", at + "/ptmx"));
  }
  if (spec.linux) {
    for (size_t i = 0; i < spec.linux->devices.size(); ++i) {
      const auto& d = spec.linux->devices[i];
      mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
      mode_t perm = d.fileMode ? (*d.fileMode & 07777) : 0666;
      WHARF_TRY_CTX(
          createDevice(sys, cfg, rootFd, d.path, type, static_cast<unsigned>(d.major),
                       static_cast<unsigned>(d.minor), perm, d.uid.value_or(0), d.gid.value_or(0)),
          "linux.devices[" + std::to_string(i) + "]");
    }
  }
  return protectPaths(sys, spec, rootFd);
}

}  // namespace

Status prepareRootfs(sys::Syscalls& sys, const RootfsConfig& cfg) {
  const oci::Spec& spec = *cfg.spec;
  // As runc: "/" gets rootfsPropagation (default rslave), so that a shared or slave bind
  // mount keeps its link with the host's mount; the rootfs's own mount is then made private
  // so that nothing mounted in the rootfs (proc, dev, the binds themselves) reaches the host.
  std::string prop = spec.linux ? spec.linux->rootfsPropagation : "";
  unsigned long first = MS_SLAVE | MS_REC;
  if (!prop.empty()) {
    first = propagationFlags(prop);
    if (first == 0)
      return invalidArgument("linux.rootfsPropagation: unknown value \"" + prop + "\"");
  }
  WHARF_TRY_CTX(sys.mount("", "/", "", first, ""), "linux.rootfsPropagation");
  if (!cfg.rootfsMountPoint.empty())
    WHARF_TRY_CTX(sys.mount("", cfg.rootfsMountPoint, "", MS_PRIVATE, ""),
                  "make the rootfs's mount private");
  WHARF_TRY(sys.mount(cfg.rootfs, cfg.rootfs, "", MS_BIND | MS_REC, ""));
  // From here on, nothing inside the rootfs is named by a path: the rootfs's fd (the bind just
  // made) is the root of every resolution, and fds are named relative to our procfs.
  UniqueFd rootFd(::open(cfg.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd) return sysError("open the rootfs \"" + cfg.rootfs + "\"");
  UniqueFd cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cwd) return sysError("open the working directory");
  WHARF_TRY_CTX(sys.fchdir(cfg.procFd), "enter the runtime's procfs");
  Status st = mountAll(sys, cfg, rootFd.get());
  WHARF_TRY_CTX(sys.fchdir(cwd.get()), "return to the working directory");
  return st;
}

Status enterRootfs(sys::Syscalls& sys, const std::string& rootfs, bool noPivot) {
  if (noPivot) {
    WHARF_TRY(sys.chdir(rootfs));
    WHARF_TRY(sys.mount(rootfs, "/", "", MS_MOVE, ""));
    WHARF_TRY(sys.chroot("."));
    return sys.chdir("/");
  }
  // pivot_root(".", ".") stacks the old root on top of the new one; detach it from inside.
  WHARF_ASSIGN_OR_RETURN(int oldRaw, sys.open("/", O_DIRECTORY | O_RDONLY));
  UniqueFd oldRoot(oldRaw);
  WHARF_ASSIGN_OR_RETURN(int newRaw, sys.open(rootfs, O_DIRECTORY | O_RDONLY));
  UniqueFd newRoot(newRaw);
  WHARF_TRY(sys.fchdir(newRoot.get()));
  WHARF_TRY(sys.pivotRoot(".", "."));
  WHARF_TRY(sys.fchdir(oldRoot.get()));
  WHARF_TRY(sys.mount("", ".", "", MS_SLAVE | MS_REC, ""));
  WHARF_TRY(sys.umount2(".", MNT_DETACH));
  return sys.chdir("/");
}

Status finishRootfs(sys::Syscalls& sys, const RootfsConfig& cfg) {
  const oci::Spec& spec = *cfg.spec;
  if (spec.root && spec.root->readonly)
    WHARF_TRY_CTX(sys.mount("", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY, ""), "root.readonly");
  // Applied again once the rootfs is "/": it was made private above.
  std::string prop = spec.linux ? spec.linux->rootfsPropagation : "";
  if (!prop.empty()) {
    unsigned long f = propagationFlags(prop);
    if (f == 0) return invalidArgument("linux.rootfsPropagation: unknown value \"" + prop + "\"");
    WHARF_TRY_CTX(sys.mount("", "/", "", f, ""), "linux.rootfsPropagation");
  }
  return okStatus();
}

}  // namespace wharf::runtime
