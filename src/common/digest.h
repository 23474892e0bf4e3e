#pragma once
// sha256 digests in the "sha256:<64 hex>" form used by OCI.

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // "sha256:<hex>"; the hasher must not be used afterwards.
  std::string finishDigest();
  std::string finishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256Digest(std::string_view data);
std::string sha256Hex(std::string_view data);
// Accepts "sha256:<64 lowercase hex>"; returns the hex part.
Result<std::string> parseDigest(std::string_view digest);

}  // namespace wharf
