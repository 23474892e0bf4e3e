// `docker export` (engine/container_fs.h): a tar of the container's filesystem, written by a
// thread of its own into a pipe that the API streams (moby: archive.Tar of the mounted RW
// layer, piped). A running container's merged dir is read as it is; a stopped one is mounted
// read-only for the export (its upper dir as the top lower layer, so whiteouts and opaque dirs
// apply) at a private mount point, unmounted when the tar ends.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "common/log.h"
#include "common/unique_fd.h"
#include "engine/container_fs.h"
#include "engine/container_images.h"
#include "engine/container_manager.h"
#include "store/snapshotter.h"

namespace wharf::engine {

namespace {

// Every path of the tree is resolved inside the root: a running container that swaps a
// directory for a symlink to "/" while we walk gets its own "/", never the host's.
int exportOpenInRoot(int rootFd, const std::string& rel, uint64_t flags) {
  struct open_how how {};
  how.flags = flags | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(
      ::syscall(SYS_openat2, rootFd, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

Error tarError(archive* a, const std::string& what) {
  const char* e = archive_error_string(a);
  // Usually the client went away (the pipe closed).
  return Error(ErrorCategory::kUnavailable, "export: " + what + ": " + (e ? e : "write failed"));
}

Result<std::vector<std::string>> sortedNames(int dirFd) {
  int dup = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return sysError("dup");
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return sysError("fdopendir");
  }
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return sysError("readdir", err);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Status writeTreeTar(const std::string& root, int outFd) {
  UniqueFd rootFd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd) return sysError("open " + root);
  std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open_fd(a.get(), outFd) != ARCHIVE_OK) return tarError(a.get(), "open");
  std::map<std::pair<dev_t, ino_t>, std::string> links;  // hard links: the first name
  std::vector<char> buf(1 << 16);
  // Pre-order, names sorted (Go's filepath.Walk, as moby's archive.Tar).
  std::vector<std::string> stack;
  {
    auto top = sortedNames(rootFd.get());
    if (!top.ok()) return std::move(top).error().context("list " + root);
    for (auto it = top->rbegin(); it != top->rend(); ++it) stack.push_back(*it);
  }
  while (!stack.empty()) {
    std::string rel = std::move(stack.back());
    stack.pop_back();
    UniqueFd pathFd(exportOpenInRoot(rootFd.get(), rel, O_PATH));
    if (!pathFd) continue;  // gone while we walked (a running container)
    struct stat st;
    if (::fstat(pathFd.get(), &st) != 0) continue;
    if (S_ISSOCK(st.st_mode)) continue;  // sockets are not archived (moby neither)
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    archive_entry_copy_stat(e.get(), &st);
    archive_entry_set_pathname(e.get(), rel.c_str());
    archive_entry_set_uname(e.get(), "");
    archive_entry_set_gname(e.get(), "");
    UniqueFd dataFd;
    if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        auto [it, fresh] = links.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
        if (!fresh) {
          archive_entry_set_hardlink(e.get(), it->second.c_str());
          archive_entry_set_size(e.get(), 0);
        }
      }
      if (archive_entry_hardlink(e.get()) == nullptr) {
        dataFd = UniqueFd(exportOpenInRoot(rootFd.get(), rel, O_RDONLY));
        if (!dataFd) continue;  // replaced or gone meanwhile
      }
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(PATH_MAX, '\0');
      ssize_t n = ::readlinkat(pathFd.get(), "", target.data(), target.size());
      if (n < 0) continue;
      target.resize(static_cast<size_t>(n));
      archive_entry_set_symlink(e.get(), target.c_str());
      archive_entry_set_size(e.get(), 0);
    } else if (!S_ISREG(st.st_mode)) {
      archive_entry_set_size(e.get(), 0);
    }
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK)
      return tarError(a.get(), "write " + rel);
    if (dataFd) {
      int64_t left = st.st_size;
      while (left > 0) {
        ssize_t n = ::read(dataFd.get(), buf.data(), std::min<size_t>(buf.size(), left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // shrank while read: libarchive pads the entry with zeroes
        if (archive_write_data(a.get(), buf.data(), static_cast<size_t>(n)) != n)
          return tarError(a.get(), "write " + rel);
        left -= n;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      UniqueFd dirFd(exportOpenInRoot(rootFd.get(), rel, O_RDONLY | O_DIRECTORY));
      if (!dirFd) continue;
      auto names = sortedNames(dirFd.get());
      if (!names.ok()) continue;
      for (auto it = names->rbegin(); it != names->rend(); ++it) stack.push_back(rel + "/" + *it);
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return tarError(a.get(), "close");
  return okStatus();
}

void ContainerFsService::exportFs(const std::string& idOrName,
                                  std::function<void(Result<UniqueFd>)> done) {
  auto c = containers_.inspectContainer(idOrName);
  if (!c.ok()) return done(std::move(c).error());
  bool running =
      c->state.status == ContainerStatus::kRunning || c->state.status == ContainerStatus::kPaused;
  if (running) return startExport(c->rootfsPath, {}, done);
  // Stopped: its layers, read-only. Never started: no lower dirs recorded yet, ask the images.
  std::vector<std::string> lowers;
  if (!c->upperDir.empty() && ::access(c->upperDir.c_str(), F_OK) == 0)
    lowers.push_back(c->upperDir);
  if (!c->lowerDirs.empty()) {
    for (const auto& l : c->lowerDirs) lowers.push_back(l);
    return startExport("", std::move(lowers), done);
  }
  images_.unpackImage(c->imageId, [this, lowers, done = std::move(done)](
                                      Result<std::vector<std::string>> imageLowers) mutable {
    if (!imageLowers.ok()) return done(std::move(imageLowers).error());
    for (auto& l : *imageLowers) lowers.push_back(std::move(l));
    startExport("", std::move(lowers), done);
  });
}

void ContainerFsService::startExport(std::string root, std::vector<std::string> mountLowers,
                                     const std::function<void(Result<UniqueFd>)>& done) {
  std::string mountPoint;
  if (root.empty()) {
    static std::atomic<uint64_t> counter{0};
    std::error_code ec;
    std::filesystem::create_directories(tmpDir_, ec);
    mountPoint =
        (tmpDir_ / ("export-" + std::to_string(::getpid()) + "-" + std::to_string(++counter)))
            .string();
    if (::mkdir(mountPoint.c_str(), 0700) != 0 && errno != EEXIST)
      return done(sysError("mkdir " + mountPoint));
    store::OverlayMount m;
    m.lowerDirs = std::move(mountLowers);
    if (Status st = store::mountOverlay(m, mountPoint); !st.ok()) {
      ::rmdir(mountPoint.c_str());
      return done(std::move(st).error().context("mount the container's filesystem"));
    }
    root = mountPoint;
  }
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    Error e = sysError("pipe");
    if (!mountPoint.empty()) {
      (void)store::unmountPath(mountPoint);
      ::rmdir(mountPoint.c_str());
    }
    return done(std::move(e));
  }
  UniqueFd readEnd(p[0]);
  auto writeEnd = std::make_shared<UniqueFd>(p[1]);
  // A thread of its own: a slow client blocks only this export, never the worker pool.
  std::thread([root, mountPoint, writeEnd] {
    Status st = writeTreeTar(root, writeEnd->get());
    writeEnd->reset();  // EOF for the reader
    if (!st.ok()) log::warn("export of {}: {}", root, st.error().message());
    if (!mountPoint.empty()) {
      if (Status u = store::unmountPath(mountPoint); !u.ok())
        log::warn("export: unmount {}: {}", mountPoint, u.error().message());
      ::rmdir(mountPoint.c_str());
    }
  }).detach();
  done(std::move(readEnd));
}

}  // namespace wharf::engine
