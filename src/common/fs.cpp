#include "common/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/random.h"
#include "common/unique_fd.h"

namespace wharf::fs {

Result<std::string> readFile(const stdfs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sysError("open " + path.string());
  return readFd(fd.get(), path.string());
}

Result<std::string> readFd(int fd, std::string_view what) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("read " + std::string(what));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status writeFileAtomic(const stdfs::path& path, std::string_view data, unsigned mode, bool sync) {
  stdfs::path tmp = path;
  tmp += ".tmp-" + randomHex(8);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) return sysError("create " + tmp.string());
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::unlink(tmp.c_str());
      return sysError("write " + tmp.string(), e);
    }
    off += static_cast<size_t>(n);
  }
  if (sync && ::fsync(fd.get()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return sysError("fsync " + tmp.string(), e);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return sysError("rename " + tmp.string() + " to " + path.string(), e);
  }
  return okStatus();
}

Status mkdirAll(const stdfs::path& path, unsigned mode) {
  // Each missing directory gets `mode` (minus the umask), as `mkdir -p -m` would give the last:
  // a state dir asked for 0700 must not be created 0755.
  if (::mkdir(path.c_str(), mode) == 0) return okStatus();
  if (errno == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return okStatus();
    return sysError("mkdir " + path.string(), EEXIST);
  }
  if (errno != ENOENT) return sysError("mkdir " + path.string());
  stdfs::path parent = path.lexically_normal().parent_path();
  if (parent.empty() || parent == path) return sysError("mkdir " + path.string(), ENOENT);
  WHARF_TRY(mkdirAll(parent, mode));
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return sysError("mkdir " + path.string());
  return okStatus();
}

Status removeAll(const stdfs::path& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);
  if (ec && ec.value() != ENOENT) return sysError("remove " + path.string(), ec.value());
  return okStatus();
}

bool exists(const stdfs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace wharf::fs
