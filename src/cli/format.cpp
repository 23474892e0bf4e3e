#include "cli/format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <vector>

#include "common/time.h"

namespace wharf::cli {

size_t runeCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string TabWriter::flush() {
  std::vector<std::vector<std::string>> lines;
  bool trailingNewline = !text_.empty() && text_.back() == '\n';
  size_t start = 0;
  while (start < text_.size()) {
    size_t nl = text_.find('\n', start);
    std::string_view line = std::string_view(text_).substr(
        start, nl == std::string::npos ? std::string::npos : nl - start);
    std::vector<std::string> cells;
    size_t cs = 0;
    while (true) {
      size_t tab = line.find('\t', cs);
      if (tab == std::string_view::npos) {
        cells.emplace_back(line.substr(cs));
        break;
      }
      cells.emplace_back(line.substr(cs, tab - cs));
      cs = tab + 1;
    }
    lines.push_back(std::move(cells));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  // Only tab-terminated cells (all but a line's last) belong to a column.
  std::vector<size_t> widths;
  for (const auto& cells : lines) {
    for (size_t j = 0; j + 1 < cells.size(); ++j) {
      if (widths.size() <= j) widths.resize(j + 1, static_cast<size_t>(minWidth_));
      widths[j] = std::max(widths[j], runeCount(cells[j]) + static_cast<size_t>(padding_));
    }
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& cells = lines[i];
    for (size_t j = 0; j < cells.size(); ++j) {
      out += cells[j];
      if (j + 1 < cells.size()) out.append(widths[j] - runeCount(cells[j]), ' ');
    }
    if (i + 1 < lines.size() || trailingNewline) out += '\n';
  }
  text_.clear();
  return out;
}

std::string humanDuration(int64_t seconds) {
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  auto hours = static_cast<int64_t>(std::llround(static_cast<double>(seconds) / 3600.0));
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < int64_t{24} * 7 * 2) return std::to_string(hours / 24) + " days";
  if (hours < int64_t{24} * 30 * 2) return std::to_string(hours / 24 / 7) + " weeks";
  if (hours < int64_t{24} * 365 * 2) return std::to_string(hours / 24 / 30) + " months";
  return std::to_string(seconds / 3600 / 24 / 365) + " years";
}

namespace {

// Go's %.<p>g, which (unlike C's) never prints a trailing "e+00" for these magnitudes but
// otherwise agrees with C for the values go-units produces (< 1000 after scaling).
std::string formatG(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
  return buf;
}

std::string customSize(double size, double base, const char* const* units, size_t n,
                       int precision) {
  size_t i = 0;
  while (size >= base && i < n - 1) {
    size /= base;
    ++i;
  }
  return formatG(size, precision) + units[i];
}

}  // namespace

std::string humanSize(double bytes, int precision) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  return customSize(bytes, 1000.0, kUnits, 9, precision);
}

std::string bytesSize(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  return customSize(bytes, 1024.0, kUnits, 9, 4);
}

std::string ellipsis(std::string_view s, size_t maxRunes) {
  if (runeCount(s) <= maxRunes) return std::string(s);
  if (maxRunes == 0) return "";
  std::string out;
  size_t runes = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (runes == maxRunes - 1) break;
      ++runes;
    }
    out += s[i];
  }
  return out + "…";
}

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string truncateId(std::string_view id) {
  if (size_t colon = id.find(':'); colon != std::string_view::npos) id.remove_prefix(colon + 1);
  return std::string(id.substr(0, 12));
}

std::string goTimeString(int64_t unixSeconds) {
  auto t = static_cast<time_t>(unixSeconds);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[96];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  return buf;
}

std::string goValueString(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
      return std::to_string(v.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(v.get<uint64_t>());
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e21) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.0f", d);
        return buf;
      }
      return formatG(d, 17);
    }
    case Json::value_t::null:
      return "<nil>";
    case Json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ' ';
        first = false;
        out += goValueString(e);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ' ';
        first = false;
        out += k + ":" + goValueString(e);
      }
      return out + "]";
    }
    default:
      return v.dump();
  }
}

}  // namespace wharf::cli

namespace wharf::cli {

Result<std::string> parseTimestampArg(std::string_view value, int64_t nowSeconds) {
  if (value.empty()) return std::string();
  WHARF_ASSIGN_OR_RETURN(int64_t t, parseTimestamp(value, nowSeconds * kNanosPerSecond));
  // Unix seconds go to the daemon as written (docker does the same).
  if (value.find_first_not_of("0123456789.") == std::string_view::npos) return std::string(value);
  if (t % kNanosPerSecond == 0) return std::to_string(t / kNanosPerSecond);
  return formatUnixSecondsNanos(t);
}

}  // namespace wharf::cli
