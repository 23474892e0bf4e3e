// Decoding lives apart from encoding so that the shim, which only writes logs, does not link
// the JSON parser.
#include <time.h>

#include <cctype>

#include "common/json.h"
#include "engine/shim/json_log.h"

namespace wharf::shim {

Result<DecodedLogLine> decodeLogLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, "log line"));
  if (!j.is_object() || !j.contains("log") || !j["log"].is_string()) {
    return invalidArgument("log line without a \"log\" string");
  }
  DecodedLogLine out;
  out.data = j["log"].get<std::string>();
  if (j.contains("stream") && j["stream"].is_string()) out.stream = j["stream"].get<std::string>();
  if (j.contains("time") && j["time"].is_string()) {
    WHARF_ASSIGN_OR_RETURN(out.timeNanos, parseTime(j["time"].get<std::string>()));
  }
  return out;
}

Result<int64_t> parseTime(std::string_view s) {
  auto bad = [&] { return invalidArgument("invalid time \"" + std::string(s) + "\""); };
  auto digits = [&](size_t pos, size_t n) -> int {
    if (pos + n > s.size()) return -1;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  int year = digits(0, 4), mon = digits(5, 2), day = digits(8, 2), hour = digits(11, 2),
      min = digits(14, 2), sec = digits(17, 2);
  if (year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 ||
      min > 59 || sec < 0 || sec > 60) {
    return bad();
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (n < 9) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return bad();
    for (int k = n; k < 9; ++k) frac *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (oh < 0 || om < 0 || pos + 3 >= s.size() || s[pos + 3] != ':') return bad();
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset;
  return secs * 1000000000 + frac;
}

}  // namespace wharf::shim
