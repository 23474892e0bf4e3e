#include "runtime/internal/path_in_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <utility>
#include <vector>

namespace wharf::runtime {

namespace {

// Bounds on hostile input: the kernel's own limits (40 symlinks, PATH_MAX), so that a
// symlink farm in an image cannot make us loop or grow without end.
constexpr int kMaxLinks = 40;
constexpr size_t kMaxPath = 4096;
constexpr int kMaxSteps = 4 * 4096;

void pushFront(std::deque<std::string>& todo, std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_front(std::move(*it));
}

struct Step {
  UniqueFd fd;
  std::string name;
};

std::string joined(const std::vector<Step>& stack) {
  std::string p;
  for (const auto& s : stack) p += "/" + s.name;
  return p.empty() ? "/" : p;
}

}  // namespace

std::string fdPath(int fd) { return "self/fd/" + std::to_string(fd); }

Result<PathInRoot> resolveInRoot(int rootFd, std::string_view unsafePath,
                                 const ResolveOptions& opts) {
  auto fail = [&](int err, const std::string& what) {
    return sysError("resolve \"" + std::string(unsafePath) + "\" in the rootfs: " + what, err);
  };
  if (unsafePath.size() > kMaxPath) return fail(ENAMETOOLONG, "path too long");
  std::deque<std::string> todo;
  pushFront(todo, unsafePath);
  std::vector<Step> stack;  // the directories walked below the root, each held open
  int links = 0;
  mode_t lastType = S_IFDIR;
  for (int steps = 0; !todo.empty(); ++steps) {
    if (steps > kMaxSteps) return fail(ELOOP, "too many steps");
    std::string comp = std::move(todo.front());
    todo.pop_front();
    if (comp == ".") continue;
    if (comp == "..") {  // lexical, after symlinks were resolved: never above the root
      if (!stack.empty()) stack.pop_back();
      lastType = S_IFDIR;
      continue;
    }
    const bool last = todo.empty();
    int dir = stack.empty() ? rootFd : stack.back().fd.get();
    UniqueFd fd(::openat(dir, comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      int err = errno;
      if (err != ENOENT || opts.create == Create::kNone)
        return fail(err, "open \"" + joined(stack) + (stack.empty() ? "" : "/") + comp + "\"");
      if (!last || opts.create == Create::kDirs) {
        if (::mkdirat(dir, comp.c_str(), opts.dirMode) < 0 && errno != EEXIST)
          return fail(errno, "mkdir \"" + comp + "\" in \"" + joined(stack) + "\"");
      } else {
        int f = ::openat(dir, comp.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC,
                         opts.fileMode);
        if (f < 0 && errno != EEXIST)
          return fail(errno, "create \"" + comp + "\" in \"" + joined(stack) + "\"");
        if (f >= 0) ::close(f);
      }
      todo.push_front(std::move(comp));  // open what is there now, whoever made it
      continue;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) return fail(errno, "stat \"" + comp + "\"");
    if (S_ISLNK(st.st_mode) && !(last && opts.noFollowLast)) {
      if (++links > kMaxLinks) return fail(ELOOP, "too many symlinks");
      char buf[4096];
      ssize_t n = ::readlinkat(fd.get(), "", buf, sizeof buf);
      if (n < 0) return fail(errno, "readlink \"" + comp + "\"");
      std::string_view target(buf, static_cast<size_t>(n));
      if (!target.empty() && target[0] == '/') stack.clear();
      pushFront(todo, target);
      lastType = S_IFDIR;
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode))
      return fail(ENOTDIR, "\"" + joined(stack) + (stack.empty() ? "" : "/") + comp +
                               "\" is not a directory");
    lastType = st.st_mode & S_IFMT;
    stack.push_back({std::move(fd), std::move(comp)});
  }
  PathInRoot r;
  r.type = lastType;
  r.path = joined(stack);
  if (stack.empty()) {
    r.fd.reset(::fcntl(rootFd, F_DUPFD_CLOEXEC, 3));
    r.parent.reset(::fcntl(rootFd, F_DUPFD_CLOEXEC, 3));
    if (!r.fd || !r.parent) return sysError("dup the rootfs fd");
    return r;
  }
  r.fd = std::move(stack.back().fd);
  r.name = std::move(stack.back().name);
  stack.pop_back();
  if (stack.empty()) {
    r.parent.reset(::fcntl(rootFd, F_DUPFD_CLOEXEC, 3));
    if (!r.parent) return sysError("dup the rootfs fd");
  } else {
    r.parent = std::move(stack.back().fd);
  }
  return r;
}

}  // namespace wharf::runtime
