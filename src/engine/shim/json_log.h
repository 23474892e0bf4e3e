#pragma once
// Docker's json-file log format, shared by the shim (which writes it) and the engine (which
// reads it for `logs` and `attach`). One JSON object per line, exactly as dockerd writes it:
//
//   {"log":"hi\n","stream":"stdout","time":"2026-11-28T05:00:00.123456789Z"}
//
// "log" holds the bytes of one output line including its "\n"; a line longer than
// kMaxLogChunk, or the last bytes before the stream closed, is written without the "\n"
// (docker's partial messages). Strings are escaped as moby's jsonlog does: \" \\ \n \r, other
// control bytes and < > & as \u00XX, invalid UTF-8 as \ufffd, U+2028/U+2029 as escapes.
// "time" is Go's RFC3339Nano (UTC, trailing zeros of the fraction trimmed).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::shim {

inline constexpr size_t kMaxLogChunk = size_t{16} << 10;  // docker's bufio line limit

// Appends the JSON string literal (with quotes) for bytes `s` to `out`.
void appendJsonString(std::string& out, std::string_view s);

// One log line, with the trailing "\n". stream is "stdout" or "stderr".
std::string encodeLogLine(std::string_view data, std::string_view stream, int64_t timeNanos);
// The same, appended to `out`: the shim encodes into one buffer it keeps, so the pages of a
// batch are not allocated, faulted in and unmapped again for every read of output.
void appendLogLine(std::string& out, std::string_view data, std::string_view stream,
                   int64_t timeNanos);

struct DecodedLogLine {
  std::string data;
  std::string stream;
  int64_t timeNanos = 0;
};
// Parses one line (with or without its trailing "\n").
Result<DecodedLogLine> decodeLogLine(std::string_view line);

// Splits an output stream into log messages: feed bytes as they arrive, then flush at EOF.
// Calls emit(message) for each complete line (including "\n") and for each kMaxLogChunk
// piece of an overlong line.
class LineSplitter {
 public:
  template <typename F>
  void feed(std::string_view bytes, F&& emit) {
    while (!bytes.empty()) {
      size_t nl = bytes.find('\n');
      size_t take = nl == std::string_view::npos ? bytes.size() : nl + 1;
      if (take > kMaxLogChunk - pending_.size()) take = kMaxLogChunk - pending_.size();
      pending_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (pending_.back() == '\n' || pending_.size() >= kMaxLogChunk) {
        emit(std::string_view(pending_));
        pending_.clear();
      }
    }
  }
  template <typename F>
  void flush(F&& emit) {
    if (!pending_.empty()) emit(std::string_view(pending_));
    pending_.clear();
  }
  bool hasPending() const { return !pending_.empty(); }

 private:
  std::string pending_;
};

// Times: common/time.h (the log's "time" is formatRfc3339Nano, parsed by parseRfc3339).

}  // namespace wharf::shim
