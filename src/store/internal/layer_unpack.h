#pragma once
// Applies a layer tarball to a directory, confined to it: the only code that turns tar entries
// into files. Private to the store module.

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/error.h"

namespace wharf::store::internal {

struct UnpackStats {
  int64_t entries = 0;
  int64_t uncompressedBytes = 0;  // the tar stream's size, as docker reports image sizes
  std::string diffId;             // "sha256:..." of the uncompressed tar stream
};

// Unpacks `layerBlob` (plain, gzip or zstd tar, detected from the bytes) into the directory
// `rootFd`. Whiteouts become overlay whiteouts: ".wh.<name>" a 0/0 char device <name>,
// ".wh..wh..opq" the xattr trusted.overlay.opaque="y" on its directory. Every path is
// resolved inside the root (openat2 RESOLVE_IN_ROOT), so no entry — "..", absolute paths,
// symlinks or hard links pointing out — can touch anything outside it; a ".." that climbs
// above the root is rejected outright, as docker does. Ownership is applied only as root.
Result<UnpackStats> unpackLayer(int rootFd, const std::filesystem::path& layerBlob);

}  // namespace wharf::store::internal
