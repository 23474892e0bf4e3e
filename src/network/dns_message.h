#pragma once
// DNS messages (RFC 1035) as the embedded DNS server (network/dns_server.h) needs them: a
// query parsed with every field bounded, and responses built from it. Everything read comes
// from a container and is hostile: lengths are checked before each read, names are at most
// 255 bytes on the wire, labels at most 63, and a compression pointer must point strictly
// backwards (so a chain of pointers always ends; loops are impossible), with a hop limit too.
//
// Wire format (big-endian):
//   header    id:16 | QR:1 opcode:4 AA:1 TC:1 RD:1 | RA:1 Z:3 rcode:4 | qdcount:16 ancount:16
//             nscount:16 arcount:16                                      (12 bytes)
//   question  name type:16 class:16
//   record    name type:16 class:16 ttl:32 rdlength:16 rdata
//   name      labels (length 1..63, then the bytes) ending with 0, or ending with a pointer
//             (two bytes 0b11xxxxxx xxxxxxxx: the offset of the rest of the name)
// Over TCP each message is preceded by its length (16 bits).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "network/address.h"
#include "network/address6.h"

namespace wharf::network::dns {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxUdpSize = 512;  // a UDP answer without EDNS (RFC 1035 4.2.1)
constexpr size_t kMaxMessageSize = 65535;
constexpr size_t kMaxNameWire = 255;  // a name on the wire, the root byte included

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypePtr = 12;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kClassIn = 1;

constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagAa = 0x0400;
constexpr uint16_t kFlagTc = 0x0200;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kFlagRa = 0x0080;

enum class Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

struct Header {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

  bool isResponse() const { return (flags & kFlagQr) != 0; }
  int opcode() const { return (flags >> 11) & 0xF; }
  Rcode rcode() const { return static_cast<Rcode>(flags & 0xF); }
};

struct Question {
  // Lower case, dot-separated, no trailing dot ("" is the root). A byte that is not a
  // printable ASCII character, or a dot or backslash inside a label, is written \DDD (as dig
  // does), so no two names on the wire read the same.
  std::string name;
  uint16_t type = 0;
  uint16_t cls = 0;
};

struct Record {
  std::string name;
  uint16_t type = 0, cls = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers;  // only with parseMessage(..., true)
  size_t questionEnd = 0;       // offset just past the question section
};

Result<Header> parseHeader(std::span<const uint8_t> msg);
// Reads the name at `offset` and moves `offset` past it (past the first pointer, if any).
Result<std::string> readName(std::span<const uint8_t> msg, size_t& offset);
// Header and questions; with `answers`, the answer section too (rdata kept raw, bounded).
Result<Message> parseMessage(std::span<const uint8_t> msg, bool answers = false);
// A standard query with exactly one question, as a stub resolver sends it; InvalidArgument
// otherwise (the server answers FORMERR or NOTIMP, see formatError()).
Result<Message> parseQuery(std::span<const uint8_t> msg);

// The wire form of a dotted name; nullopt when a label is empty or over 63 bytes, or the name
// over 255 bytes.
std::optional<std::vector<uint8_t>> encodeName(const std::string& name);

// What the server answers from its own records.
struct Answer {
  uint16_t type = kTypeA;
  uint32_t ttl = 600;
  Ipv4 a = 0;          // kTypeA
  std::string target;  // kTypePtr
  Ipv6 aaaa;           // kTypeAaaa
};

// The response to `query` (the bytes it was parsed from): its question echoed, then the
// answers (names compressed to the question's), RA set and RD copied. Answers that would make
// the message longer than `maxSize` are left out and TC is set, as RFC 2181 9 asks.
std::vector<uint8_t> buildResponse(std::span<const uint8_t> raw, const Message& query, Rcode rcode,
                                   const std::vector<Answer>& answers, size_t maxSize);
// An error response for a message whose header parsed but the rest did not: the id kept, no
// question. nullopt when the message is too short or already a response (never answer those:
// a forged response would make two servers answer each other forever).
std::optional<std::vector<uint8_t>> buildError(std::span<const uint8_t> raw, Rcode rcode);

// The PTR name of an address: 4.3.2.1.in-addr.arpa for 1.2.3.4; and back (nullopt when the
// name is not a full IPv4 reverse name).
std::string reverseName(Ipv4 ip);
std::optional<Ipv4> parseReverseName(const std::string& name);
// IPv6: the 32 nibbles reversed, then ip6.arpa (b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.
// 0.0.0.0.1.2.3.4.ip6.arpa); nullopt when not a full IPv6 reverse name (lower case: the query
// parser lowers names).
std::optional<Ipv6> parseReverseName6(const std::string& name);

}  // namespace wharf::network::dns
