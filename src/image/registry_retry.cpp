// The registry client's retry and resume rules (image/internal/registry_retry.h).

#include "image/internal/registry_retry.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace wharf::image::internal {

namespace {

// Digits only, bounded: no sign, no overflow.
std::optional<int64_t> parseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool isTransientStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int retry) {
  auto d = policy.initialBackoff;
  for (int i = 0; i < retry && d < policy.maxBackoff; ++i) d *= 2;
  return std::min(d, policy.maxBackoff);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value, std::time_t now) {
  value = trimSpaces(value);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (auto secs = parseDecimal(value)) return std::chrono::seconds(*secs);
  std::string text(value);
  for (const char* fmt :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), fmt, &tm);
    if (end == nullptr || *end != '\0') continue;
    std::time_t at = ::timegm(&tm);
    if (at == static_cast<std::time_t>(-1)) return std::nullopt;
    return std::chrono::seconds(at > now ? at - now : 0);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> retryDelayFor(const RetryPolicy& policy, int retry,
                                                       long status, std::string_view retryAfter,
                                                       std::time_t now) {
  if (!isTransientStatus(status)) return std::nullopt;
  std::chrono::milliseconds delay = backoffDelay(policy, retry);
  if (status == 429 || status == 503) {
    if (auto after = parseRetryAfter(retryAfter, now)) {
      if (*after > policy.maxRetryAfter) return std::nullopt;
      delay = std::max<std::chrono::milliseconds>(delay, *after);
    }
  }
  return delay;
}

std::optional<ContentRange> parseContentRange(std::string_view value) {
  value = trimSpaces(value);
  if (value.substr(0, 6) != "bytes ") return std::nullopt;
  value.remove_prefix(6);
  size_t dash = value.find('-'), slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash)
    return std::nullopt;
  auto first = parseDecimal(value.substr(0, dash));
  auto last = parseDecimal(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  ContentRange r{*first, *last, -1};
  std::string_view total = value.substr(slash + 1);
  if (total != "*") {
    auto t = parseDecimal(total);
    if (!t || *t <= *last) return std::nullopt;
    r.total = *t;
  }
  return r;
}

ResumeAction resumeActionFor(long status, std::string_view contentRange, int64_t have,
                             int64_t size) {
  if (status == 200) return ResumeAction::kRestart;
  if (status != 206) return ResumeAction::kFail;
  auto r = parseContentRange(contentRange);
  if (!r || (r->total >= 0 && r->total != size) || r->last >= size) return ResumeAction::kFail;
  return r->first == have ? ResumeAction::kAppend : ResumeAction::kFail;
}

}  // namespace wharf::image::internal
