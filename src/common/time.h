#pragma once
// Time as the Engine API, the json-file log, OCI state and image configs spell it: one
// formatter and one parser for RFC 3339, Go's durations, and docker's `--since/--until`
// timestamps. Every time here is UTC nanoseconds since the Unix epoch (int64 reaches 2262).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

// CLOCK_REALTIME in nanoseconds.
int64_t nowNanos();

// Go's time.RFC3339Nano in UTC: the fraction without trailing zeros, none when it is zero
// ("2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05Z"). Docker's JSON times.
std::string formatRfc3339Nano(int64_t unixNanos);
// Always nine fraction digits ("2024-01-02T03:04:05.100000000Z"): json-file log lines, runc
// state; lines sort as strings.
std::string formatRfc3339NanoFixed(int64_t unixNanos);
// Whole seconds ("2024-01-02T03:04:05Z"): image configs' "created".
std::string formatRfc3339(int64_t unixSeconds);

// Strict RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), 't'/'z' accepted as Go does. Times
// outside 1678..2261 (int64 nanoseconds), docker's zero time "0001-01-01T00:00:00Z" among
// them, are refused: callers test for the zero time first.
Result<int64_t> parseRfc3339(std::string_view s);

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m30s"; units ns us µs ms s m h.
Result<int64_t> parseDuration(std::string_view s);

// docker's timestamp argument (`--since`, `--until`, the API's since/until): a duration before
// `now` ("10m"), Unix seconds with an optional fraction ("1700000000.5"), an RFC 3339 time, or
// "YYYY-MM-DD[THH:MM:SS[.frac]]" without a zone, read as UTC.
Result<int64_t> parseTimestamp(std::string_view s, int64_t nowUnixNanos);

// Unix seconds with nine fraction digits ("1700000000.500000000"): what the docker CLI sends.
std::string formatUnixSecondsNanos(int64_t unixNanos);

}  // namespace wharf
