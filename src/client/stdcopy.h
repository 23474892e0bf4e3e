#pragma once
// Docker's multiplexed stream framing (moby api/pkg/stdcopy), used by attach and logs when the
// container has no TTY:
//
//   +------+---+---+---+----------------------+-----------------+
//   | type | 0 | 0 | 0 | payload length (u32, | payload bytes   |
//   |  1B  |   |   |   | big-endian)          |                 |
//   +------+---+---+---+----------------------+-----------------+
//
// type 0 = stdin (written to stdout), 1 = stdout, 2 = stderr, 3 = system error (the payload is
// an error message from the daemon; the client reports it as an error).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::client {

enum class StdStream : uint8_t { kStdin = 0, kStdout = 1, kStderr = 2, kSystemErr = 3 };

std::string encodeFrame(StdStream stream, std::string_view payload);

// Incremental decoder: feed it bytes as they arrive, in any split. Payload bytes go to the sink
// as soon as they are known (a large frame is not held back until complete).
class StdDemuxer {
 public:
  using Sink = std::function<Status(StdStream, std::string_view)>;
  explicit StdDemuxer(Sink sink) : sink_(std::move(sink)) {}

  // Fails on a header with an unknown stream type, on a system-error frame (the error carries
  // its payload) or when the sink fails.
  Status feed(std::string_view data);
  // True between a header and the end of its payload, or with a partial header.
  bool midFrame() const { return headerLen_ != 0 || payloadLeft_ != 0; }

 private:
  Sink sink_;
  unsigned char header_[8] = {};
  size_t headerLen_ = 0;
  uint32_t payloadLeft_ = 0;
  StdStream current_ = StdStream::kStdout;
  std::string systemErr_;
};

}  // namespace wharf::client
