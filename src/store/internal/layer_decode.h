#pragma once
// The byte side of layer extraction: where a layer's bytes come from (a file, a download in
// progress) and how they are decompressed (ISA-L for gzip, libarchive's filters for zstd and
// the rest), as pull-style sources the tar reader drains. Private to the store module.

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::store::internal {

// A stream of bytes read in pieces. read() gives the next piece, valid until the next call;
// an empty view is the end (and stays the end). An error ends the stream.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual Result<std::string_view> read() = 0;
};

// Reads a file from its start in 1 MiB pieces.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(UniqueFd fd) : fd_(std::move(fd)), buf_(1 << 20, '\0') {}
  Result<std::string_view> read() override;

 private:
  UniqueFd fd_;
  std::string buf_;
};

enum class LayerCompression { kNone, kGzip, kOther };

// A layer's bytes made ready to decode: the first bytes are read to tell the compression
// (media types lie, and docker's are gzip only), then `decoded` gives the uncompressed tar.
// `decoded` reads from `raw`, which must outlive it.
struct DecodedLayer {
  LayerCompression compression = LayerCompression::kNone;
  bool empty = false;  // no bytes at all: an empty layer
  std::unique_ptr<ByteSource> decoded;
};
Result<DecodedLayer> decodeLayer(ByteSource& raw);

}  // namespace wharf::store::internal
