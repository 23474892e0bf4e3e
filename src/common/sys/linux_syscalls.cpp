#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "common/sys/syscalls.h"

namespace wharf::sys {

namespace {
Status check(int rc, const std::string& what) {
  if (rc < 0) return sysError(what);
  return okStatus();
}
std::string quote(const std::string& s) { return "\"" + s + "\""; }
}  // namespace

Status LinuxSyscalls::mount(const std::string& source, const std::string& target,
                            const std::string& fstype, unsigned long flags,
                            const std::string& data) {
  int rc = ::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
                   fstype.empty() ? nullptr : fstype.c_str(), flags,
                   data.empty() ? nullptr : data.c_str());
  return check(rc, "mount " + quote(source.empty() ? fstype : source) + " on " + quote(target));
}

Status LinuxSyscalls::umount2(const std::string& target, int flags) {
  return check(::umount2(target.c_str(), flags), "umount " + quote(target));
}

Status LinuxSyscalls::pivotRoot(const std::string& newRoot, const std::string& putOld) {
  return check(static_cast<int>(::syscall(SYS_pivot_root, newRoot.c_str(), putOld.c_str())),
               "pivot_root " + quote(newRoot));
}

Status LinuxSyscalls::chdir(const std::string& path) {
  return check(::chdir(path.c_str()), "chdir " + quote(path));
}

Status LinuxSyscalls::fchdir(int fd) { return check(::fchdir(fd), "fchdir"); }

Status LinuxSyscalls::chroot(const std::string& path) {
  return check(::chroot(path.c_str()), "chroot " + quote(path));
}

Status LinuxSyscalls::mkdirAll(const std::string& path, mode_t mode) {
  // Optimistic: the leaf first, walking up only on ENOENT (most parents already exist).
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return okStatus();
  if (errno != ENOENT) return sysError("mkdir " + quote(path));
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return sysError("mkdir " + quote(path), ENOENT);
  WHARF_TRY(mkdirAll(path.substr(0, slash), mode));
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return sysError("mkdir " + quote(path));
  return okStatus();
}

Status LinuxSyscalls::touch(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0755);
  if (fd < 0) {
    if (errno == EISDIR || errno == ELOOP) return okStatus();
    return sysError("create " + quote(path));
  }
  ::close(fd);
  return okStatus();
}

Status LinuxSyscalls::mknod(const std::string& path, mode_t mode, dev_t dev) {
  return check(::mknod(path.c_str(), mode, dev), "mknod " + quote(path));
}

Status LinuxSyscalls::symlink(const std::string& target, const std::string& linkPath) {
  if (::symlink(target.c_str(), linkPath.c_str()) < 0 && errno != EEXIST)
    return sysError("symlink " + quote(linkPath) + " -> " + quote(target));
  return okStatus();
}

Status LinuxSyscalls::chown(const std::string& path, uid_t uid, gid_t gid) {
  return check(::lchown(path.c_str(), uid, gid), "chown " + quote(path));
}

Status LinuxSyscalls::sethostname(const std::string& name) {
  return check(::sethostname(name.data(), name.size()), "sethostname " + quote(name));
}

Status LinuxSyscalls::setdomainname(const std::string& name) {
  return check(::setdomainname(name.data(), name.size()), "setdomainname " + quote(name));
}

Status LinuxSyscalls::mountIdmapped(const std::string& source, const std::string& target,
                                    int usernsFd, bool recursive) {
  unsigned rec = recursive ? AT_RECURSIVE : 0;
  int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(),
                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec));
  if (tree < 0) return sysError("open_tree " + quote(source));
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(usernsFd);
  Status st;
  if (::syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0)
    st = sysError("idmap mount " + quote(source));
  else if (::syscall(SYS_move_mount, tree, "", AT_FDCWD, target.c_str(),
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
    st = sysError("move_mount " + quote(source) + " on " + quote(target));
  ::close(tree);
  return st;
}

Status LinuxSyscalls::mountSetattr(const std::string& path, bool recursive, uint64_t attrSet,
                                   uint64_t attrClr) {
  struct mount_attr attr {};
  attr.attr_set = attrSet;
  attr.attr_clr = attrClr;
  unsigned flags = recursive ? AT_RECURSIVE : 0;
  return check(static_cast<int>(
                   ::syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), flags, &attr, sizeof attr)),
               "mount_setattr " + quote(path));
}

Result<long> LinuxSyscalls::fsType(int fd) {
  struct statfs sfs;
  if (::fstatfs(fd, &sfs) < 0) return sysError("fstatfs");
  return static_cast<long>(sfs.f_type);
}

Status LinuxSyscalls::unshare(int flags) { return check(::unshare(flags), "unshare"); }

Status LinuxSyscalls::setns(int fd, int nstype) { return check(::setns(fd, nstype), "setns"); }

Result<struct stat> LinuxSyscalls::stat(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return sysError("stat " + quote(path));
  return st;
}

Result<struct stat> LinuxSyscalls::lstat(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0) return sysError("lstat " + quote(path));
  return st;
}

Result<std::string> LinuxSyscalls::readlink(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return sysError("readlink " + quote(path));
  return std::string(buf, static_cast<size_t>(n));
}

Result<int> LinuxSyscalls::open(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return sysError("open " + quote(path));
  return fd;
}

}  // namespace wharf::sys
