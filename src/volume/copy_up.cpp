#include "volume/copy_up.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <map>
#include <utility>
#include <vector>

#include "common/unique_fd.h"

namespace wharf::volume {

namespace {

int openat2Fd(int dirfd, const std::string& path, uint64_t flags, uint64_t resolve) {
  struct open_how how {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = resolve;
  for (;;) {
    long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

constexpr uint64_t kBeneath = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

// Opens the directory at rel ("" for the top) below root, never leaving it.
Result<UniqueFd> openDirBelow(int root, const std::string& rel, const std::string& what) {
  UniqueFd fd(
      openat2Fd(root, rel.empty() ? "." : rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, kBeneath));
  if (!fd) return sysError("open " + what + "/" + rel);
  return fd;
}

Result<std::vector<std::string>> listDir(int dirFd, const std::string& what) {
  int dup = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return sysError("dup " + what);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return sysError("opendir " + what);
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return sysError("readdir " + what, err);
  return names;
}

Status copyFileData(int src, int dst, const std::string& what) {
  for (;;) {
    ssize_t n = ::sendfile(dst, src, nullptr, 1 << 30);
    if (n == 0) return okStatus();
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("copy " + what);
    }
  }
}

// Owner first: chown clears set-id bits, so the mode is applied after it.
Status applyMeta(int dirFd, const std::string& name, const struct stat& st, bool symlink,
                 const std::string& what) {
  int flags = AT_SYMLINK_NOFOLLOW;
  if (::fchownat(dirFd, name.c_str(), st.st_uid, st.st_gid, flags) != 0)
    return sysError("chown " + what);
  if (!symlink && ::fchmodat(dirFd, name.c_str(), st.st_mode & 07777, 0) != 0)
    return sysError("chmod " + what);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(dirFd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return sysError("set times of " + what);
  return okStatus();
}

Status copyTree(int srcRoot, int dstRoot, const std::string& srcName, const std::string& dstName) {
  std::vector<std::string> pending = {""};
  std::vector<std::pair<std::string, struct stat>> dirs;  // times applied last
  std::map<std::pair<dev_t, ino_t>, std::string> links;   // hard links seen
  while (!pending.empty()) {
    std::string rel = std::move(pending.back());
    pending.pop_back();
    WHARF_ASSIGN_OR_RETURN(UniqueFd src, openDirBelow(srcRoot, rel, srcName));
    WHARF_ASSIGN_OR_RETURN(UniqueFd dst, openDirBelow(dstRoot, rel, dstName));
    WHARF_ASSIGN_OR_RETURN(auto names, listDir(src.get(), srcName + "/" + rel));
    for (const auto& n : names) {
      std::string childRel = rel.empty() ? n : rel + "/" + n;
      std::string what = dstName + "/" + childRel;
      struct stat st {};
      if (::fstatat(src.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return sysError("stat " + srcName + "/" + childRel);
      if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst.get(), n.c_str(), 0700) != 0) return sysError("mkdir " + what);
        WHARF_TRY(applyMeta(dst.get(), n, st, false, what));
        dirs.emplace_back(childRel, st);
        pending.push_back(childRel);
      } else if (S_ISREG(st.st_mode)) {
        if (st.st_nlink > 1) {
          auto key = std::make_pair(st.st_dev, st.st_ino);
          if (auto it = links.find(key); it != links.end()) {
            if (::linkat(dstRoot, it->second.c_str(), dst.get(), n.c_str(), 0) != 0)
              return sysError("link " + what);
            continue;
          }
          links[key] = childRel;
        }
        UniqueFd in(openat2Fd(src.get(), n, O_RDONLY | O_NOFOLLOW, kBeneath));
        if (!in) return sysError("open " + srcName + "/" + childRel);
        UniqueFd out(::openat(dst.get(), n.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!out) return sysError("create " + what);
        WHARF_TRY(copyFileData(in.get(), out.get(), what));
        WHARF_TRY(applyMeta(dst.get(), n, st, false, what));
      } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t len = ::readlinkat(src.get(), n.c_str(), target.data(), target.size());
        if (len < 0) return sysError("readlink " + srcName + "/" + childRel);
        target.resize(static_cast<size_t>(len));
        if (::symlinkat(target.c_str(), dst.get(), n.c_str()) != 0)
          return sysError("symlink " + what);
        WHARF_TRY(applyMeta(dst.get(), n, st, true, what));
      } else {
        // Devices, fifos and sockets: the node itself, as docker copies it.
        if (::mknodat(dst.get(), n.c_str(), st.st_mode, st.st_rdev) != 0)
          return sysError("mknod " + what);
        WHARF_TRY(applyMeta(dst.get(), n, st, false, what));
      }
    }
  }
  // Directory times last: creating their entries changed them.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    struct timespec times[2] = {it->second.st_atim, it->second.st_mtim};
    (void)::utimensat(dstRoot, it->first.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  return okStatus();
}

}  // namespace

Result<bool> isEmptyDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sysError("open " + dir);
  WHARF_ASSIGN_OR_RETURN(auto names, listDir(fd.get(), dir));
  return names.empty();
}

Result<bool> copyUp(const std::string& rootfs, const std::string& pathInRoot,
                    const std::string& volumeDir) {
  UniqueFd root(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return sysError("open " + rootfs);
  UniqueFd src(openat2Fd(root.get(), pathInRoot, O_RDONLY | O_DIRECTORY,
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!src) {
    if (errno == ENOENT || errno == ENOTDIR) return false;  // nothing there to copy
    return sysError("open " + pathInRoot + " in the container's root filesystem");
  }
  UniqueFd dst(::open(volumeDir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst) return sysError("open " + volumeDir);
  WHARF_ASSIGN_OR_RETURN(auto existing, listDir(dst.get(), volumeDir));
  if (!existing.empty()) return false;  // populated already: the volume's data wins
  WHARF_TRY_CTX(copyTree(src.get(), dst.get(), pathInRoot, volumeDir),
                "copy " + pathInRoot + " of the image into the volume");
  struct stat st {};
  if (::fstat(src.get(), &st) != 0) return sysError("stat " + pathInRoot);
  if (::fchown(dst.get(), st.st_uid, st.st_gid) != 0) return sysError("chown " + volumeDir);
  if (::fchmod(dst.get(), st.st_mode & 07777) != 0) return sysError("chmod " + volumeDir);
  return true;
}

Status chownTree(const std::string& dir, uid_t uid, gid_t gid) {
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) return sysError("open " + dir);
  if (::fchown(root.get(), uid, gid) != 0) return sysError("chown " + dir);
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    std::string rel = std::move(pending.back());
    pending.pop_back();
    WHARF_ASSIGN_OR_RETURN(UniqueFd d, openDirBelow(root.get(), rel, dir));
    WHARF_ASSIGN_OR_RETURN(auto names, listDir(d.get(), dir + "/" + rel));
    for (const auto& n : names) {
      std::string childRel = rel.empty() ? n : rel + "/" + n;
      struct stat st {};
      if (::fstatat(d.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return sysError("stat " + dir + "/" + childRel);
      if (::fchownat(d.get(), n.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
        return sysError("chown " + dir + "/" + childRel);
      if (S_ISDIR(st.st_mode)) pending.push_back(childRel);
    }
  }
  return okStatus();
}

}  // namespace wharf::volume
