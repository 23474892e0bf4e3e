// `docker diff` (engine/container_fs.h): moby's archive.OverlayChanges over the container's
// writable layer, walked on the worker pool.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <set>
#include <utility>

#include "engine/container_fs.h"
#include "engine/container_manager.h"

namespace wharf::engine {

namespace {

namespace stdfs = std::filesystem;

bool lstatPath(const std::string& path, struct stat& st) { return ::lstat(path.c_str(), &st) == 0; }

bool opaqueDir(const std::string& path) {
  char v[2] = {};
  ssize_t n = ::lgetxattr(path.c_str(), "trusted.overlay.opaque", v, sizeof v);
  return n == 1 && v[0] == 'y';
}

// moby's sameFsTime: equal seconds, and equal nanoseconds unless one side has none.
bool sameChangeTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && (a.tv_nsec == b.tv_nsec || a.tv_nsec == 0 || b.tv_nsec == 0);
}

// What dockerd keeps in a container's init layer (daemon/initlayer), below the rw layer, so
// that `docker diff` never shows them: wharf creates the same mount points in the upper dir
// when the image lacks them (the /etc files are bind mounts: what the container writes there
// never reaches the upper dir either).
bool initLayerPath(const std::string& rel) {
  static const char* const kInit[] = {
      "/dev/pts",         "/dev/shm",   "/proc",         "/sys",         "/.dockerenv",
      "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/dev/console", "/etc/mtab"};
  for (const char* p : kInit) {
    if (rel == p) return true;
  }
  return false;
}

// A directory that is in the upper dir only to hold init-layer mount points.
bool onlyInitEntries(const std::string& full, const std::string& rel) {
  std::error_code ec;
  bool any = false;
  for (stdfs::directory_iterator it(full, ec), end; !ec && it != end; it.increment(ec)) {
    if (!initLayerPath(rel + "/" + it->path().filename().string())) return false;
    any = true;
  }
  return any && !ec;
}

}  // namespace

Result<std::vector<FilesystemChange>> overlayChanges(const stdfs::path& upper,
                                                     const std::vector<std::string>& lowerDirs) {
  std::vector<FilesystemChange> out;
  struct stat rootSt;
  if (!lstatPath(upper.string(), rootSt)) {
    if (errno == ENOENT) return out;  // never started: nothing written yet
    return sysError("stat " + upper.string());
  }
  std::set<std::string> changedDirs;
  // filepath.Walk's order (pre-order, names sorted bytewise) with an explicit stack: a
  // container may nest directories deeper than any call stack should go.
  std::vector<std::string> stack{""};  // paths relative to upper, "" = the root
  while (!stack.empty()) {
    std::string rel = std::move(stack.back());
    stack.pop_back();
    std::string full = upper.string() + rel;
    struct stat st;
    if (!lstatPath(full, st)) continue;  // gone while we walked (a running container)
    if (initLayerPath(rel)) continue;
    if (!rel.empty() && S_ISDIR(st.st_mode) && !opaqueDir(full) && onlyInitEntries(full, rel))
      continue;
    if (!rel.empty()) {
      FilesystemChange change{rel, ChangeKind::kAdded};
      bool deleted = false;
      if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0) {
        deleted = true;  // whiteout
      } else if (S_ISDIR(st.st_mode) && opaqueDir(full)) {
        for (const auto& l : lowerDirs) {
          struct stat lst;
          if (lstatPath(l + rel, lst)) {
            deleted = true;
            break;
          }
        }
      }
      bool skip = false;
      if (deleted) {
        change.kind = ChangeKind::kDeleted;
      } else {
        for (const auto& l : lowerDirs) {
          struct stat lst;
          if (!lstatPath(l + rel, lst)) continue;
          if (S_ISDIR(lst.st_mode) && S_ISDIR(st.st_mode) && lst.st_size == st.st_size &&
              lst.st_mode == st.st_mode && sameChangeTime(lst.st_mtim, st.st_mtim)) {
            skip = true;  // only the parent of a change: not a change itself
          }
          change.kind = ChangeKind::kModified;
          break;
        }
      }
      if (!skip) {
        if (S_ISDIR(st.st_mode)) changedDirs.insert(rel);
        if (change.kind != ChangeKind::kModified) {
          std::string parent = rel.substr(0, rel.rfind('/'));
          if (!parent.empty() && changedDirs.insert(parent).second)
            out.push_back({parent, ChangeKind::kModified});
        }
        out.push_back(std::move(change));
      }
    }
    if (!S_ISDIR(st.st_mode)) continue;
    std::vector<std::string> names;
    std::error_code ec;
    for (stdfs::directory_iterator it(full, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    for (auto it = names.rbegin(); it != names.rend(); ++it) stack.push_back(rel + "/" + *it);
  }
  return out;
}

void ContainerFsService::changes(const std::string& idOrName,
                                 std::function<void(Result<std::vector<FilesystemChange>>)> done) {
  auto c = containers_.inspectContainer(idOrName);
  if (!c.ok()) return done(std::move(c).error());
  auto result =
      std::make_shared<Result<std::vector<FilesystemChange>>>(std::vector<FilesystemChange>{});
  boost::asio::post(pool_, [this, result, upper = c->upperDir, lowers = c->lowerDirs,
                            done = std::move(done)]() mutable {
    if (!upper.empty()) *result = overlayChanges(upper, lowers);
    boost::asio::post(io_, [result, done = std::move(done)] { done(std::move(*result)); });
  });
}

}  // namespace wharf::engine
