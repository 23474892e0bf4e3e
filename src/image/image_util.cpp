#include "image/internal/image_util.h"

#include <sys/utsname.h>

#include <ctime>

#include "oci/image.h"

namespace wharf::image::internal {

std::string hostArchitecture() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "i386" || m == "i686") return "386";
  if (m.rfind("armv", 0) == 0) return "arm";
  return m;  // ppc64le, s390x, riscv64 are already spelled the same
}

std::string rfc3339(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t parseRfc3339(std::string_view s) {
  if (s.size() < 19) return 0;
  std::tm tm{};
  std::string head(s.substr(0, 19));
  if (!::strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(::timegm(&tm));
}

std::string layerMediaTypeFor(std::string_view magic) {
  if (magic.size() >= 2 && magic[0] == '\x1f' && magic[1] == '\x8b')
    return std::string(oci::kMediaTypeLayerGzip);
  if (magic.size() >= 4 && magic.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
    return std::string(oci::kMediaTypeLayerZstd);
  return std::string(oci::kMediaTypeLayerTar);
}

}  // namespace wharf::image::internal
