#include "store/usage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <utility>
#include <vector>

namespace wharf::store {

Result<int64_t> directorySize(const std::filesystem::path& dir) {
  struct stat top {};
  if (::lstat(dir.c_str(), &top) != 0) {
    if (errno == ENOENT) return notFound("no such directory: " + dir.string());
    return sysError("stat " + dir.string());
  }
  if (!S_ISDIR(top.st_mode)) return static_cast<int64_t>(top.st_size);
  int rootFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (rootFd < 0) return sysError("open " + dir.string());
  int64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> linked;  // inodes with more than one name, counted once
  // Depth-first with one open directory stream per level: relative *at() calls, so the walk
  // never follows a symlink and never builds long paths.
  std::vector<DIR*> stack;
  auto closeAll = [&] {
    for (DIR* d : stack) ::closedir(d);
    stack.clear();
  };
  DIR* rootDir = ::fdopendir(rootFd);
  if (!rootDir) {
    ::close(rootFd);
    return sysError("read " + dir.string());
  }
  stack.push_back(rootDir);
  while (!stack.empty()) {
    DIR* d = stack.back();
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (!e) {
      ::closedir(d);
      stack.pop_back();
      continue;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    // Entries that vanished (a running container's rw layer changes under us) are skipped.
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      int fd = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      DIR* sub = ::fdopendir(fd);
      if (!sub) {
        ::close(fd);
        continue;
      }
      stack.push_back(sub);
      continue;
    }
    if (st.st_size == 0) continue;
    if (st.st_nlink > 1 && !linked.insert({st.st_dev, st.st_ino}).second) continue;
    total += static_cast<int64_t>(st.st_size);
  }
  closeAll();
  return total;
}

}  // namespace wharf::store
