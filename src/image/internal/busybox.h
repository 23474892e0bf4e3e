#pragma once
// The built-in busybox image's blobs, made from the host's busybox-static (docs/images.md).
// Private to the image module.

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/error.h"

namespace wharf::image::internal {

struct BuiltLayer {
  std::string tar;      // the uncompressed tar (its sha256 is the diff id)
  std::string tarGzip;  // the layer blob
  int64_t created = 0;  // unix seconds: the busybox binary's mtime
};

// A reproducible layer: sorted entries, uid/gid 0, mtime 0, no owner names, gzip without
// timestamp or name, so the same busybox binary always gives the same digests.
Result<BuiltLayer> buildBusyboxLayer(const std::filesystem::path& busybox = "/bin/busybox");

// gzip with a fixed header (mtime 0, no name), for reproducible blobs.
Result<std::string> gzipDeterministic(std::string_view data);

}  // namespace wharf::image::internal
