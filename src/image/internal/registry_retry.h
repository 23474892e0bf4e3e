#pragma once
// The registry client's retry and resume rules, as pure functions (unit-tested): which
// answers are transient, the backoff schedule, Retry-After, and Content-Range of a resumed
// blob download. Private to the image module.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "image/registry_client.h"

namespace wharf::image::internal {

// 429 (too many requests), 500, 502, 503, 504: worth asking again. Other 4xx never are.
bool isTransientStatus(long status);

// The wait before retry number `retry` (0 = the first retry): initialBackoff * 2^retry,
// at most maxBackoff.
std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int retry);

// Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP-date (IMF-fixdate, also the
// obsolete RFC 850 and asctime forms), as a wait from `now`; nullopt when absent or
// malformed. A date in the past is zero.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value, std::time_t now);

// How long to wait before retrying an answer with `status` and `retryAfter` header (empty if
// none) after `retry` earlier retries; nullopt when it must not be retried: not transient, or
// the server asks for longer than policy.maxRetryAfter.
std::optional<std::chrono::milliseconds> retryDelayFor(const RetryPolicy& policy, int retry,
                                                       long status, std::string_view retryAfter,
                                                       std::time_t now);

// `Content-Range: bytes <first>-<last>/<total or *>` of a 206 answer.
struct ContentRange {
  int64_t first = 0, last = 0;
  int64_t total = -1;  // -1 for "*"
};
std::optional<ContentRange> parseContentRange(std::string_view value);

// What a resumed download does with the answer to `Range: bytes=<have>-`.
enum class ResumeAction {
  kAppend,   // 206 from `have`: the bytes continue the ones kept
  kRestart,  // 200 (the Range was ignored): drop what is kept; this answer is the whole blob
  kFail,     // a 206 of another range, or a malformed one: drop what is kept, ask again
};
ResumeAction resumeActionFor(long status, std::string_view contentRange, int64_t have,
                             int64_t size);

}  // namespace wharf::image::internal
