#pragma once
// Docker's multiplexed stream framing (moby's api/pkg/stdcopy), the one encoder and header
// decoder both sides use (api writes frames, client reads them, the shim's task API may carry
// them). A frame: 8-byte header (stream type 0 stdin, 1 stdout, 2 stderr, 3 system error;
// three zero bytes; big-endian uint32 payload length), then the payload.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wharf::stdcopy {

inline constexpr size_t kHeaderSize = 8;

// Appends payload as frames of `stream` to out; payloads over 4 GiB are split. An empty payload
// still makes one (empty) frame.
void appendFrame(std::string& out, uint8_t stream, std::string_view payload);

// The payload length a complete 8-byte header announces.
inline uint32_t payloadLength(const char* header) {
  auto b = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(header[i])); };
  return (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
}

}  // namespace wharf::stdcopy
