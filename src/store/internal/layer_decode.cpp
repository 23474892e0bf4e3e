#include "store/internal/layer_decode.h"

#include <archive.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>

#include <cstring>
#include <optional>

namespace wharf::store::internal {
namespace {

constexpr size_t kOutBuf = 1 << 20;

// The bytes read to detect the compression, given back first.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string head, ByteSource& rest) : head_(std::move(head)), rest_(rest) {}
  Result<std::string_view> read() override {
    if (!headGiven_) {
      headGiven_ = true;
      if (!head_.empty()) return std::string_view(head_);
    }
    return rest_.read();
  }

 private:
  std::string head_;
  bool headGiven_ = false;
  ByteSource& rest_;
};

// gzip through ISA-L's SIMD inflate, in place of the zlib that libarchive uses: the header
// is parsed and the CRC-32 and length of every member checked by ISA-L itself. A stream that
// ends before a member's trailer is truncated, and bytes after the last member that do not
// start another are refused, as Go's gzip reader (docker's, containerd's) refuses them.
class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> in) : in_(std::move(in)), out_(kOutBuf, '\0') {
    startMember();
  }

  Result<std::string_view> read() override {
    for (;;) {
      if (done_) return std::string_view();
      if (state_.avail_in == 0) {
        WHARF_ASSIGN_OR_RETURN(std::string_view chunk, in_->read());
        if (chunk.empty()) {
          done_ = true;
          if (state_.block_state == ISAL_BLOCK_FINISH) return std::string_view();
          return invalidArgument("gzip: unexpected end of stream (truncated layer)");
        }
        state_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(chunk.data()));
        state_.avail_in = static_cast<uint32_t>(chunk.size());
      }
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        // One member ended and bytes follow: they must be the next member.
        if (state_.next_in[0] != 0x1f)
          return invalidArgument("gzip: unexpected data after the end of the stream");
        uint8_t* next = state_.next_in;
        uint32_t avail = state_.avail_in;
        startMember();
        state_.next_in = next;
        state_.avail_in = avail;
      }
      state_.next_out = reinterpret_cast<uint8_t*>(out_.data());
      state_.avail_out = static_cast<uint32_t>(out_.size());
      int r = isal_inflate(&state_);
      if (r < 0) return invalidArgument("gzip: " + describe(r));
      size_t produced = out_.size() - state_.avail_out;
      if (produced > 0) return std::string_view(out_.data(), produced);
    }
  }

 private:
  void startMember() {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
  }
  static std::string describe(int r) {
    switch (r) {
      case ISAL_INVALID_BLOCK:
        return "invalid deflate block (corrupt layer)";
      case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol (corrupt layer)";
      case ISAL_INVALID_LOOKBACK:
        return "invalid back reference (corrupt layer)";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header (corrupt layer)";
      case ISAL_UNSUPPORTED_METHOD:
        return "unsupported compression method";
      case ISAL_INCORRECT_CHECKSUM:
        return "checksum mismatch (corrupt layer)";
      default:
        return "inflate error " + std::to_string(r);
    }
  }

  std::unique_ptr<ByteSource> in_;
  inflate_state state_{};
  std::string out_;
  bool done_ = false;
};

struct ReadArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// zstd, xz, bzip2...: libarchive's filters with its "raw" format, which passes the
// decompressed bytes through untouched.
class FilterSource final : public ByteSource {
 public:
  explicit FilterSource(std::unique_ptr<ByteSource> in)
      : in_(std::move(in)), a_(archive_read_new()), out_(kOutBuf, '\0') {}

  Status open() {
    if (!a_) return internalError("archive_read_new failed");
    archive_read_support_filter_all(a_.get());
    archive_read_support_format_raw(a_.get());
    if (archive_read_open(a_.get(), this, nullptr, &FilterSource::pull, nullptr) != ARCHIVE_OK)
      return error();
    archive_entry* e;
    int r = archive_read_next_header(a_.get(), &e);
    if (r == ARCHIVE_EOF)
      eof_ = true;
    else if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return error();
    return okStatus();
  }

  Result<std::string_view> read() override {
    if (eof_) return std::string_view();
    la_ssize_t n = archive_read_data(a_.get(), out_.data(), out_.size());
    if (n < 0) return error();
    if (n == 0) eof_ = true;
    return std::string_view(out_.data(), static_cast<size_t>(n));
  }

 private:
  static la_ssize_t pull(archive*, void* client, const void** out) {
    auto* self = static_cast<FilterSource*>(client);
    auto chunk = self->in_->read();
    if (!chunk.ok()) {
      self->inError_ = std::move(chunk).error();
      return -1;
    }
    *out = chunk->data();
    return static_cast<la_ssize_t>(chunk->size());
  }
  Error error() {
    if (inError_) return *inError_;
    const char* msg = archive_error_string(a_.get());
    return invalidArgument(std::string("decompress layer: ") + (msg ? msg : "unknown error"));
  }

  std::unique_ptr<ByteSource> in_;
  std::unique_ptr<archive, ReadArchiveFree> a_;
  std::string out_;
  std::optional<Error> inError_;
  bool eof_ = false;
};

}  // namespace

Result<std::string_view> FileSource::read() {
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf_.data(), buf_.size());
    if (n >= 0) return std::string_view(buf_.data(), static_cast<size_t>(n));
    if (errno != EINTR) return sysError("read layer");
  }
}

Result<DecodedLayer> decodeLayer(ByteSource& raw) {
  // Up to 4 bytes (the zstd magic), whatever sizes the pieces come in.
  std::string head;
  while (head.size() < 4) {
    WHARF_ASSIGN_OR_RETURN(std::string_view chunk, raw.read());
    if (chunk.empty()) break;
    head.append(chunk);
  }
  DecodedLayer out;
  auto starts = [&](std::string_view magic) { return head.rfind(magic, 0) == 0; };
  if (head.empty())
    out.empty = true;
  else if (starts("\x1f\x8b"))
    out.compression = LayerCompression::kGzip;
  else if (starts("\x28\xb5\x2f\xfd") || starts("BZh") ||
           starts("\xfd"
                  "7zXZ"))
    out.compression = LayerCompression::kOther;
  auto prefixed = std::make_unique<PrefixedSource>(std::move(head), raw);
  switch (out.compression) {
    case LayerCompression::kNone:
      out.decoded = std::move(prefixed);
      break;
    case LayerCompression::kGzip:
      out.decoded = std::make_unique<GzipSource>(std::move(prefixed));
      break;
    case LayerCompression::kOther: {
      auto f = std::make_unique<FilterSource>(std::move(prefixed));
      WHARF_TRY(f->open());
      out.decoded = std::move(f);
      break;
    }
  }
  return out;
}

}  // namespace wharf::store::internal
