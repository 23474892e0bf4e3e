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
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("read " + path.string());
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
  std::error_code ec;
  stdfs::create_directories(path, ec);
  if (ec) return sysError("mkdir " + path.string(), ec.value());
  (void)mode;
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
