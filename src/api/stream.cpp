#include "api/stream.h"

#include <algorithm>
#include <limits>

namespace wharf::api {

void appendFrame(std::string& out, StreamType type, std::string_view payload) {
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
  do {
    size_t n = std::min(payload.size(), kMax);
    char header[kFrameHeaderSize] = {static_cast<char>(type),
                                     0,
                                     0,
                                     0,
                                     static_cast<char>((n >> 24) & 0xff),
                                     static_cast<char>((n >> 16) & 0xff),
                                     static_cast<char>((n >> 8) & 0xff),
                                     static_cast<char>(n & 0xff)};
    out.append(header, kFrameHeaderSize);
    out.append(payload.substr(0, n));
    payload.remove_prefix(n);
  } while (!payload.empty());
}

std::string frame(StreamType type, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  appendFrame(out, type, payload);
  return out;
}

std::optional<DecodedFrame> takeFrame(std::string& buf) {
  if (buf.size() < kFrameHeaderSize) return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(buf[i])); };
  uint32_t n = (byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) | byte(7);
  if (buf.size() < kFrameHeaderSize + n) return std::nullopt;
  DecodedFrame f{static_cast<StreamType>(buf[0]), buf.substr(kFrameHeaderSize, n)};
  buf.erase(0, kFrameHeaderSize + n);
  return f;
}

}  // namespace wharf::api
