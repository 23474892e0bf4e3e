#pragma once
// Docker image references ("busybox", "localhost:5000/a/b:c", "x@sha256:...") parsed and
// normalised as docker's distribution/reference does: a missing domain is docker.io, a
// single-component path on docker.io gets "library/", a missing tag (and digest) is "latest".

#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::image {

inline constexpr std::string_view kDefaultDomain = "docker.io";
inline constexpr std::string_view kDefaultTag = "latest";

struct Reference {
  std::string domain;  // docker.io
  std::string path;    // library/busybox
  std::string tag;     // latest (empty when only a digest was given)
  std::string digest;  // sha256:... or empty

  std::string normalized() const;          // docker.io/library/busybox:latest (or @sha256:...)
  std::string familiar() const;            // busybox:latest, localhost:5000/x:1
  std::string repository() const;          // docker.io/library/busybox
  std::string familiarRepository() const;  // busybox, localhost:5000/x
};

// InvalidArgument with docker's message for bad input, e.g. "invalid reference format:
// repository name (library/Busybox) must be lowercase".
Result<Reference> parseReference(std::string_view s);

}  // namespace wharf::image
