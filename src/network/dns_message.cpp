#include "network/dns_message.h"

#include <cstdio>

namespace wharf::network::dns {

namespace {

// A chain of pointers is strictly decreasing, so it ends anyway; the limit bounds the work a
// 64 KiB message can ask for (each hop reads at least one label or ends).
constexpr int kMaxPointerHops = 64;

uint16_t get16(std::span<const uint8_t> m, size_t off) {
  return static_cast<uint16_t>((m[off] << 8) | m[off + 1]);
}

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xFFFF));
}

void set16(std::vector<uint8_t>& out, size_t off, uint16_t v) {
  out[off] = static_cast<uint8_t>(v >> 8);
  out[off + 1] = static_cast<uint8_t>(v & 0xFF);
}

Error malformed(const std::string& what) {
  return invalidArgument("malformed DNS message: " + what);
}

void appendLabelByte(std::string& name, uint8_t b) {
  if (b >= 'A' && b <= 'Z') b = static_cast<uint8_t>(b - 'A' + 'a');
  if (b > 0x20 && b < 0x7F && b != '.' && b != '\\') {
    name += static_cast<char>(b);
    return;
  }
  char esc[5];
  std::snprintf(esc, sizeof esc, "\\%03u", static_cast<unsigned>(b));
  name += esc;
}

}  // namespace

Result<Header> parseHeader(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return malformed("shorter than its header");
  if (msg.size() > kMaxMessageSize) return malformed("longer than 65535 bytes");
  Header h;
  h.id = get16(msg, 0);
  h.flags = get16(msg, 2);
  h.qdcount = get16(msg, 4);
  h.ancount = get16(msg, 6);
  h.nscount = get16(msg, 8);
  h.arcount = get16(msg, 10);
  return h;
}

Result<std::string> readName(std::span<const uint8_t> msg, size_t& offset) {
  std::string name;
  size_t pos = offset;
  size_t wire = 1;  // the root byte
  bool jumped = false;
  int hops = 0;
  for (;;) {
    if (pos >= msg.size()) return malformed("name runs past the end");
    uint8_t len = msg[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= msg.size()) return malformed("compression pointer runs past the end");
      size_t target = static_cast<size_t>(((len & 0x3F) << 8) | msg[pos + 1]);
      // Strictly backwards: every hop lowers the position, so no chain can loop.
      if (target >= pos) return malformed("compression pointer does not point backwards");
      if (++hops > kMaxPointerHops) return malformed("too many compression pointers");
      if (!jumped) offset = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return malformed("unknown label type");
    if (len == 0) {
      if (!jumped) offset = pos + 1;
      return name;
    }
    if (pos + 1 + len > msg.size()) return malformed("label runs past the end");
    wire += 1 + static_cast<size_t>(len);
    if (wire > kMaxNameWire) return malformed("name longer than 255 bytes");
    if (!name.empty()) name += '.';
    for (size_t i = 0; i < len; ++i) appendLabelByte(name, msg[pos + 1 + i]);
    pos += 1 + static_cast<size_t>(len);
  }
}

Result<Message> parseMessage(std::span<const uint8_t> msg, bool answers) {
  Message m;
  WHARF_ASSIGN_OR_RETURN(m.header, parseHeader(msg));
  size_t off = kHeaderSize;
  // Each question takes at least 5 bytes: a count beyond what fits is a lie, not a loop bound.
  if (m.header.qdcount > (msg.size() - kHeaderSize) / 5)
    return malformed("more questions than the message holds");
  for (uint16_t i = 0; i < m.header.qdcount; ++i) {
    Question q;
    WHARF_ASSIGN_OR_RETURN(q.name, readName(msg, off));
    if (off + 4 > msg.size()) return malformed("question runs past the end");
    q.type = get16(msg, off);
    q.cls = get16(msg, off + 2);
    off += 4;
    m.questions.push_back(std::move(q));
  }
  m.questionEnd = off;
  if (!answers) return m;
  if (m.header.ancount > (msg.size() - off) / 11)
    return malformed("more answers than the message holds");
  for (uint16_t i = 0; i < m.header.ancount; ++i) {
    Record r;
    WHARF_ASSIGN_OR_RETURN(r.name, readName(msg, off));
    if (off + 10 > msg.size()) return malformed("record runs past the end");
    r.type = get16(msg, off);
    r.cls = get16(msg, off + 2);
    r.ttl = (static_cast<uint32_t>(get16(msg, off + 4)) << 16) | get16(msg, off + 6);
    size_t rdlen = get16(msg, off + 8);
    off += 10;
    if (off + rdlen > msg.size()) return malformed("record data runs past the end");
    r.rdata.assign(msg.begin() + static_cast<std::ptrdiff_t>(off),
                   msg.begin() + static_cast<std::ptrdiff_t>(off + rdlen));
    off += rdlen;
    m.answers.push_back(std::move(r));
  }
  return m;
}

Result<Message> parseQuery(std::span<const uint8_t> msg) {
  WHARF_ASSIGN_OR_RETURN(Header h, parseHeader(msg));
  if (h.isResponse()) return malformed("a response, not a query");
  if (h.opcode() != 0) return notImplemented("DNS opcode " + std::to_string(h.opcode()));
  if (h.qdcount != 1)
    return malformed("a query has exactly one question, not " + std::to_string(h.qdcount));
  if (h.ancount != 0) return malformed("a query with answers");
  // The authority and additional sections (EDNS's OPT, a cookie) are not read: the answer
  // does not depend on them.
  return parseMessage(msg, false);
}

std::optional<std::vector<uint8_t>> encodeName(const std::string& name) {
  std::vector<uint8_t> out;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) return std::nullopt;
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
               name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  if (out.size() > kMaxNameWire) return std::nullopt;
  return out;
}

std::vector<uint8_t> buildResponse(std::span<const uint8_t> raw, const Message& query, Rcode rcode,
                                   const std::vector<Answer>& answers, size_t maxSize) {
  std::vector<uint8_t> out;
  uint16_t flags =
      kFlagQr | kFlagRa | (query.header.flags & kFlagRd) | static_cast<uint16_t>(rcode);
  put16(out, query.header.id);
  put16(out, flags);
  put16(out, static_cast<uint16_t>(query.questions.size()));
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  // The question as the client wrote it (case included, as resolvers compare it).
  out.insert(out.end(), raw.begin() + kHeaderSize,
             raw.begin() + static_cast<std::ptrdiff_t>(query.questionEnd));
  uint16_t count = 0;
  for (const auto& a : answers) {
    std::vector<uint8_t> rr;
    put16(rr, 0xC000 | kHeaderSize);  // the owner name: the question's
    put16(rr, a.type);
    put16(rr, kClassIn);
    put32(rr, a.ttl);
    if (a.type == kTypePtr) {
      auto target = encodeName(a.target);
      if (!target) continue;
      put16(rr, static_cast<uint16_t>(target->size()));
      rr.insert(rr.end(), target->begin(), target->end());
    } else if (a.type == kTypeAaaa) {
      put16(rr, 16);
      rr.insert(rr.end(), a.aaaa.bytes.begin(), a.aaaa.bytes.end());
    } else {
      put16(rr, 4);
      put32(rr, a.a);
    }
    if (out.size() + rr.size() > maxSize) {
      set16(out, 2, flags | kFlagTc);
      break;
    }
    out.insert(out.end(), rr.begin(), rr.end());
    ++count;
  }
  set16(out, 6, count);
  return out;
}

std::optional<std::vector<uint8_t>> buildError(std::span<const uint8_t> raw, Rcode rcode) {
  auto h = parseHeader(raw);
  if (!h.ok() || h->isResponse()) return std::nullopt;
  std::vector<uint8_t> out;
  put16(out, h->id);
  // The opcode and RD echoed, as RFC 1035 4.1.1 asks.
  put16(out, static_cast<uint16_t>(kFlagQr | kFlagRa | (h->flags & (0x7800 | kFlagRd)) |
                                   static_cast<uint16_t>(rcode)));
  for (int i = 0; i < 4; ++i) put16(out, 0);
  return out;
}

std::string reverseName(Ipv4 ip) {
  return std::to_string(ip & 0xFF) + "." + std::to_string((ip >> 8) & 0xFF) + "." +
         std::to_string((ip >> 16) & 0xFF) + "." + std::to_string(ip >> 24) + ".in-addr.arpa";
}

std::optional<Ipv6> parseReverseName6(const std::string& name) {
  static const std::string kSuffix6 = ".ip6.arpa";
  // 32 nibbles and 31 dots before the suffix: bounded, read with a loop.
  if (name.size() != 63 + kSuffix6.size() ||
      name.compare(name.size() - kSuffix6.size(), kSuffix6.size(), kSuffix6) != 0)
    return std::nullopt;
  Ipv6 ip;
  for (size_t k = 0; k < 32; ++k) {
    char c = name[k * 2];
    if (k < 31 && name[k * 2 + 1] != '.') return std::nullopt;
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    // Nibble k counts from the address's last one.
    size_t nibble = 31 - k;
    uint8_t& byte = ip.bytes[nibble / 2];
    byte = static_cast<uint8_t>(nibble % 2 == 0 ? (byte | (v << 4)) : (byte | v));
  }
  return ip;
}

std::optional<Ipv4> parseReverseName(const std::string& name) {
  static const std::string kSuffix = ".in-addr.arpa";
  if (name.size() <= kSuffix.size() ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return std::nullopt;
  std::string rev = name.substr(0, name.size() - kSuffix.size());
  // Four octets, reversed.
  std::string octets[4];
  size_t n = 0, start = 0;
  while (n < 4) {
    size_t dot = rev.find('.', start);
    octets[n++] = rev.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) break;
    start = dot + 1;
    if (n == 4) return std::nullopt;  // a fifth label
  }
  if (n != 4) return std::nullopt;
  return parseIpv4(octets[3] + "." + octets[2] + "." + octets[1] + "." + octets[0]);
}

}  // namespace wharf::network::dns
