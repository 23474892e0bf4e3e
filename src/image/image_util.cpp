#include "image/internal/image_util.h"

#include "common/time.h"
#include "oci/image.h"

namespace wharf::image::internal {

int64_t createdSeconds(std::string_view rfc3339) {
  auto t = parseRfc3339(rfc3339);
  if (!t.ok()) return 0;
  // Floor, not truncation toward zero, for times before the epoch.
  return *t >= 0 ? *t / kNanosPerSecond : (*t - kNanosPerSecond + 1) / kNanosPerSecond;
}

std::string layerMediaTypeFor(std::string_view magic) {
  if (magic.size() >= 2 && magic[0] == '\x1f' && magic[1] == '\x8b')
    return std::string(oci::kMediaTypeLayerGzip);
  if (magic.size() >= 4 && magic.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
    return std::string(oci::kMediaTypeLayerZstd);
  return std::string(oci::kMediaTypeLayerTar);
}

}  // namespace wharf::image::internal
