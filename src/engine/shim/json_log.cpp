#include "engine/shim/json_log.h"

#include <time.h>

#include <cstdio>
#include <cstring>

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

// Bytes JSON and moby copy as they are: printable ASCII but for \ " < > &.
bool plainAscii(unsigned char b) {
  return b >= 0x20 && b < 0x80 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&';
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  // The shim encodes every byte a container prints, so this is its hot loop: runs of plain
  // bytes are appended at once and escapes are written into room reserved up front (at most
  // 6 bytes per input byte), never a push_back per byte.
  size_t base = out.size();
  out.resize(base + 2 + 6 * s.size());
  char* w = out.data() + base;
  *w++ = '"';
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (run < s.size() && plainAscii(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      std::memcpy(w, s.data() + i, run - i);
      w += run - i;
      i = run;
      continue;
    }
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (b == '\\' || b == '"') {
        *w++ = '\\';
        *w++ = static_cast<char>(b);
      } else if (b == '\n') {
        *w++ = '\\';
        *w++ = 'n';
      } else if (b == '\r') {
        *w++ = '\\';
        *w++ = 'r';
      } else {
        std::memcpy(w, "\\u00", 4);
        w[4] = kHex[b >> 4];
        w[5] = kHex[b & 15];
        w += 6;
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = utf8SequenceLength(s, i, &cp);
    if (len == 0) {
      std::memcpy(w, "\\ufffd", 6);
      w += 6;
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      std::memcpy(w, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
      w += 6;
    } else {
      std::memcpy(w, s.data() + i, len);
      w += len;
    }
    i += len;
  }
  *w++ = '"';
  out.resize(static_cast<size_t>(w - out.data()));
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
