#pragma once
// Snapshots: one unpacked layer each, used as read-only overlayfs lower dirs.
//
// On-disk tree (version 1), under <data-root>/snapshots:
//
//   snapshots/
//   ├── <chain-id hex>/
//   │   ├── fs/          the layer's files, whiteouts as overlay whiteouts (char 0/0 devices,
//   │   │                trusted.overlay.opaque="y" on opaque dirs)
//   │   └── parent       the parent chain id ("sha256:..."), absent for a base layer
//   └── tmp-<random>/    a snapshot being unpacked; renamed to <chain-id hex> when complete,
//                        removed on failure (and stale ones on open)
//
// A snapshot directory that exists is complete: unpacking happens in tmp- and is renamed.
// Overlay merges the lower dirs, so a layer is unpacked on its own (not on a copy of its parent).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf::store {

struct OverlayMount {
  std::vector<std::string> lowerDirs;  // top-most first
  std::string upperDir, workDir;
};

// A layer unpacked from its bytes while they arrive (a download), into a staging dir of its
// own: a layer does not need its parent to be unpacked, overlay merges them later. Nothing is
// visible before commit(). Dropping it uncommitted (a failure, a download that starts over)
// stops its extractor and removes the staging dir.
class StagedLayer {
 public:
  virtual ~StagedLayer() = default;
  // The next bytes of the blob, in order. Blocks while the extractor is behind, so that only a
  // few MiB per layer wait in memory. Fails with the extractor's error (corrupt or truncated
  // archive, an entry escaping the layer, disk full); the layer is then unusable.
  virtual Status write(std::string_view data) = 0;
  // The blob ended and its digest was verified: `blobDigest`. Waits for the extractor and
  // returns the layer's diff id (for a plain tar the blob digest, which is not hashed twice).
  virtual Result<std::string> finish(const std::string& blobDigest) = 0;
  // After finish(): checks the diff id against chainId and parentChainId (which must exist,
  // "" for a base layer) and renames the staging dir into place, the commit point. An
  // existing snapshot of that chain id is kept and the staged one dropped.
  virtual Result<std::filesystem::path> commit(const std::string& chainId,
                                               const std::string& parentChainId) = 0;
};

class Snapshotter {
 public:
  virtual ~Snapshotter() = default;
  // Unpacks a layer tarball (gzip, zstd or plain, detected from the bytes) as the snapshot
  // chainId on top of parentChainId ("" for the base layer); applies whiteouts (.wh.*,
  // .wh..wh..opq) as overlay whiteouts (char 0/0 devices, trusted.overlay.opaque xattr).
  // Idempotent: an existing snapshot is kept. Unpacks into a temp dir and renames, so a crash
  // never leaves a half snapshot. No entry may write outside the snapshot (.., absolute paths,
  // symlinks, hard links out). The content is checked against its name: the sha256 of the
  // uncompressed tar (the diff id) must give chainId with parentChainId, else InvalidArgument.
  // `blobDigest`, when the caller knows the file's verified digest (a content store blob):
  // a plain tar's diff id is that digest, so it is not hashed again.
  virtual Result<std::filesystem::path> unpackLayer(const std::string& chainId,
                                                    const std::string& parentChainId,
                                                    const std::filesystem::path& layerBlob,
                                                    const std::string& blobDigest = "") = 0;
  // Starts unpacking a layer from bytes still to come (see StagedLayer).
  virtual Result<std::unique_ptr<StagedLayer>> stageLayer() {
    return notImplemented("this snapshotter cannot unpack a layer while it downloads");
  }
  virtual bool hasSnapshot(const std::string& chainId) = 0;
  // The fs dirs of the given chain ids (bottom-most first in the input), returned top-most
  // first as overlay wants.
  virtual Result<std::vector<std::string>> lowerDirs(const std::vector<std::string>& chainIds) = 0;
  virtual Status removeSnapshot(const std::string& chainId) = 0;

  // For garbage collection and disk usage (defaults: a snapshotter that cannot enumerate).
  // The chain ids ("sha256:<hex>") of every snapshot.
  virtual Result<std::vector<std::string>> list() {
    return notImplemented("this snapshotter cannot list its snapshots");
  }
  // Bytes the unpacked snapshot takes (store::directorySize of its files).
  virtual Result<int64_t> usage(const std::string& chainId) {
    return notImplemented("this snapshotter cannot measure " + chainId);
  }
  // Removes temp dirs that dead processes left (unpacks or removals cut short). Returns how
  // many went.
  virtual Result<int> sweepTemp() { return 0; }
};

class OverlaySnapshotter final : public Snapshotter {
 public:
  explicit OverlaySnapshotter(std::filesystem::path root /* <data-root>/snapshots */);

  Result<std::filesystem::path> unpackLayer(const std::string& chainId,
                                            const std::string& parentChainId,
                                            const std::filesystem::path& layerBlob,
                                            const std::string& blobDigest = "") override;
  // An extractor thread per staged layer, fed through a bounded queue (layer_stage.cpp).
  Result<std::unique_ptr<StagedLayer>> stageLayer() override;
  bool hasSnapshot(const std::string& chainId) override;
  Result<std::vector<std::string>> lowerDirs(const std::vector<std::string>& chainIds) override;
  // Removing a snapshot that is not there is not an error.
  Status removeSnapshot(const std::string& chainId) override;

  Result<std::vector<std::string>> list() override;
  // Measured once per snapshot and cached: a snapshot is immutable while it exists (its name
  // is the hash of its content), and removeSnapshot drops the entry.
  Result<int64_t> usage(const std::string& chainId) override;
  Result<int> sweepTemp() override;
  const std::filesystem::path& root() const { return root_; }

 private:
  class Staged;
  Result<std::filesystem::path> snapshotDir(const std::string& chainId);
  // A fresh tmp-<pid>-<random>/ with an empty fs/ in it.
  Result<std::filesystem::path> makeStaging();
  // Checks that diffId on parentChainId gives chainId, records the parent and renames `tmp`
  // into place (an existing snapshot wins). `tmp` is removed on every failure.
  Result<std::filesystem::path> commitStaging(const std::filesystem::path& tmp,
                                              const std::string& chainId,
                                              const std::string& parentChainId,
                                              const std::string& diffId);

  std::filesystem::path root_;
  std::mutex usageMu_;  // the cache is shared by the loop's and the workers' image services
  std::map<std::string, int64_t> usage_;
};

// mount -t overlay overlay -o lowerdir=...,upperdir=...,workdir=... target. A single lower dir
// with no upper dir is bind-mounted read-only (overlay needs two lowers without an upper).
Status mountOverlay(const OverlayMount& m, const std::filesystem::path& target);
// Lazy-detaches if busy; a path that is not mounted is not an error.
Status unmountPath(const std::filesystem::path& target);

}  // namespace wharf::store
