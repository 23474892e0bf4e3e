#pragma once
// Docker's multiplexed stream framing (moby's api/pkg/stdcopy), used by attach, logs and exec
// when the container has no TTY. Version: unchanged since API 1.6.
//
//   +--------+--------+--------+--------+--------+--------+--------+--------+-- ... --+
//   | type   |   0    |   0    |   0    |   payload length, big-endian uint32 | payload |
//   +--------+--------+--------+--------+--------+--------+--------+--------+-- ... --+
//   type: 0 stdin (written to stdout), 1 stdout, 2 stderr, 3 system error (the client
//   raises the payload as an error).
//
// With a TTY the stream is raw: the bytes as the pty produced them, no headers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/stdcopy.h"

namespace wharf::api {

enum class StreamType : uint8_t { kStdin = 0, kStdout = 1, kStderr = 2, kSystemError = 3 };

inline constexpr size_t kFrameHeaderSize = stdcopy::kHeaderSize;

// Appends one frame (header + payload) to out. Payloads over 4 GiB are split.
void appendFrame(std::string& out, StreamType type, std::string_view payload);
std::string frame(StreamType type, std::string_view payload);

struct DecodedFrame {
  StreamType type;
  std::string payload;
};

// Takes one complete frame off the front of buf; nullopt when buf holds less than a frame.
// (The server only writes frames; this is for tests and the client side.)
std::optional<DecodedFrame> takeFrame(std::string& buf);

}  // namespace wharf::api
