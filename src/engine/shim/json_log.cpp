#include "engine/shim/json_log.h"

#include <time.h>

#include <cstdio>

#include "common/time.h"

namespace wharf::shim {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid (moby writes \ufffd).
size_t utf8SequenceLength(std::string_view s, size_t i, uint32_t* cp) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t c = 0;
  if (b >= 0xc2 && b <= 0xdf) {
    len = 2, c = b & 0x1f;
  } else if (b >= 0xe0 && b <= 0xef) {
    len = 3, c = b & 0x0f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4, c = b & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xc0) != 0x80) return 0;
    c = (c << 6) | (cb & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
      (c >= 0xd800 && c <= 0xdfff)) {
    return 0;
  }
  *cp = c;
  return len;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
        out.push_back(static_cast<char>(b));
      } else if (b == '\\' || b == '"') {
        out.push_back('\\');
        out.push_back(static_cast<char>(b));
      } else if (b == '\n') {
        out += "\\n";
      } else if (b == '\r') {
        out += "\\r";
      } else {
        out += "\\u00";
        out.push_back(kHex[b >> 4]);
        out.push_back(kHex[b & 15]);
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = utf8SequenceLength(s, i, &cp);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
}

std::string encodeLogLine(std::string_view data, std::string_view stream, int64_t timeNanos) {
  std::string out;
  out.reserve(data.size() + 64);
  out += "{\"log\":";
  appendJsonString(out, data);
  out += ",\"stream\":\"";
  out += stream;
  out += "\",\"time\":\"";
  out += formatRfc3339Nano(timeNanos);
  out += "\"}\n";
  return out;
}

}  // namespace wharf::shim
