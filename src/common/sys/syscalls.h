#pragma once
// The Syscalls seam (youki's syscall/syscall.rs): the runtime's mount, pivot_root and
// process-attribute logic goes through this interface so that it can be unit-tested without
// root, with the recording fake in tests/unit/fakes/fake_syscalls.h. Only the calls whose
// *sequence* matters are here; plain file I/O stays direct.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/error.h"

namespace wharf::sys {

class Syscalls {
 public:
  virtual ~Syscalls() = default;

  virtual Status mount(const std::string& source, const std::string& target,
                       const std::string& fstype, unsigned long flags, const std::string& data) = 0;
  virtual Status umount2(const std::string& target, int flags) = 0;
  // pivot_root(new_root, put_old)
  virtual Status pivotRoot(const std::string& newRoot, const std::string& putOld) = 0;
  virtual Status chdir(const std::string& path) = 0;
  virtual Status fchdir(int fd) = 0;
  virtual Status chroot(const std::string& path) = 0;
  // mkdir -p; an existing directory is not an error.
  virtual Status mkdirAll(const std::string& path, mode_t mode) = 0;
  // Creates an empty regular file if nothing exists at path (a bind-mount target).
  virtual Status touch(const std::string& path) = 0;
  virtual Status mknod(const std::string& path, mode_t mode, dev_t dev) = 0;
  virtual Status symlink(const std::string& target, const std::string& linkPath) = 0;
  virtual Status chown(const std::string& path, uid_t uid, gid_t gid) = 0;
  virtual Status sethostname(const std::string& name) = 0;
  virtual Status setdomainname(const std::string& name) = 0;
  // Bind-mounts source on target through an idmapped mount (open_tree + mount_setattr
  // MOUNT_ATTR_IDMAP with usernsFd's mappings + move_mount).
  virtual Status mountIdmapped(const std::string& source, const std::string& target, int usernsFd,
                               bool recursive) = 0;
  // mount_setattr(2): MOUNT_ATTR_* set and cleared on the mount at path (and every mount
  // below it when recursive): recursive read-only, which MS_REMOUNT cannot do.
  virtual Status mountSetattr(const std::string& path, bool recursive, uint64_t attrSet,
                              uint64_t attrClr) = 0;
  virtual Status unshare(int flags) = 0;
  virtual Status setns(int fd, int nstype) = 0;
  // The filesystem type (f_type of fstatfs) of an open file.
  virtual Result<long> fsType(int fd) = 0;
  // Queries: the fake answers them from a small in-memory table.
  virtual Result<struct stat> stat(const std::string& path) = 0;
  virtual Result<struct stat> lstat(const std::string& path) = 0;
  virtual Result<std::string> readlink(const std::string& path) = 0;
  // open(2) returning a raw fd the caller wraps in a UniqueFd.
  virtual Result<int> open(const std::string& path, int flags) = 0;
};

// The real thing: each method is one syscall, errors keep the errno and name the call.
class LinuxSyscalls final : public Syscalls {
 public:
  Status mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data) override;
  Status umount2(const std::string& target, int flags) override;
  Status pivotRoot(const std::string& newRoot, const std::string& putOld) override;
  Status chdir(const std::string& path) override;
  Status fchdir(int fd) override;
  Status chroot(const std::string& path) override;
  Status mkdirAll(const std::string& path, mode_t mode) override;
  Status touch(const std::string& path) override;
  Status mknod(const std::string& path, mode_t mode, dev_t dev) override;
  Status symlink(const std::string& target, const std::string& linkPath) override;
  Status chown(const std::string& path, uid_t uid, gid_t gid) override;
  Status sethostname(const std::string& name) override;
  Status setdomainname(const std::string& name) override;
  Status mountIdmapped(const std::string& source, const std::string& target, int usernsFd,
                       bool recursive) override;
  Status mountSetattr(const std::string& path, bool recursive, uint64_t attrSet,
                      uint64_t attrClr) override;
  Status unshare(int flags) override;
  Status setns(int fd, int nstype) override;
  Result<long> fsType(int fd) override;
  Result<struct stat> stat(const std::string& path) override;
  Result<struct stat> lstat(const std::string& path) override;
  Result<std::string> readlink(const std::string& path) override;
  Result<int> open(const std::string& path, int flags) override;
};

}  // namespace wharf::sys
