#include "common/digest.h"

#include <openssl/evp.h>

namespace wharf {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  WHARF_ASSERT(impl_->ctx != nullptr);
  WHARF_ASSERT(EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) == 1);
}
Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t len) { EVP_DigestUpdate(impl_->ctx, data, len); }

std::string Sha256::finishHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string Sha256::finishDigest() { return "sha256:" + finishHex(); }

std::string sha256Hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finishHex();
}

std::string sha256Digest(std::string_view data) { return "sha256:" + sha256Hex(data); }

Result<std::string> parseDigest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (digest.substr(0, kPrefix.size()) != kPrefix)
    return invalidArgument("unsupported digest algorithm in \"" + std::string(digest) + "\"");
  std::string_view hex = digest.substr(kPrefix.size());
  if (hex.size() != 64) return invalidArgument("invalid digest \"" + std::string(digest) + "\"");
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return invalidArgument("invalid digest \"" + std::string(digest) + "\"");
  }
  return std::string(hex);
}

}  // namespace wharf
