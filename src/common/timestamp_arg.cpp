// docker's --since/--until forms (common/timestamp_arg.h).
#include "common/timestamp_arg.h"

#include <cctype>
#include <ctime>
#include <string>

namespace wharf {

namespace {

constexpr int64_t kSec = 1000000000;

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|±HH:MM]"; local time without a zone.
Result<int64_t> parseRfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  auto bad = [&] { return invalidArgument("invalid timestamp \"" + std::string(s) + "\""); };
  if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, &mo) ||
      s[7] != '-' || !digits(s, 8, 2, &d))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return bad();
  size_t p = 10;
  int64_t frac = 0;
  if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
    if (!digits(s, p + 1, 2, &h) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !digits(s, p + 4, 2, &mi))
      return bad();
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!digits(s, p + 1, 2, &sec)) return bad();
      p += 3;
      if (p < s.size() && s[p] == '.') {
        ++p;
        int n = 0;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
          if (n < 9) {
            frac = frac * 10 + (s[p] - '0');
            ++n;
          }
          ++p;
        }
        if (n == 0) return bad();
        for (; n < 9; ++n) frac *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return bad();
  }
  int64_t days = daysFromCivil(y, mo, d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec;
  if (p == s.size()) {
    // No zone: the local time, as docker reads it.
    struct tm tm {};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    time_t t = ::mktime(&tm);
    if (t == static_cast<time_t>(-1)) return bad();
    return static_cast<int64_t>(t) * kSec + frac;
  }
  if (s[p] == 'Z' || s[p] == 'z') {
    if (p + 1 != s.size()) return bad();
    return secs * kSec + frac;
  }
  int zh = 0, zm = 0;
  if ((s[p] != '+' && s[p] != '-') || p + 6 != s.size() || !digits(s, p + 1, 2, &zh) ||
      s[p + 3] != ':' || !digits(s, p + 4, 2, &zm))
    return bad();
  int64_t off = (zh * 3600 + zm * 60) * (s[p] == '-' ? -1 : 1);
  return (secs - off) * kSec + frac;
}

}  // namespace

Result<int64_t> parseGoDuration(std::string_view s) {
  auto bad = [&] { return invalidArgument("invalid duration \"" + std::string(s) + "\""); };
  if (s.empty() || s.size() > 64) return bad();
  size_t p = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    p = 1;
  }
  if (s.substr(p) == "0") return int64_t{0};
  if (p >= s.size()) return bad();
  long double total = 0;
  while (p < s.size()) {
    size_t start = p;
    long double v = 0;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])))
      v = v * 10 + (s[p++] - '0');
    if (p < s.size() && s[p] == '.') {
      ++p;
      long double scale = 0.1L;
      while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
        v += (s[p++] - '0') * scale;
        scale /= 10;
      }
    }
    if (p == start || (p == start + 1 && s[start] == '.')) return bad();
    size_t u = p;
    while (p < s.size() && !std::isdigit(static_cast<unsigned char>(s[p])) && s[p] != '.') ++p;
    std::string_view unit = s.substr(u, p - u);
    long double mult = 0;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "µs" || unit == "μs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else
      return bad();
    total += v * mult;
    if (total > 9.2e18L) return bad();
  }
  int64_t n = static_cast<int64_t>(total);
  return neg ? -n : n;
}

Result<int64_t> parseTimestampArg(std::string_view value, int64_t nowNanos) {
  if (value.empty() || value.size() > 64)
    return invalidArgument("invalid timestamp \"" + std::string(value.substr(0, 64)) + "\"");
  // A duration: now minus it (docker: "10m" means ten minutes ago).
  if (auto d = parseGoDuration(value); d.ok()) return nowNanos - *d;
  // Unix seconds, optionally with a fraction.
  bool unix = true;
  int dots = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '.') {
      ++dots;
    } else if (!(c >= '0' && c <= '9') && !(i == 0 && c == '-')) {
      unix = false;
    }
  }
  if (unix && dots <= 1 && value != "-" && value[0] != '.') {
    std::string_view secPart = value.substr(0, value.find('.'));
    if (secPart.size() > 11)
      return invalidArgument("invalid timestamp \"" + std::string(value) + "\"");
    int64_t sec = std::stoll(std::string(secPart.empty() ? "0" : secPart));
    int64_t frac = 0;
    if (auto dot = value.find('.'); dot != std::string_view::npos) {
      std::string f(value.substr(dot + 1, 9));
      if (f.empty()) return invalidArgument("invalid timestamp \"" + std::string(value) + "\"");
      f.resize(9, '0');
      frac = std::stoll(f);
    }
    return sec * kSec + (sec < 0 ? -frac : frac);
  }
  return parseRfc3339(value);
}

}  // namespace wharf
