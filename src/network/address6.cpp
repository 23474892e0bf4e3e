#include "network/address6.h"

#include <cstdio>

#include "common/digest.h"
#include "network/address.h"

namespace wharf::network {

namespace {

int hexValue6(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Ipv6::isZero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::optional<Ipv6> parseIpv6(std::string_view s) {
  // Bounded before anything is read: the longest form is 45 characters.
  if (s.size() < 2 || s.size() > 45) return std::nullopt;
  std::array<uint16_t, 8> groups{};
  int count = 0, ellipsis = -1;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    ellipsis = 0;
    i = 2;
    if (i == s.size()) return Ipv6{};
  } else if (s[0] == ':') {
    return std::nullopt;
  }
  while (i < s.size()) {
    if (count == 8) return std::nullopt;
    // An embedded IPv4 address takes the last two groups.
    size_t end = s.find(':', i);
    std::string_view tok = s.substr(i, end == std::string_view::npos ? s.size() - i : end - i);
    if (end == std::string_view::npos && tok.find('.') != std::string_view::npos) {
      auto v4 = parseIpv4(tok);
      if (!v4 || count > 6) return std::nullopt;
      groups[count++] = static_cast<uint16_t>(*v4 >> 16);
      groups[count++] = static_cast<uint16_t>(*v4 & 0xFFFF);
      i = s.size();
      break;
    }
    if (tok.empty() || tok.size() > 4) return std::nullopt;
    uint16_t g = 0;
    for (char c : tok) {
      int v = hexValue6(c);
      if (v < 0) return std::nullopt;
      g = static_cast<uint16_t>(g * 16 + v);
    }
    groups[count++] = g;
    i += tok.size();
    if (i == s.size()) break;
    ++i;  // ':'
    if (i < s.size() && s[i] == ':') {
      if (ellipsis >= 0) return std::nullopt;
      ellipsis = count;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;  // a trailing single ':'
    }
  }
  if (ellipsis < 0 && count != 8) return std::nullopt;
  if (ellipsis >= 0 && count == 8) return std::nullopt;  // "::" must stand for one group at least
  std::array<uint16_t, 8> full{};
  if (ellipsis < 0) {
    full = groups;
  } else {
    int tail = count - ellipsis;
    for (int k = 0; k < ellipsis; ++k) full[k] = groups[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[ellipsis + k];
  }
  Ipv6 out;
  for (size_t k = 0; k < 8; ++k) {
    out.bytes[2 * k] = static_cast<uint8_t>(full[k] >> 8);
    out.bytes[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xFF);
  }
  return out;
}

std::string formatIpv6(const Ipv6& ip) {
  std::array<unsigned, 8> g{};
  for (size_t k = 0; k < 8; ++k) g[k] = (unsigned{ip.bytes[2 * k]} << 8) | ip.bytes[2 * k + 1];
  // RFC 5952: the longest run (the first of equals) of two or more zero groups becomes "::".
  int bestStart = -1, bestLen = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int start = k;
    while (k < 8 && g[k] == 0) ++k;
    if (k - start > bestLen && k - start >= 2) {
      bestStart = start;
      bestLen = k - start;
    }
  }
  std::string out;
  char buf[8];
  for (int k = 0; k < 8; ++k) {
    if (k == bestStart) {
      out += "::";
      k += bestLen - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[k]);
    out += buf;
  }
  return out;
}

Ipv6 addToIpv6(const Ipv6& ip, uint64_t offset) {
  Ipv6 out = ip;
  unsigned carry = 0;
  for (int k = 15; k >= 0; --k) {
    unsigned sum = out.bytes[k] + static_cast<unsigned>(offset & 0xFF) + carry;
    out.bytes[k] = static_cast<uint8_t>(sum & 0xFF);
    carry = sum >> 8;
    offset >>= 8;
  }
  return out;
}

uint64_t ipv6Distance(const Ipv6& a, const Ipv6& b) {
  uint64_t x = 0, y = 0;
  for (int k = 8; k < 16; ++k) {
    x = (x << 8) | a.bytes[k];
    y = (y << 8) | b.bytes[k];
  }
  return x - y;
}

std::optional<Prefix6> Prefix6::parse(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parseIpv6(s.substr(0, slash));
  std::string_view len = s.substr(slash + 1);
  if (!ip || len.empty() || len.size() > 3 || (len.size() > 1 && len[0] == '0'))
    return std::nullopt;
  int bits = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    bits = bits * 10 + (c - '0');
  }
  if (bits > 128) return std::nullopt;
  return Prefix6{*ip, bits};
}

namespace {

Ipv6 maskTo(const Ipv6& ip, int bits) {
  Ipv6 out = ip;
  for (int k = 0; k < 16; ++k) {
    int keep = bits - k * 8;
    if (keep >= 8) continue;
    out.bytes[k] = keep <= 0 ? 0 : static_cast<uint8_t>(out.bytes[k] & (0xFF << (8 - keep)));
  }
  return out;
}

}  // namespace

Ipv6 Prefix6::network() const { return maskTo(addr, bits); }

bool Prefix6::contains(const Ipv6& ip) const { return maskTo(ip, bits) == network(); }

bool Prefix6::overlaps(const Prefix6& o) const {
  int b = bits < o.bits ? bits : o.bits;
  return maskTo(addr, b) == maskTo(o.addr, b);
}

std::string Prefix6::toString() const { return formatIpv6(addr) + "/" + std::to_string(bits); }

Prefix6 ulaBasePool(std::string_view hostId) {
  std::string hex = sha256Hex(hostId);
  uint64_t first = 0;
  for (size_t k = 0; k < 16; ++k) first = (first << 4) | static_cast<uint64_t>(hexValue6(hex[k]));
  uint64_t gid = first & ((uint64_t{1} << 40) - 1);
  Ipv6 base;
  base.bytes[0] = 0xfd;
  // Bits 8..47 (the Global ID): docker adds gid shifted left by 80.
  for (int k = 5; k >= 1; --k) {
    base.bytes[k] = static_cast<uint8_t>(gid & 0xFF);
    gid >>= 8;
  }
  return {base, 48};
}

}  // namespace wharf::network
