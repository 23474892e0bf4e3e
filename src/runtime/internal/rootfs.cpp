#include "runtime/internal/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <array>
#include <cerrno>

#include "common/unique_fd.h"

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

std::string dirName(const std::string& p) {
  auto pos = p.find_last_of('/');
  if (pos == std::string::npos || pos == 0) return "/";
  return p.substr(0, pos);
}

// Creates the mount point: a directory, or an empty file when the source is not a directory.
Status makeTarget(sys::Syscalls& sys, const std::string& target, bool dir) {
  if (dir) return sys.mkdirAll(target, 0755);
  WHARF_TRY(sys.mkdirAll(dirName(target), 0755));
  return sys.touch(target);
}

// Bind mounts ignore most flags on the first call; they take effect on a remount.
constexpr unsigned long kRemountable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                       MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

Status mountCgroup(sys::Syscalls& sys, const RootfsConfig& cfg, const std::string& dest,
                   const MountOptions& mo) {
  const auto& cg = cfg.cgroups;
  if (cg.v2) {
    if (cfg.newCgroupNs) return sys.mount("cgroup2", dest, "cgroup2", mo.flags, "");
    // Without a cgroup namespace, show only the container's own cgroup.
    WHARF_TRY(sys.mount(cg.v2Path, dest, "", MS_BIND, ""));
    return sys.mount("", dest, "", MS_BIND | MS_REMOUNT | (mo.flags & kRemountable), "");
  }
  // v1: a tmpfs holding one bind mount per hierarchy, each showing the container's cgroup.
  unsigned long base = mo.flags & ~MS_RDONLY;
  WHARF_TRY(sys.mount("tmpfs", dest, "tmpfs", base, "mode=755"));
  for (const auto& [name, hostDir] : cg.v1) {
    std::string sub = joinPath(dest, name);
    WHARF_TRY(sys.mkdirAll(sub, 0755));
    WHARF_TRY(sys.mount(hostDir, sub, "", MS_BIND, ""));
    WHARF_TRY(sys.mount("", sub, "", MS_BIND | MS_REMOUNT | (mo.flags & kRemountable), ""));
  }
  if (mo.flags & MS_RDONLY) WHARF_TRY(sys.mount("", dest, "", MS_REMOUNT | mo.flags, "mode=755"));
  return okStatus();
}

Status mountOne(sys::Syscalls& sys, const RootfsConfig& cfg, const oci::Mount& m, size_t idx) {
  auto ctx = "mounts[" + std::to_string(idx) + "] (" + m.destination + ")";
  WHARF_ASSIGN_OR_RETURN(std::string dest, secureJoin(sys, cfg.rootfs, m.destination));
  MountOptions mo = parseMountOptions(m.options);
  if (m.type == "bind") mo.bind = true, mo.flags |= MS_BIND;

  if (mo.bind) {
    std::string src = m.source;
    if (src.empty() || src[0] != '/') src = joinPath(cfg.bundle, src);
    auto st = sys.stat(src);
    if (!st.ok()) return std::move(st).error().context(ctx);
    WHARF_TRY_CTX(makeTarget(sys, dest, S_ISDIR(st->st_mode)), ctx);
    int userns = -1;
    for (const auto& [i, fd] : cfg.idmapUserns)
      if (i == idx) userns = fd;
    if (!m.uidMappings.empty() || !m.gidMappings.empty()) {
      if (userns < 0) return internalError(ctx + ": no user namespace for its id mappings");
      WHARF_TRY_CTX(sys.mountIdmapped(src, dest, userns, mo.flags & MS_REC), ctx);
    } else {
      WHARF_TRY_CTX(sys.mount(src, dest, "", MS_BIND | (mo.flags & MS_REC), ""), ctx);
    }
    if (mo.flags & kRemountable)
      WHARF_TRY_CTX(sys.mount("", dest, "", MS_BIND | MS_REMOUNT | (mo.flags & kRemountable), ""),
                    ctx);
  } else if (m.type == "cgroup") {
    WHARF_TRY_CTX(sys.mkdirAll(dest, 0755), ctx);
    WHARF_TRY_CTX(mountCgroup(sys, cfg, dest, mo), ctx);
  } else {
    WHARF_TRY_CTX(sys.mkdirAll(dest, 0755), ctx);
    auto st = sys.mount(m.source, dest, m.type, mo.flags, mo.data);
    if (!st.ok() && m.type == "sysfs" && (st.error().sysErrno() == EPERM)) {
      // Without its own network namespace the kernel refuses a new sysfs: bind the host's.
      unsigned long ro = mo.flags & kRemountable;
      WHARF_TRY_CTX(sys.mount("/sys", dest, "", MS_BIND | MS_REC, ""), ctx);
      st = sys.mount("", dest, "", MS_BIND | MS_REMOUNT | ro, "");
    }
    if (!st.ok() && m.type == "mqueue" && cfg.newUserNs) {
      st = sys.mount("/dev/mqueue", dest, "", MS_BIND | MS_REC, "");
    }
    WHARF_TRY_CTX(std::move(st), ctx);
  }
  if (mo.propagation) WHARF_TRY_CTX(sys.mount("", dest, "", mo.propagation, ""), ctx);
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

Status createDevice(sys::Syscalls& sys, const RootfsConfig& cfg, const std::string& path,
                    mode_t type, unsigned major, unsigned minor, mode_t perm, uid_t uid,
                    gid_t gid) {
  WHARF_ASSIGN_OR_RETURN(std::string dest, secureJoin(sys, cfg.rootfs, path));
  WHARF_TRY(sys.mkdirAll(dirName(dest), 0755));
  if (!cfg.newUserNs) {
    auto st = sys.mknod(dest, type | perm, makedev(major, minor));
    if (st.ok()) return sys.chown(dest, uid, gid);
    if (st.error().sysErrno() == EEXIST) return okStatus();
    if (st.error().sysErrno() != EPERM) return st;
  }
  // In a user namespace mknod is refused: bind the host's node instead.
  WHARF_TRY(sys.touch(dest));
  return sys.mount(path, dest, "", MS_BIND, "");
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
    if (o == "rro") {  // recursive read-only (mount_setattr in runc): read-only here
      mo.flags |= MS_RDONLY;
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

Result<std::string> secureJoin(sys::Syscalls& sys, const std::string& root,
                               const std::string& unsafePath) {
  std::vector<std::string> resolved;  // components below root
  std::string pending = unsafePath;
  int linksFollowed = 0;
  while (!pending.empty()) {
    auto slash = pending.find('/');
    std::string comp = pending.substr(0, slash);
    pending = slash == std::string::npos ? "" : pending.substr(slash + 1);
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    std::string host = root;
    for (const auto& c : resolved) host += "/" + c;
    host += "/" + comp;
    auto st = sys.lstat(host);
    if (!st.ok() || !S_ISLNK(st->st_mode)) {
      resolved.push_back(comp);
      continue;
    }
    if (++linksFollowed > 255) return sysError("resolve \"" + unsafePath + "\"", ELOOP);
    WHARF_ASSIGN_OR_RETURN(std::string target, sys.readlink(host));
    if (!target.empty() && target[0] == '/') resolved.clear();
    pending = target + (pending.empty() ? "" : "/" + pending);
  }
  std::string out = root;
  for (const auto& c : resolved) out += "/" + c;
  return out;
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

  for (size_t i = 0; i < spec.mounts.size(); ++i) WHARF_TRY(mountOne(sys, cfg, spec.mounts[i], i));

  // Devices: when /dev is the container's own (a tmpfs from the spec), fill it like runc.
  if (hasMountAt(spec, "/dev")) {
    for (const auto& d : kDefaultDevices)
      WHARF_TRY_CTX(createDevice(sys, cfg, d.path, S_IFCHR, d.major, d.minor, 0666, 0, 0),
                    std::string("device ") + d.path);
    std::string dev = cfg.rootfs + "/dev";
    WHARF_TRY(sys.symlink("/proc/self/fd", dev + "/fd"));
    WHARF_TRY(sys.symlink("/proc/self/fd/0", dev + "/stdin"));
    WHARF_TRY(sys.symlink("/proc/self/fd/1", dev + "/stdout"));
    WHARF_TRY(sys.symlink("/proc/self/fd/2", dev + "/stderr"));
    if (hasMountAt(spec, "/dev/pts")) WHARF_TRY(sys.symlink("pts/ptmx", dev + "/ptmx"));
  }
  if (spec.linux) {
    for (size_t i = 0; i < spec.linux->devices.size(); ++i) {
      const auto& d = spec.linux->devices[i];
      mode_t type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;
      mode_t perm = d.fileMode ? (*d.fileMode & 07777) : 0666;
      WHARF_TRY_CTX(
          createDevice(sys, cfg, d.path, type, static_cast<unsigned>(d.major),
                       static_cast<unsigned>(d.minor), perm, d.uid.value_or(0), d.gid.value_or(0)),
          "linux.devices[" + std::to_string(i) + "]");
    }
  }
  return okStatus();
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
  if (spec.linux) {
    for (const auto& p : spec.linux->maskedPaths) {
      auto st = sys.stat(p);
      if (!st.ok()) continue;  // nothing to hide
      Status s = S_ISDIR(st->st_mode) ? sys.mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0k")
                                      : sys.mount("/dev/null", p, "", MS_BIND, "");
      WHARF_TRY_CTX(std::move(s), "linux.maskedPaths " + p);
    }
    for (const auto& p : spec.linux->readonlyPaths) {
      auto st = sys.stat(p);
      if (!st.ok()) continue;
      WHARF_TRY_CTX(sys.mount(p, p, "", MS_BIND | MS_REC, ""), "linux.readonlyPaths " + p);
      WHARF_TRY_CTX(
          sys.mount("", p, "",
                    MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    ""),
          "linux.readonlyPaths " + p);
    }
  }
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
