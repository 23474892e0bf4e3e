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

// How each ASCII byte is written: as itself (len 1), as a two-byte escape (\" \\ \n \r) or
// as \u00XX (control bytes and < > &, as moby's jsonlog does). A table, not a chain of
// comparisons: output made of control bytes (a program writing binary or NULs) is escaped
// byte by byte, and this was the shim's hottest loop on such output.
struct AsciiEscapes {
  uint8_t len[128];
  char seq[128][6];
};

constexpr AsciiEscapes makeAsciiEscapes() {
  AsciiEscapes t{};
  for (int b = 0; b < 128; ++b) {
    bool plain = b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&';
    if (plain) {
      t.len[b] = 1;
      t.seq[b][0] = static_cast<char>(b);
    } else if (b == '\\' || b == '"' || b == '\n' || b == '\r') {
      t.len[b] = 2;
      t.seq[b][0] = '\\';
      t.seq[b][1] = b == '\n' ? 'n' : b == '\r' ? 'r' : static_cast<char>(b);
    } else {
      t.len[b] = 6;
      const char u[] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 15]};
      for (int k = 0; k < 6; ++k) t.seq[b][k] = u[k];
    }
  }
  return t;
}

constexpr AsciiEscapes kAsciiEscapes = makeAsciiEscapes();

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
    while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80 &&
           kAsciiEscapes.len[static_cast<unsigned char>(s[run])] == 1)
      ++run;
    if (run > i) {
      std::memcpy(w, s.data() + i, run - i);
      w += run - i;
      i = run;
      continue;
    }
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      // Always 6 bytes copied (the room reserved per input byte), `len` of them kept.
      std::memcpy(w, kAsciiEscapes.seq[b], 6);
      w += kAsciiEscapes.len[b];
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t len = utf8SequenceLength(s, i, &cp);
    // The escapes below are 6 bytes copied into reserved room of the output, not C strings.
    if (len == 0) {
      std::memcpy(w, "\\ufffd", 6);  // NOLINT(bugprone-not-null-terminated-result)
      w += 6;
      ++i;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      const char* esc = cp == 0x2028 ? "\\u2028" : "\\u2029";
      std::memcpy(w, esc, 6);  // NOLINT(bugprone-not-null-terminated-result)
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

void appendLogLine(std::string& out, std::string_view data, std::string_view stream,
                   int64_t timeNanos) {
  out += "{\"log\":";
  appendJsonString(out, data);
  out += ",\"stream\":\"";
  out += stream;
  out += "\",\"time\":\"";
  out += formatRfc3339Nano(timeNanos);
  out += "\"}\n";
}

std::string encodeLogLine(std::string_view data, std::string_view stream, int64_t timeNanos) {
  std::string out;
  out.reserve(data.size() + 64);
  appendLogLine(out, data, stream, timeNanos);
  return out;
}

}  // namespace wharf::shim
