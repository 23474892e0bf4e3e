#include "oci/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace wharf::oci {

std::string Platform::str() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

Platform normalizePlatform(Platform p) {
  auto lower = [](std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  };
  lower(p.os);
  lower(p.architecture);
  lower(p.variant);
  if (p.os == "macos") p.os = "darwin";
  if (p.architecture == "x86_64" || p.architecture == "x86-64") p.architecture = "amd64";
  if (p.architecture == "i386") p.architecture = "386";
  if (p.architecture == "aarch64") p.architecture = "arm64";
  if (p.architecture == "armhf") {
    p.architecture = "arm";
    p.variant = "v7";
  }
  if (p.architecture == "armel") {
    p.architecture = "arm";
    p.variant = "v6";
  }
  if (p.architecture == "arm64" && p.variant == "v8") p.variant.clear();
  if (p.architecture == "arm" && p.variant.empty()) p.variant = "v7";
  if (p.architecture == "arm" && (p.variant == "7" || p.variant == "6" || p.variant == "5"))
    p.variant = "v" + p.variant;
  return p;
}

Result<Platform> parsePlatform(std::string_view s) {
  auto bad = [&] {
    return invalidArgument("\"" + std::string(s) +
                           "\": unknown operating system or architecture: invalid argument");
  };
  if (s.empty() || s.size() > 64) return bad();
  std::vector<std::string> parts;
  size_t i = 0;
  while (true) {
    size_t j = s.find('/', i);
    parts.emplace_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  if (parts.size() > 3) return bad();
  for (const auto& p : parts) {
    if (p.empty()) return bad();
    for (char c : p)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return bad();
  }
  Platform p;
  Platform host = hostPlatform();
  if (parts.size() == 1) {
    // "linux" or "amd64": an OS alone keeps the host's architecture, as containerd does.
    std::string x = parts[0];
    std::transform(x.begin(), x.end(), x.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const char* kOses[] = {"linux", "windows", "darwin", "freebsd", "macos"};
    if (std::find(std::begin(kOses), std::end(kOses), x) != std::end(kOses)) {
      p.os = x;
      p.architecture = host.architecture;
      p.variant = host.variant;
    } else {
      p.os = host.os;
      p.architecture = x;
    }
  } else {
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
  }
  return normalizePlatform(p);
}

std::string hostArchitecture() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "i386" || m == "i686") return "386";
  if (m.rfind("armv", 0) == 0) return "arm";
  return m;  // ppc64le, s390x, riscv64 are already spelled the same
}

Platform hostPlatform() { return normalizePlatform({"linux", hostArchitecture(), ""}); }

bool platformMatches(const Platform& want, const Platform& have) {
  Platform w = normalizePlatform(want), h = normalizePlatform(have);
  if (w.os != h.os || w.architecture != h.architecture) return false;
  return w.variant.empty() || w.variant == h.variant;
}

}  // namespace wharf::oci
