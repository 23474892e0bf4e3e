#pragma once
// Platforms as image indexes and the Engine API name them (image-spec: os, architecture, variant),
// in GOOS/GOARCH terms, with containerd's normalisation: "aarch64" is arm64, "x86_64" amd64,
// arm64's default variant v8 is the same as none, and arm without a variant is v7.

#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::oci {

struct Platform {
  std::string os, architecture, variant;
  std::string str() const;  // "linux/arm64/v8" (no trailing slash without a variant)
};

// "linux", "linux/amd64", "linux/arm/v7", "amd64"; InvalidArgument for anything else.
Result<Platform> parsePlatform(std::string_view s);
Platform normalizePlatform(Platform p);
Platform hostPlatform();
// Go's GOARCH name of the machine the daemon runs on (uname(2)): "amd64", "arm64", "386"...
std::string hostArchitecture();
// `have` (from an index entry) satisfies `want`: same os and architecture; the variant must
// match when `want` names one (after normalisation).
bool platformMatches(const Platform& want, const Platform& have);

}  // namespace wharf::oci
