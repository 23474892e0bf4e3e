#include "image/reference.h"

#include <algorithm>

#include "common/digest.h"

namespace wharf::image {
namespace {

// The grammar is distribution/reference's (reference.go), checked by hand rather than with
// std::regex: it is small, and the error for each part can then say which part is wrong.
constexpr size_t kMaxNameLength = 255;
constexpr std::string_view kLegacyDomain = "index.docker.io";
constexpr std::string_view kOfficialPrefix = "library/";

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return isLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool isHex(char c) { return (c >= '0' && c <= 'f') && (c <= '9' || c >= 'a'); }

Error invalidFormat() { return invalidArgument("invalid reference format"); }

// path-component: [a-z0-9]+ (separator [a-z0-9]+)*, separator: [_.] | __ | [-]+
bool validPathComponent(std::string_view c) {
  if (c.empty() || !isLowerAlnum(c.front()) || !isLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (isLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !isLowerAlnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              std::all_of(sep.begin(), sep.end(), [](char ch) { return ch == '-'; });
    if (!ok) return false;
    i = j;
  }
  return true;
}

// domain: host components ([a-zA-Z0-9] with inner '-') joined by '.', or [ipv6], then :port.
bool validDomain(std::string_view d) {
  std::string_view host = d;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : d.substr(1, close - 1))
      if (!(isHex(c) || (c >= 'A' && c <= 'F') || c == ':')) return false;
    host = {};
    d = d.substr(close + 1);
    if (!d.empty() && d.front() != ':') return false;
  } else {
    size_t colon = d.find(':');
    host = d.substr(0, colon);
    d = colon == std::string_view::npos ? std::string_view() : d.substr(colon);
    if (host.empty()) return false;
    size_t i = 0;
    while (i <= host.size()) {
      size_t j = host.find('.', i);
      if (j == std::string_view::npos) j = host.size();
      std::string_view comp = host.substr(i, j - i);
      if (comp.empty() || !isAlnum(comp.front()) || !isAlnum(comp.back())) return false;
      for (char c : comp)
        if (!isAlnum(c) && c != '-') return false;
      i = j + 1;
    }
  }
  if (!d.empty()) {  // ":port"
    std::string_view port = d.substr(1);
    if (port.empty()) return false;
    for (char c : port)
      if (c < '0' || c > '9') return false;
  }
  return true;
}

// tag: [\w][\w.-]{0,127}
bool validTag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return isAlnum(c) || c == '_'; };
  if (!word(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

}  // namespace

std::string Reference::repository() const { return domain + "/" + path; }

std::string Reference::familiarRepository() const {
  if (domain != kDefaultDomain) return repository();
  std::string_view p = path;
  if (p.substr(0, kOfficialPrefix.size()) == kOfficialPrefix &&
      p.find('/', kOfficialPrefix.size()) == std::string_view::npos)
    p.remove_prefix(kOfficialPrefix.size());
  return std::string(p);
}

std::string Reference::normalized() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar() const {
  std::string out = familiarRepository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<Reference> parseReference(std::string_view s) {
  // docker's ErrNameEmpty.
  if (s.empty()) return invalidArgument("repository name must have at least one component");
  // Bounded before any work: the longest valid reference is a 255-character name, a
  // 128-character tag and a digest (an algorithm and up to 128 hex digits).
  if (s.size() > kMaxNameLength + 1 + 128 + 1 + 16 + 1 + 128)
    return invalidArgument("invalid reference format: repository name must not be more than " +
                           std::to_string(kMaxNameLength) + " characters");
  if (s.size() == 64 && std::all_of(s.begin(), s.end(), isHex))
    return invalidArgument("invalid repository name (" + std::string(s) +
                           "), cannot specify 64-byte hexadecimal strings");
  Reference ref;
  std::string_view name = s;
  if (size_t at = s.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(s.substr(at + 1));
    name = s.substr(0, at);
    if (!parseDigest(ref.digest).ok()) return invalidFormat();
  }
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
    if (!validTag(ref.tag)) return invalidFormat();
  }
  if (name.empty()) return invalidFormat();

  // The first component is a registry when it looks like one: has a '.' or ':', is
  // "localhost", or has capitals (which a repository path may not).
  size_t first = name.find('/');
  std::string_view head = name.substr(0, first);
  bool hasDomain =
      first != std::string_view::npos &&
      (head.find_first_of(".:") != std::string_view::npos || head == "localhost" ||
       std::any_of(head.begin(), head.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  if (hasDomain) {
    ref.domain = std::string(head);
    ref.path = std::string(name.substr(first + 1));
  } else {
    ref.domain = std::string(kDefaultDomain);
    ref.path = std::string(name);
  }
  if (ref.domain == kLegacyDomain) ref.domain = std::string(kDefaultDomain);
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos)
    ref.path = std::string(kOfficialPrefix) + ref.path;

  if (std::any_of(ref.path.begin(), ref.path.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return invalidArgument("invalid reference format: repository name (" + ref.path +
                           ") must be lowercase");
  if (!validDomain(ref.domain)) return invalidFormat();
  size_t i = 0;
  while (i <= ref.path.size()) {
    size_t j = ref.path.find('/', i);
    if (j == std::string::npos) j = ref.path.size();
    if (!validPathComponent(std::string_view(ref.path).substr(i, j - i))) return invalidFormat();
    i = j + 1;
  }
  if (name.size() > kMaxNameLength)
    return invalidArgument("invalid reference format: repository name must not be more than " +
                           std::to_string(kMaxNameLength) + " characters");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = std::string(kDefaultTag);
  return ref;
}

}  // namespace wharf::image
