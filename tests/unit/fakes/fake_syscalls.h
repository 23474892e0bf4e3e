#pragma once
// A recording Syscalls fake: every call is appended to calls() as one readable line, e.g.
// `mount proc /r/proc proc 0xe ""`; failNext(prefix, errno) makes the next matching call fail.
// The rootfs code names its targets by fd ("self/fd/N/rest", relative to its procfs): the fake
// records them as the real path the fd has in this process, so tests read real paths.

#include <linux/magic.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/sys/syscalls.h"

namespace wharf::testing {

class FakeSyscalls : public sys::Syscalls {
 public:
  const std::vector<std::string>& calls() const { return calls_; }
  // Files the queries know about: path -> mode (S_IFDIR|0755 ...), and symlinks.
  void addFile(const std::string& path, mode_t mode) { files_[path] = mode; }
  void addSymlink(const std::string& path, const std::string& target) {
    files_[path] = S_IFLNK | 0777;
    links_[path] = target;
  }
  void failOn(std::string prefix, int err) {
    fail_prefix_ = std::move(prefix);
    fail_errno_ = err;
  }

  Status mount(const std::string& source, const std::string& target, const std::string& fstype,
               unsigned long flags, const std::string& data) override {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#lx", flags);
    return record("mount " + (source.empty() ? "-" : real(source)) + " " + real(target) + " " +
                  (fstype.empty() ? "-" : fstype) + " " + buf + " \"" + data + "\"");
  }
  Status umount2(const std::string& target, int flags) override {
    return record("umount2 " + target + " " + std::to_string(flags));
  }
  Status pivotRoot(const std::string& newRoot, const std::string& putOld) override {
    return record("pivot_root " + newRoot + " " + putOld);
  }
  Status chdir(const std::string& path) override { return record("chdir " + path); }
  Status fchdir(int fd) override { return record("fchdir " + std::to_string(fd)); }
  Status chroot(const std::string& path) override { return record("chroot " + path); }
  Status mkdirAll(const std::string& path, mode_t mode) override {
    return record("mkdir " + path + " " + octal(mode));
  }
  Status touch(const std::string& path) override { return record("touch " + path); }
  Status mknod(const std::string& path, mode_t mode, dev_t dev) override {
    return record("mknod " + real(path) + " " + octal(mode) + " " + std::to_string(dev));
  }
  Status symlink(const std::string& target, const std::string& linkPath) override {
    return record("symlink " + real(linkPath) + " -> " + target);
  }
  Status chown(const std::string& path, uid_t uid, gid_t gid) override {
    return record("chown " + real(path) + " " + std::to_string(uid) + ":" + std::to_string(gid));
  }
  Status sethostname(const std::string& name) override { return record("sethostname " + name); }
  Status setdomainname(const std::string& name) override { return record("setdomainname " + name); }
  Status mountIdmapped(const std::string& source, const std::string& target, int usernsFd,
                       bool recursive) override {
    return record("mount_idmapped " + source + " " + real(target) + " " + std::to_string(usernsFd) +
                  (recursive ? " rec" : ""));
  }
  Status mountSetattr(const std::string& path, bool recursive, uint64_t attrSet,
                      uint64_t attrClr) override {
    char buf[64];
    std::snprintf(buf, sizeof buf, " set %#llx clr %#llx", static_cast<unsigned long long>(attrSet),
                  static_cast<unsigned long long>(attrClr));
    return record("mount_setattr " + real(path) + (recursive ? " rec" : "") + buf);
  }
  // Filesystem types by path prefix (the longest wins); others are ext4.
  void setFsType(const std::string& prefix, long type) { fs_types_[prefix] = type; }
  Result<long> fsType(int fd) override {
    std::string p = real(fdPathOf(fd));
    long type = EXT4_SUPER_MAGIC;
    size_t best = 0;
    for (const auto& [prefix, t] : fs_types_)
      if (p.rfind(prefix, 0) == 0 && prefix.size() >= best) type = t, best = prefix.size();
    return type;
  }
  Status unshare(int flags) override { return record("unshare " + std::to_string(flags)); }
  Status setns(int fd, int nstype) override {
    return record("setns " + std::to_string(fd) + " " + std::to_string(nstype));
  }
  Result<struct stat> stat(const std::string& path) override {
    std::string p = path;
    for (int i = 0; i < 40 && links_.count(p); ++i) p = links_[p];
    return lstat(p);
  }
  Result<struct stat> lstat(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return sysError("lstat " + path, ENOENT);
    struct stat st {};
    st.st_mode = it->second;
    return st;
  }
  Result<std::string> readlink(const std::string& path) override {
    auto it = links_.find(path);
    if (it == links_.end()) return sysError("readlink " + path, EINVAL);
    return it->second;
  }
  Result<int> open(const std::string& path, int flags) override {
    (void)flags;
    WHARF_TRY(record("open " + path));
    return next_fd_++;
  }

 private:
  static std::string fdPathOf(int fd) { return "self/fd/" + std::to_string(fd); }
  // "self/fd/N/rest" -> the path fd N has here + "/rest"; other paths as they are.
  static std::string real(const std::string& p) {
    if (p.rfind("self/fd/", 0) != 0) return p;
    size_t slash = p.find('/', 8);
    std::string num = p.substr(8, slash == std::string::npos ? std::string::npos : slash - 8);
    char buf[4096];
    ssize_t n = ::readlink(("/proc/self/fd/" + num).c_str(), buf, sizeof buf);
    if (n < 0) return p;
    return std::string(buf, static_cast<size_t>(n)) +
           (slash == std::string::npos ? "" : p.substr(slash));
  }
  static std::string octal(mode_t m) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(m));
    return buf;
  }
  Status record(std::string line) {
    bool fail = !fail_prefix_.empty() && line.rfind(fail_prefix_, 0) == 0;
    calls_.push_back(std::move(line));
    if (fail) {
      fail_prefix_.clear();
      return sysError(calls_.back(), fail_errno_);
    }
    return okStatus();
  }

  std::vector<std::string> calls_;
  std::string fail_prefix_;
  int fail_errno_ = 0;
  std::map<std::string, mode_t> files_;
  std::map<std::string, std::string> links_;
  std::map<std::string, long> fs_types_;
  int next_fd_ = 1000;
};

}  // namespace wharf::testing
