#include "store/internal/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/digest.h"
#include "common/unique_fd.h"

namespace wharf::store::internal {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
// Symlinks and ".." are followed as if the snapshot were "/": they can never leave it.
constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

int openInRoot(int rootFd, const std::string& path, int flags, uint64_t resolve = kInRoot) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = resolve;
  const char* p = path.empty() ? "." : path.c_str();
  return static_cast<int>(::syscall(SYS_openat2, rootFd, p, &how, sizeof how));
}

std::string joinPath(const std::vector<std::string>& comps, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += '/';
    out += comps[i];
  }
  return out;
}

// Lexically cleans a tar path: leading "/" and "." components dropped, ".." applied. A ".."
// that climbs above the root is an attack (or a broken layer): refuse it, as docker does.
Result<std::vector<std::string>> cleanPath(std::string_view name) {
  std::vector<std::string> comps;
  size_t i = 0;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view c = name.substr(i, j - i);
    if (c == "..") {
      if (comps.empty())
        return invalidArgument("invalid layer entry \"" + std::string(name) +
                               "\": path escapes the layer root");
      comps.pop_back();
    } else if (!c.empty() && c != ".") {
      comps.emplace_back(c);
    }
    i = j + 1;
  }
  return comps;
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

class Unpacker {
 public:
  explicit Unpacker(int rootFd) : root_(rootFd), asRoot_(::geteuid() == 0) {}

  Status entry(archive* a, archive_entry* e);
  Status finish();

 private:
  struct DirMeta {
    std::string path;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    struct timespec mtime;
  };

  Result<int> parentDir(const std::vector<std::string>& comps, size_t n, bool create);
  Status removeExisting(int dirFd, const std::string& name);
  Status writeFile(archive* a, archive_entry* e, int dirFd, const std::string& name);
  void applyXattrs(archive_entry* e, int fd);
  Status chownAt(int dirFd, const std::string& name, archive_entry* e);

  int root_;
  bool asRoot_;
  // Entries come grouped by directory: keep the last parent open instead of re-resolving.
  std::string cachedPath_;
  UniqueFd cachedFd_;
  std::vector<DirMeta> dirs_;
};

Result<int> Unpacker::parentDir(const std::vector<std::string>& comps, size_t n, bool create) {
  std::string path = joinPath(comps, n);
  if (cachedFd_ && path == cachedPath_) return cachedFd_.get();
  // Usually the tar listed the directory already: one lookup. Else walk down and create.
  UniqueFd cur(openInRoot(root_, path, O_RDONLY | O_DIRECTORY));
  if (!cur) {
    if (errno != ENOENT || !create) return sysError("open directory \"" + path + "\" in layer");
    cur.reset(openInRoot(root_, "", O_RDONLY | O_DIRECTORY));
    if (!cur) return sysError("open layer root");
    for (size_t i = 0; i < n; ++i) {
      std::string prefix = joinPath(comps, i + 1);
      UniqueFd next(openInRoot(root_, prefix, O_RDONLY | O_DIRECTORY));
      if (!next && errno == ENOENT) {
        // A parent the tar never listed: create it in the directory already resolved inside
        // the root, by its single name, so it cannot land anywhere else.
        if (::mkdirat(cur.get(), comps[i].c_str(), 0755) != 0 && errno != EEXIST)
          return sysError("mkdir \"" + prefix + "\"");
        next.reset(openInRoot(root_, prefix, O_RDONLY | O_DIRECTORY));
      }
      if (!next) return sysError("open directory \"" + prefix + "\" in layer");
      cur = std::move(next);
    }
  }
  cachedPath_ = path;
  cachedFd_ = std::move(cur);
  return cachedFd_.get();
}

Status Unpacker::removeExisting(int dirFd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return okStatus();
    return sysError("stat \"" + name + "\"");
  }
  if (S_ISDIR(st.st_mode)) {
    std::error_code ec;
    stdfs::remove_all(stdfs::path("/proc/self/fd") / std::to_string(dirFd) / name, ec);
    // The cached parent may have lived below what was removed (dirFd itself stays valid
    // until then: it may be the cached fd). Callers re-fetch their parent afterwards.
    cachedFd_.reset();
    cachedPath_.clear();
    if (ec) return sysError("remove \"" + name + "\"", ec.value());
    return okStatus();
  }
  if (::unlinkat(dirFd, name.c_str(), 0) != 0) return sysError("remove \"" + name + "\"");
  return okStatus();
}

void Unpacker::applyXattrs(archive_entry* e, int fd) {
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view n(name);
    // trusted.* would let a layer forge overlay metadata (opaque dirs, redirects), and
    // security.selinux labels are the host's business: keep only user.* and file caps.
    if (n.rfind("user.", 0) != 0 && n != "security.capability") continue;
    // Best effort, as docker: a filesystem without xattrs still gets the files.
    (void)::fsetxattr(fd, name, value, size, 0);
  }
}

Status Unpacker::chownAt(int dirFd, const std::string& name, archive_entry* e) {
  if (!asRoot_) return okStatus();
  if (::fchownat(dirFd, name.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                 static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
    return sysError("chown \"" + name + "\"");
  return okStatus();
}

Status Unpacker::writeFile(archive* a, archive_entry* e, int dirFd, const std::string& name) {
  UniqueFd fd(
      ::openat(dirFd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return sysError("create \"" + name + "\"");
  const void* buf;
  size_t size;
  la_int64_t offset;
  for (;;) {
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return invalidArgument("read \"" + name + "\" from layer: " +
                             (archive_error_string(a) ? archive_error_string(a) : "read error"));
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {
      ssize_t n = ::pwrite(fd.get(), p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return sysError("write \"" + name + "\"");
      }
      p += n;
      offset += n;
      size -= static_cast<size_t>(n);
    }
  }
  // Sparse files end in a hole that no data block covers.
  if (archive_entry_size_is_set(e) && ::ftruncate(fd.get(), archive_entry_size(e)) != 0)
    return sysError("truncate \"" + name + "\"");
  if (asRoot_ && ::fchown(fd.get(), static_cast<uid_t>(archive_entry_uid(e)),
                          static_cast<gid_t>(archive_entry_gid(e))) != 0)
    return sysError("chown \"" + name + "\"");
  // After chown, which clears setuid/setgid bits.
  if (::fchmod(fd.get(), archive_entry_perm(e)) != 0) return sysError("chmod \"" + name + "\"");
  applyXattrs(e, fd.get());
  struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                           {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
  if (::futimens(fd.get(), ts) != 0) return sysError("set times of \"" + name + "\"");
  return okStatus();
}

Status Unpacker::entry(archive* a, archive_entry* e) {
  const char* rawName = archive_entry_pathname(e);
  if (!rawName) return invalidArgument("layer entry without a name");
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> comps, cleanPath(rawName));
  mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);
  struct timespec mtime = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};

  if (comps.empty()) {  // "./": the root's own metadata
    if (type == AE_IFDIR)
      dirs_.push_back({"", archive_entry_perm(e), static_cast<uid_t>(archive_entry_uid(e)),
                       static_cast<gid_t>(archive_entry_gid(e)), mtime});
    return okStatus();
  }
  const std::string base = comps.back();
  WHARF_ASSIGN_OR_RETURN(int dirFd, parentDir(comps, comps.size() - 1, true));

  if (base.rfind(kWhiteoutPrefix, 0) == 0) {
    if (base == kOpaqueMarker) {
      if (::fsetxattr(dirFd, "trusted.overlay.opaque", "y", 1, 0) != 0)
        return sysError("mark \"" + joinPath(comps, comps.size() - 1) + "\" opaque");
      return okStatus();
    }
    std::string target = base.substr(kWhiteoutPrefix.size());
    if (target.empty() || target == "." || target == "..")
      return invalidArgument(std::string("invalid whiteout \"") + rawName + "\"");
    WHARF_TRY(removeExisting(dirFd, target));
    WHARF_ASSIGN_OR_RETURN(dirFd, parentDir(comps, comps.size() - 1, true));
    if (::mknodat(dirFd, target.c_str(), S_IFCHR, makedev(0, 0)) != 0)
      return sysError("create whiteout for \"" + target + "\"");
    return okStatus();
  }

  if (hardlink) {
    WHARF_ASSIGN_OR_RETURN(std::vector<std::string> tcomps, cleanPath(hardlink));
    if (tcomps.empty())
      return invalidArgument(std::string("invalid hard link \"") + rawName + "\"");
    // Resolve the target's directory inside the root (not created: the target must already
    // be in this layer), then link its last component without following it.
    UniqueFd tdir(openInRoot(root_, joinPath(tcomps, tcomps.size() - 1), O_RDONLY | O_DIRECTORY));
    if (!tdir) return sysError(std::string("hard link target \"") + hardlink + "\"");
    WHARF_TRY(removeExisting(dirFd, base));
    WHARF_ASSIGN_OR_RETURN(dirFd, parentDir(comps, comps.size() - 1, true));
    if (::linkat(tdir.get(), tcomps.back().c_str(), dirFd, base.c_str(), 0) != 0)
      return sysError(std::string("hard link \"") + rawName + "\" to \"" + hardlink + "\"");
    return okStatus();
  }

  switch (type) {
    case AE_IFDIR: {
      struct stat st {};
      bool isDir =
          ::fstatat(dirFd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
      if (!isDir) {
        WHARF_TRY(removeExisting(dirFd, base));
        WHARF_ASSIGN_OR_RETURN(dirFd, parentDir(comps, comps.size() - 1, true));
        // Owner-writable until finish() applies the real mode, so children can be created.
        if (::mkdirat(dirFd, base.c_str(), 0700) != 0)
          return sysError(std::string("mkdir \"") + rawName + "\"");
      }
      UniqueFd d(::openat(dirFd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!d) return sysError(std::string("open \"") + rawName + "\"");
      applyXattrs(e, d.get());
      dirs_.push_back({joinPath(comps, comps.size()), archive_entry_perm(e),
                       static_cast<uid_t>(archive_entry_uid(e)),
                       static_cast<gid_t>(archive_entry_gid(e)), mtime});
      return okStatus();
    }
    case AE_IFREG: {
      WHARF_TRY(removeExisting(dirFd, base));
      WHARF_ASSIGN_OR_RETURN(dirFd, parentDir(comps, comps.size() - 1, true));
      return writeFile(a, e, dirFd, base);
    }
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (!target) return invalidArgument(std::string("symlink \"") + rawName + "\" has no target");
      WHARF_TRY(removeExisting(dirFd, base));
      WHARF_ASSIGN_OR_RETURN(dirFd, parentDir(comps, comps.size() - 1, true));
      // The target is stored as text and never followed here; later entries that go through
      // it are resolved inside the root.
      if (::symlinkat(target, dirFd, base.c_str()) != 0)
        return sysError(std::string("symlink \"") + rawName + "\"");
      WHARF_TRY(chownAt(dirFd, base, e));
      struct timespec ts[2] = {mtime, mtime};
      (void)::utimensat(dirFd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
      return okStatus();
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      WHARF_TRY(removeExisting(dirFd, base));
      WHARF_ASSIGN_OR_RETURN(dirFd, parentDir(comps, comps.size() - 1, true));
      if (::mknodat(dirFd, base.c_str(), type | archive_entry_perm(e), archive_entry_rdev(e)) != 0)
        return sysError(std::string("mknod \"") + rawName + "\"");
      WHARF_TRY(chownAt(dirFd, base, e));
      // Just created by us as a device or fifo (not a symlink), so following is safe.
      if (::fchmodat(dirFd, base.c_str(), archive_entry_perm(e), 0) != 0)
        return sysError(std::string("chmod \"") + rawName + "\"");
      struct timespec ts[2] = {mtime, mtime};
      (void)::utimensat(dirFd, base.c_str(), ts, AT_SYMLINK_NOFOLLOW);
      return okStatus();
    }
    default:  // sockets and unknown types carry no content: skip them, as docker does
      return okStatus();
  }
  return okStatus();
}

Status Unpacker::finish() {
  cachedFd_.reset();
  // Deepest last-listed first, so setting a child's times does not disturb its parent's.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    UniqueFd d(openInRoot(root_, it->path, O_RDONLY | O_DIRECTORY, kInRoot | RESOLVE_NO_SYMLINKS));
    if (!d) {
      // Replaced later in the same layer by a non-directory: nothing to apply.
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;
      return sysError("open directory \"" + it->path + "\"");
    }
    if (asRoot_ && ::fchown(d.get(), it->uid, it->gid) != 0)
      return sysError("chown \"" + it->path + "\"");
    if (::fchmod(d.get(), it->mode) != 0) return sysError("chmod \"" + it->path + "\"");
    struct timespec ts[2] = {it->mtime, it->mtime};
    if (::futimens(d.get(), ts) != 0) return sysError("set times of \"" + it->path + "\"");
  }
  return okStatus();
}

}  // namespace

namespace {

// The tar reader's input: the decoded layer, hashed on the way (the diff id is the digest of
// the uncompressed tar) in the same single pass as the unpack, unless the caller vouches for
// a plain tar's digest (then the blob writer's hash is the diff id: no second sha256).
struct Pipe {
  ByteSource* decoded;
  bool hash;
  Sha256 hasher;
  int64_t bytes = 0;
  std::optional<Error> error;  // the source's error, which explains the tar reader's
};

la_ssize_t pipeRead(archive*, void* client, const void** out) {
  auto* p = static_cast<Pipe*>(client);
  auto chunk = p->decoded->read();
  if (!chunk.ok()) {
    if (!p->error) p->error = std::move(chunk).error();
    return -1;
  }
  if (p->hash) p->hasher.update(chunk->data(), chunk->size());
  p->bytes += static_cast<int64_t>(chunk->size());
  *out = chunk->data();
  return static_cast<la_ssize_t>(chunk->size());
}

}  // namespace

Result<UnpackStats> unpackLayer(int rootFd, ByteSource& blob, bool hashPlainTar) {
  WHARF_ASSIGN_OR_RETURN(DecodedLayer layer, decodeLayer(blob));
  UnpackStats stats;
  stats.compression = layer.compression;
  if (layer.empty) {  // no bytes at all: an empty layer (libarchive cannot bid on nothing)
    stats.diffId = sha256Digest("");
    return stats;
  }
  Pipe pipe{layer.decoded.get(), hashPlainTar || layer.compression != LayerCompression::kNone};
  std::unique_ptr<archive, ArchiveDeleter> inner(archive_read_new());
  if (!inner) return internalError("archive_read_new failed");
  auto layerError = [&]() -> Error {
    if (pipe.error) return *pipe.error;
    const char* msg = archive_error_string(inner.get());
    return invalidArgument(std::string("read layer: ") + (msg ? msg : "unknown error"));
  };
  // The tar format only, without filters: the bytes are already decoded.
  archive_read_support_format_tar(inner.get());
  archive_read_support_format_empty(inner.get());
  if (archive_read_open(inner.get(), &pipe, nullptr, pipeRead, nullptr) != ARCHIVE_OK)
    return layerError();
  Unpacker u(rootFd);
  archive_entry* e;
  for (;;) {
    int r = archive_read_next_header(inner.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return layerError();
    Status st = u.entry(inner.get(), e);
    // A failed read of the decoded bytes explains the entry's failure best.
    if (pipe.error) return *pipe.error;
    if (!st.ok()) return std::move(st).error();
    ++stats.entries;
  }
  WHARF_TRY(u.finish());
  // The tar reader stops at the end-of-archive marker; the diff id covers every byte, and the
  // decoder checks the compressed stream to its end (gzip's trailer).
  for (;;) {
    const void* ignored;
    la_ssize_t n = pipeRead(inner.get(), &pipe, &ignored);
    if (n < 0) return layerError();
    if (n == 0) break;
  }
  stats.uncompressedBytes = pipe.bytes;
  if (pipe.hash) stats.diffId = pipe.hasher.finishDigest();
  return stats;
}

Result<UnpackStats> unpackLayer(int rootFd, const std::filesystem::path& layerBlob,
                                bool hashPlainTar) {
  UniqueFd fd(::open(layerBlob.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sysError("open layer " + layerBlob.string());
  FileSource src(std::move(fd));
  auto stats = unpackLayer(rootFd, src, hashPlainTar);
  if (!stats.ok()) return std::move(stats).error().context("layer " + layerBlob.string());
  return stats;
}

}  // namespace wharf::store::internal
