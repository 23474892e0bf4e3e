#pragma once
// Applies a layer tarball to a directory, confined to it: the only code that turns tar entries
// into files. Private to the store module.

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/error.h"
#include "store/internal/layer_decode.h"

namespace wharf::store::internal {

struct UnpackStats {
  int64_t entries = 0;
  int64_t uncompressedBytes = 0;  // the tar stream's size, as docker reports image sizes
  LayerCompression compression = LayerCompression::kNone;
  // "sha256:..." of the uncompressed tar stream; empty for a plain tar unpacked without
  // hashing (hashPlainTar false): its diff id is the blob's digest, which the caller has.
  std::string diffId;
};

// Unpacks a layer (plain, gzip or zstd tar, detected from the bytes; gzip through ISA-L) into
// the directory `rootFd`, reading `blob` to its end. Whiteouts become overlay whiteouts:
// ".wh.<name>" a 0/0 char device <name>, ".wh..wh..opq" the xattr trusted.overlay.opaque="y"
// on its directory. Every path is resolved inside the root (openat2 RESOLVE_IN_ROOT), so no
// entry — "..", absolute paths, symlinks or hard links pointing out — can touch anything
// outside it; a ".." that climbs above the root is rejected outright, as docker does.
// Ownership is applied only as root. A corrupt or truncated stream is an error (never a
// short layer). With hashPlainTar false, an uncompressed layer is not hashed (see diffId).
Result<UnpackStats> unpackLayer(int rootFd, ByteSource& blob, bool hashPlainTar = true);
// Same, from a file.
Result<UnpackStats> unpackLayer(int rootFd, const std::filesystem::path& layerBlob,
                                bool hashPlainTar = true);

}  // namespace wharf::store::internal
