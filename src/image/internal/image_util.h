#pragma once
// Small helpers shared by the image module's files. Private to the image module.

#include <cstdint>
#include <string>
#include <string_view>

namespace wharf::image::internal {

// The host's architecture in GOARCH terms, as image configs and platforms spell it.
std::string hostArchitecture();
// Unix seconds as RFC 3339 ("2026-11-30T14:00:00Z"), and back (0 when unparsable).
std::string rfc3339(int64_t unix);
int64_t parseRfc3339(std::string_view s);
// The OCI layer media type for a blob that starts with `magic` (gzip, zstd or plain tar).
std::string layerMediaTypeFor(std::string_view magic);

}  // namespace wharf::image::internal
