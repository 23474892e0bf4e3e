#include "common/time.h"

#include <time.h>

#include <cstdio>
#include <limits>

namespace wharf {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil):
// exact for every year, unlike timegm's dependence on the C library and the time zone.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second;
  int64_t nanos;
};

Civil civilFromNanos(int64_t unixNanos) {
  int64_t secs = unixNanos / kNanosPerSecond;
  int64_t frac = unixNanos % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days, the inverse of daysFromCivil.
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return {y,
          m,
          d,
          static_cast<unsigned>(rem / 3600),
          static_cast<unsigned>(rem % 3600 / 60),
          static_cast<unsigned>(rem % 60),
          frac};
}

std::string formatCivil(const Civil& c, int fracDigits, bool trim) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u",
                        static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  std::string out(buf, static_cast<size_t>(n));
  if (fracDigits > 0 && (!trim || c.nanos != 0)) {
    char fb[16];
    std::snprintf(fb, sizeof fb, ".%09lld", static_cast<long long>(c.nanos));
    std::string f(fb);
    if (trim) {
      while (f.back() == '0') f.pop_back();
    }
    out += f;
  }
  out.push_back('Z');
  return out;
}

Error badTime(std::string_view s) {
  return invalidArgument("parsing time \"" + std::string(s) + "\": not an RFC 3339 time");
}

// Reads exactly n digits at s[pos]; -1 when they are not there.
int64_t digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Parses "YYYY-MM-DD[(T|t)HH:MM:SS[.frac]]" at the start of s into *nanos (UTC, no zone);
// returns how many characters it read, 0 when it is not that.
size_t parseLocalDateTime(std::string_view s, bool requireTime, int64_t* nanos) {
  int64_t y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || s[4] != '-' || s[7] != '-') return 0;
  int64_t days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  size_t pos = 10;
  int64_t secs = days * 86400;
  int64_t frac = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't')) {
    int64_t h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 || s[13] != ':' || s[16] != ':') {
      return 0;
    }
    secs += h * 3600 + mi * 60 + se;
    pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      size_t start = ++pos;
      int64_t scale = kNanosPerSecond;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        scale /= 10;
        frac += (s[pos] - '0') * scale;  // digits past the ninth add 0
        ++pos;
      }
      if (pos == start) return 0;
    }
  } else if (requireTime) {
    return 0;
  }
  // int64 nanoseconds reach from 1677 to 2262; docker's zero time (year 1) is not among them.
  constexpr int64_t kMaxSecs = std::numeric_limits<int64_t>::max() / kNanosPerSecond - 86400;
  if (secs < -kMaxSecs || secs > kMaxSecs) return 0;
  *nanos = secs * kNanosPerSecond + frac;
  return pos;
}

}  // namespace

int64_t nowNanos() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

std::string formatRfc3339Nano(int64_t unixNanos) {
  return formatCivil(civilFromNanos(unixNanos), 9, true);
}

std::string formatRfc3339NanoFixed(int64_t unixNanos) {
  return formatCivil(civilFromNanos(unixNanos), 9, false);
}

std::string formatRfc3339(int64_t unixSeconds) {
  return formatCivil(civilFromNanos(unixSeconds * kNanosPerSecond), 0, false);
}

Result<int64_t> parseRfc3339(std::string_view s) {
  if (s.size() > 64) return badTime(s.substr(0, 64));
  int64_t nanos = 0;
  size_t pos = parseLocalDateTime(s, true, &nanos);
  if (pos == 0) return badTime(s);
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || s[pos + 3] != ':') return badTime(s);
    int64_t offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    nanos -= offset * kNanosPerSecond;
    pos += 6;
  } else {
    return badTime(s);
  }
  if (pos != s.size()) return badTime(s);
  return nanos;
}

Result<int64_t> parseDuration(std::string_view s) {
  auto bad = [&] { return invalidArgument("time: invalid duration \"" + std::string(s) + "\""); };
  if (s.empty() || s.size() > 64) return bad();
  size_t pos = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    ++pos;
  }
  if (pos < s.size() && s.substr(pos) == "0") return int64_t{0};
  if (pos == s.size()) return bad();
  long double total = 0;
  while (pos < s.size()) {
    size_t start = pos;
    long double v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') v = v * 10 + (s[pos++] - '0');
    if (pos < s.size() && s[pos] == '.') {
      long double scale = 0.1L;
      for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) {
        v += (s[pos] - '0') * scale;
      }
    }
    if (pos == start || (pos == start + 1 && s[start] == '.')) return bad();
    size_t ustart = pos;
    while (pos < s.size() && !(s[pos] >= '0' && s[pos] <= '9') && s[pos] != '.') ++pos;
    std::string_view unit = s.substr(ustart, pos - ustart);
    long double mult = 0;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e3L;
    } else if (unit == "ms") {
      mult = 1e6L;
    } else if (unit == "s") {
      mult = 1e9L;
    } else if (unit == "m") {
      mult = 60e9L;
    } else if (unit == "h") {
      mult = 3600e9L;
    } else {
      return bad();
    }
    total += v * mult;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return bad();
  }
  auto n = static_cast<int64_t>(total);
  return neg ? -n : n;
}

Result<int64_t> parseTimestamp(std::string_view s, int64_t nowUnixNanos) {
  auto bad = [&] {
    return invalidArgument("failed to parse value as time or duration: \"" + std::string(s) + "\"");
  };
  if (s.empty() || s.size() > 64) return bad();
  // "0" is a valid Go duration, but docker's GetTimestamp reads it as the Unix epoch
  // (`events --since 0` replays everything).
  if (s != "0") {
    if (auto d = parseDuration(s); d.ok()) return nowUnixNanos - *d;
  }
  if (s.find_first_not_of("0123456789.-") == std::string_view::npos &&
      s.find('-', 1) == std::string_view::npos) {
    // Unix seconds, optionally ".nanoseconds" (docker: the fraction is nanoseconds, padded).
    bool neg = s[0] == '-';
    std::string_view body = neg ? s.substr(1) : s;
    size_t dot = body.find('.');
    std::string_view whole = body.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? "" : body.substr(dot + 1);
    if (whole.empty() || whole.size() > 12 || frac.size() > 9 ||
        whole.find_first_not_of("0123456789") != std::string_view::npos ||
        frac.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad();
    }
    int64_t secs = digits(whole, 0, whole.size());
    int64_t nanos = 0;
    if (!frac.empty()) nanos = digits(frac, 0, frac.size());
    for (size_t i = frac.size(); i < 9 && !frac.empty(); ++i) nanos *= 10;
    int64_t v = secs * kNanosPerSecond + nanos;
    return neg ? -v : v;
  }
  if (auto t = parseRfc3339(s); t.ok()) return *t;
  int64_t nanos = 0;
  size_t pos = parseLocalDateTime(s, false, &nanos);
  if (pos == 0 || pos != s.size()) return bad();
  return nanos;
}

std::string formatUnixSecondsNanos(int64_t unixNanos) {
  int64_t secs = unixNanos / kNanosPerSecond;
  int64_t frac = unixNanos % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --secs;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(secs),
                static_cast<long long>(frac));
  return buf;
}

}  // namespace wharf
