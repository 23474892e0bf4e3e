#include "store/snapshotter.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/random.h"
#include "common/scope_guard.h"
#include "common/unique_fd.h"
#include "store/internal/layer_unpack.h"
#include "store/usage.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kTmpPrefix = "tmp-";

// A temp dir is "tmp-<pid>-<random>": one whose process is gone was left by a crash and can go;
// one of a live process is an unpack in progress (maybe another snapshotter on this root).
int removeStaleTemps(const stdfs::path& root) {
  int removed = 0;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(kTmpPrefix, 0) != 0) continue;
    std::string rest = name.substr(kTmpPrefix.size());
    pid_t pid = static_cast<pid_t>(std::atol(rest.substr(0, rest.find('-')).c_str()));
    if (pid > 0 && (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH)) continue;
    std::error_code ignored;
    if (stdfs::remove_all(e.path(), ignored) > 0) ++removed;
  }
  return removed;
}

}  // namespace

OverlaySnapshotter::OverlaySnapshotter(std::filesystem::path root) : root_(std::move(root)) {}

Result<std::filesystem::path> OverlaySnapshotter::snapshotDir(const std::string& chainId) {
  WHARF_ASSIGN_OR_RETURN(std::string hex, parseDigest(chainId));
  return root_ / hex;
}

bool OverlaySnapshotter::hasSnapshot(const std::string& chainId) {
  auto dir = snapshotDir(chainId);
  return dir.ok() && fs::exists(*dir / "fs");
}

Result<std::filesystem::path> OverlaySnapshotter::makeStaging() {
  WHARF_TRY(fs::mkdirAll(root_));
  (void)removeStaleTemps(root_);
  stdfs::path tmp =
      root_ / (std::string(kTmpPrefix) + std::to_string(::getpid()) + "-" + randomHex(8));
  if (::mkdir(tmp.c_str(), 0700) != 0) return sysError("mkdir " + tmp.string());
  if (::mkdir((tmp / "fs").c_str(), 0755) != 0) {
    int e = errno;
    (void)fs::removeAll(tmp);
    return sysError("mkdir " + tmp.string() + "/fs", e);
  }
  return tmp;
}

Result<std::filesystem::path> OverlaySnapshotter::commitStaging(const stdfs::path& tmp,
                                                                const std::string& chainId,
                                                                const std::string& parentChainId,
                                                                const std::string& diffId) {
  ScopeGuard cleanup([&] { (void)fs::removeAll(tmp); });
  WHARF_ASSIGN_OR_RETURN(stdfs::path dir, snapshotDir(chainId));
  if (!parentChainId.empty()) {
    WHARF_TRY(parseDigest(parentChainId));
    if (!hasSnapshot(parentChainId))
      return notFound("parent snapshot " + parentChainId + " of " + chainId + " not found");
  }
  // The snapshot's name must be what its content proves, or the cache is poisoned: every
  // later image sharing this chain id would get these files.
  std::string actual = parentChainId.empty() ? diffId : sha256Digest(parentChainId + " " + diffId);
  if (actual != chainId)
    return invalidArgument("layer content does not match chain id " + chainId + " (diff id " +
                           diffId + " gives " + actual + ")");
  if (fs::exists(dir / "fs")) return dir / "fs";
  if (!parentChainId.empty()) WHARF_TRY(fs::writeFileAtomic(tmp / "parent", parentChainId));
  // Rename is the commit point: the snapshot appears whole or not at all.
  if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    // Someone else unpacked the same layer meanwhile: theirs is as good as ours.
    if ((errno == EEXIST || errno == ENOTEMPTY) && fs::exists(dir / "fs")) return dir / "fs";
    return sysError("rename " + tmp.string() + " to " + dir.string());
  }
  cleanup.dismiss();
  return dir / "fs";
}

Result<std::filesystem::path> OverlaySnapshotter::unpackLayer(
    const std::string& chainId, const std::string& parentChainId,
    const std::filesystem::path& layerBlob, const std::string& blobDigest) {
  WHARF_ASSIGN_OR_RETURN(stdfs::path dir, snapshotDir(chainId));
  if (fs::exists(dir / "fs")) return dir / "fs";
  if (!parentChainId.empty()) {
    WHARF_TRY(parseDigest(parentChainId));
    if (!hasSnapshot(parentChainId))
      return notFound("parent snapshot " + parentChainId + " of " + chainId + " not found");
  }
  WHARF_ASSIGN_OR_RETURN(stdfs::path tmp, makeStaging());
  ScopeGuard cleanup([&] { (void)fs::removeAll(tmp); });
  std::string diffId;
  {
    UniqueFd fsFd(::open((tmp / "fs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fsFd) return sysError("open " + tmp.string() + "/fs");
    auto stats = internal::unpackLayer(fsFd.get(), layerBlob, blobDigest.empty());
    if (!stats.ok()) return std::move(stats).error().context("unpack layer " + chainId);
    diffId = stats->diffId.empty() ? blobDigest : stats->diffId;
    log::debug("unpacked {} ({} entries, {} bytes)", chainId, stats->entries,
               stats->uncompressedBytes);
  }
  cleanup.dismiss();  // commitStaging owns tmp now
  return commitStaging(tmp, chainId, parentChainId, diffId);
}

Result<std::vector<std::string>> OverlaySnapshotter::lowerDirs(
    const std::vector<std::string>& chainIds) {
  std::vector<std::string> out;
  for (auto it = chainIds.rbegin(); it != chainIds.rend(); ++it) {
    WHARF_ASSIGN_OR_RETURN(stdfs::path dir, snapshotDir(*it));
    if (!fs::exists(dir / "fs")) return notFound("snapshot " + *it + " not found");
    out.push_back((dir / "fs").string());
  }
  return out;
}

Status OverlaySnapshotter::removeSnapshot(const std::string& chainId) {
  WHARF_ASSIGN_OR_RETURN(stdfs::path dir, snapshotDir(chainId));
  {
    std::lock_guard lock(usageMu_);
    usage_.erase(chainId);
  }
  if (!fs::exists(dir)) return okStatus();
  // Renamed away first so that a crash halfway through never leaves a partial snapshot
  // under its real name (the stale temp is removed on a later unpack).
  stdfs::path tmp =
      root_ / (std::string(kTmpPrefix) + std::to_string(::getpid()) + "-rm-" + randomHex(8));
  if (::rename(dir.c_str(), tmp.c_str()) != 0) {
    if (errno == ENOENT) return okStatus();
    return sysError("rename " + dir.string());
  }
  return fs::removeAll(tmp);
}

Result<std::vector<std::string>> OverlaySnapshotter::list() {
  std::vector<std::string> out;
  std::error_code ec;
  stdfs::directory_iterator it(root_, ec);
  if (ec) {
    if (ec.value() == ENOENT) return out;
    return sysError("list snapshots", ec.value());
  }
  for (const auto& e : it) {
    std::string id = "sha256:" + e.path().filename().string();
    if (parseDigest(id).ok() && fs::exists(e.path() / "fs")) out.push_back(std::move(id));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<int64_t> OverlaySnapshotter::usage(const std::string& chainId) {
  {
    std::lock_guard lock(usageMu_);
    if (auto it = usage_.find(chainId); it != usage_.end()) return it->second;
  }
  WHARF_ASSIGN_OR_RETURN(stdfs::path dir, snapshotDir(chainId));
  // Measured without the lock: a big layer takes a while, and two measurements of the same
  // snapshot give the same answer.
  auto size = directorySize(dir / "fs");
  if (!size.ok()) {
    if (size.error().category() == ErrorCategory::kNotFound)
      return notFound("snapshot " + chainId + " not found");
    return std::move(size).error();
  }
  std::lock_guard lock(usageMu_);
  usage_[chainId] = *size;
  return *size;
}

Result<int> OverlaySnapshotter::sweepTemp() { return removeStaleTemps(root_); }

Status mountOverlay(const OverlayMount& m, const std::filesystem::path& target) {
  if (m.lowerDirs.empty()) return invalidArgument("overlay mount needs at least one lower dir");
  if (m.upperDir.empty() != m.workDir.empty())
    return invalidArgument("overlay mount needs both an upper and a work dir, or neither");
  // overlayfs splits its options on ',' and lower dirs on ':'; such paths cannot be passed.
  auto checkPath = [](const std::string& p) -> Status {
    if (p.find_first_of(",:") != std::string::npos)
      return invalidArgument("overlay path \"" + p + "\" contains ',' or ':'");
    return okStatus();
  };
  for (const auto& l : m.lowerDirs) WHARF_TRY(checkPath(l));
  WHARF_TRY(checkPath(m.upperDir));
  WHARF_TRY(checkPath(m.workDir));

  if (m.lowerDirs.size() == 1 && m.upperDir.empty()) {
    // overlayfs wants two lowers without an upper; a read-only bind is the same view.
    if (::mount(m.lowerDirs[0].c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return sysError("bind mount " + m.lowerDirs[0] + " on " + target.string());
    if (::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      int e = errno;
      ::umount2(target.c_str(), MNT_DETACH);
      return sysError("remount " + target.string() + " read-only", e);
    }
    return okStatus();
  }
  std::string opts = "lowerdir=";
  for (size_t i = 0; i < m.lowerDirs.size(); ++i) {
    if (i) opts += ':';
    opts += m.lowerDirs[i];
  }
  if (!m.upperDir.empty()) opts += ",upperdir=" + m.upperDir + ",workdir=" + m.workDir;
  // The mount data is limited to one page; many deep layers need a shorter path scheme.
  if (opts.size() >= static_cast<size_t>(::getpagesize()))
    return invalidArgument("overlay mount options too long (" + std::to_string(opts.size()) +
                           " bytes, " + std::to_string(m.lowerDirs.size()) + " layers)");
  if (::mount("overlay", target.c_str(), "overlay", 0, opts.c_str()) != 0)
    return sysError("mount overlay on " + target.string());
  return okStatus();
}

Status unmountPath(const std::filesystem::path& target) {
  if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return okStatus();
  if (errno == EINVAL || errno == ENOENT) return okStatus();  // not a mount point / gone
  if (errno == EBUSY) {
    // Something still has it open (a lingering exec, a shell cd'ed in): detach it now; the
    // kernel frees it when the last user leaves.
    if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return okStatus();
  }
  return sysError("unmount " + target.string());
}

}  // namespace wharf::store
