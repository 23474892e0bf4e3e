#include "engine/data_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/mountinfo.h"
#include "common/unique_fd.h"

namespace wharf::engine {

namespace stdfs = std::filesystem;

namespace {

// chmod when the path exists and is of the expected kind (never through a symlink).
Status fixMode(const stdfs::path& p, unsigned mode, bool dir) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return okStatus();
    return sysError("stat " + p.string());
  }
  if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) return okStatus();
  if ((st.st_mode & 07777) == mode) return okStatus();
  if (::chmod(p.c_str(), mode) != 0) return sysError("chmod " + p.string());
  return okStatus();
}

}  // namespace

Status makeDirWithMode(const stdfs::path& dir, unsigned mode) {
  WHARF_TRY(fs::mkdirAll(dir, mode));
  return fixMode(dir, mode, true);
}

Status securePrivateTree(const stdfs::path& dataRoot, const stdfs::path& execRoot) {
  auto mounts = mountPoints();
  if (!mounts.ok()) return mounts.error();
  auto mounted = [&](const stdfs::path& p) { return mounts->count(p.string()) > 0; };
  for (const char* d : {"", "containers", "content", "snapshots"})
    WHARF_TRY(fixMode(d[0] ? dataRoot / d : dataRoot, kPrivateDirMode, true));
  for (const char* f : {"wharf.db", "wharf.db-wal", "wharf.db-shm", "wharfd.lock"})
    WHARF_TRY(fixMode(dataRoot / f, kPrivateFileMode, false));
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dataRoot / "containers", ec)) {
    if (!e.is_directory(ec) || e.is_symlink(ec)) continue;
    WHARF_TRY(fixMode(e.path(), kPrivateDirMode, true));
    stdfs::path merged = e.path() / "merged";
    if (!mounted(merged)) WHARF_TRY(fixMode(merged, kPrivateDirMode, true));
  }
  WHARF_TRY(fixMode(execRoot / "containers", kPrivateDirMode, true));
  return okStatus();
}

Status prepareDatabaseFile(const stdfs::path& dbFile) {
  UniqueFd fd(::open(dbFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kPrivateFileMode));
  if (!fd) return sysError("open " + dbFile.string());
  if (::fchmod(fd.get(), kPrivateFileMode) != 0) return sysError("chmod " + dbFile.string());
  return okStatus();
}

}  // namespace wharf::engine
