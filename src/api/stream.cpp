#include "api/stream.h"

#include "common/stdcopy.h"

namespace wharf::api {

void appendFrame(std::string& out, StreamType type, std::string_view payload) {
  stdcopy::appendFrame(out, static_cast<uint8_t>(type), payload);
}

std::string frame(StreamType type, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  appendFrame(out, type, payload);
  return out;
}

std::optional<DecodedFrame> takeFrame(std::string& buf) {
  if (buf.size() < kFrameHeaderSize) return std::nullopt;
  uint32_t n = stdcopy::payloadLength(buf.data());
  if (buf.size() < kFrameHeaderSize + n) return std::nullopt;
  DecodedFrame f{static_cast<StreamType>(buf[0]), buf.substr(kFrameHeaderSize, n)};
  buf.erase(0, kFrameHeaderSize + n);
  return f;
}

}  // namespace wharf::api
