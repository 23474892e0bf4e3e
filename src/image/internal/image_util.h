#pragma once
// Small helpers shared by the image module's files. Private to the image module.

#include <archive.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace wharf::image::internal {

// An image config's "created" (RFC 3339) in Unix seconds; 0 when it is missing or malformed
// (docker shows such images as created at the epoch rather than refusing them).
int64_t createdSeconds(std::string_view rfc3339);
// The OCI layer media type for a blob that starts with `magic` (gzip, zstd or plain tar).
std::string layerMediaTypeFor(std::string_view magic);

// Frees a libarchive reader (std::unique_ptr<archive, ArchiveReadDeleter>).
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace wharf::image::internal
