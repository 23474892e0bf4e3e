#pragma once
// A recording Syscalls fake: every call is appended to calls() as one readable line, e.g.
// `mount proc /r/proc proc 0xe ""`; failNext(prefix, errno) makes the next matching call fail.

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
    return record("mount " + (source.empty() ? "-" : source) + " " + target + " " +
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
    return record("mknod " + path + " " + octal(mode) + " " + std::to_string(dev));
  }
  Status symlink(const std::string& target, const std::string& linkPath) override {
    return record("symlink " + linkPath + " -> " + target);
  }
  Status chown(const std::string& path, uid_t uid, gid_t gid) override {
    return record("chown " + path + " " + std::to_string(uid) + ":" + std::to_string(gid));
  }
  Status sethostname(const std::string& name) override { return record("sethostname " + name); }
  Status setdomainname(const std::string& name) override { return record("setdomainname " + name); }
  Status mountIdmapped(const std::string& source, const std::string& target, int usernsFd,
                       bool recursive) override {
    return record("mount_idmapped " + source + " " + target + " " + std::to_string(usernsFd) +
                  (recursive ? " rec" : ""));
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
  int next_fd_ = 1000;
};

}  // namespace wharf::testing
