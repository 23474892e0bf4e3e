#include "client/http.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace wharf::client {

namespace {

constexpr size_t kReadChunk = size_t{64} << 10;
constexpr size_t kMaxHeadBytes = 1 << 20;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Error cannotConnect(const Endpoint& ep, int err) {
  // A socket the user may not open is not a daemon that is down (docker's wording).
  if (err == EACCES || err == EPERM) {
    return Error(ErrorCategory::kForbidden,
                 "permission denied while trying to connect to the wharf daemon socket at " +
                     ep.uri + ": connect: permission denied",
                 err);
  }
  // The daemon not running is the common case: say how to fix it (docker's wording, adapted).
  return Error(ErrorCategory::kUnavailable, "Cannot connect to the wharf daemon at " + ep.uri +
                                                ". Is wharfd running? Start it with: wharfd &");
}

Status writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("write to the daemon");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

}  // namespace

std::string HttpResponseHead::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? std::string() : it->second;
}

Result<HttpConnection> HttpConnection::open(const Endpoint& ep) {
  if (ep.kind == Endpoint::Kind::kUnix) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return sysError("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (ep.path.size() >= sizeof(addr.sun_path))
      return invalidArgument("socket path too long: " + ep.path);
    std::memcpy(addr.sun_path, ep.path.c_str(), ep.path.size() + 1);
    int rc;
    do {
      rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return cannotConnect(ep, errno);
    return HttpConnection(std::move(fd));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &res) != 0 || res == nullptr)
    return cannotConnect(ep, 0);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) continue;
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      ::freeaddrinfo(res);
      return HttpConnection(std::move(fd));
    }
  }
  ::freeaddrinfo(res);
  return cannotConnect(ep, 0);
}

Status HttpConnection::send(std::string_view method, std::string_view target,
                            const std::map<std::string, std::string>& headers,
                            std::string_view body) {
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  // docker's client sends this Host for unix sockets; servers ignore it.
  req.append("Host: api.moby.localhost\r\n");
  req.append("User-Agent: wharf-cli/" WHARF_VERSION "\r\n");
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  // Some servers want a length on every POST, even an empty one.
  if (method == "POST" || method == "PUT" || !body.empty())
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  req.append("\r\n");
  req.append(body);
  return writeAll(fd_.get(), req);
}

Status HttpConnection::sendFrom(std::string_view method, std::string_view target,
                                const std::map<std::string, std::string>& headers, int bodyFd) {
  std::string head;
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  head.append("Host: api.moby.localhost\r\n");
  head.append("User-Agent: wharf-cli/" WHARF_VERSION "\r\n");
  for (const auto& [k, v] : headers) head.append(k).append(": ").append(v).append("\r\n");
  head.append("Transfer-Encoding: chunked\r\n\r\n");
  WHARF_TRY(writeAll(fd_.get(), head));
  constexpr size_t kChunk = 1 << 20;
  std::string chunk(kChunk + 32, '\0');
  for (;;) {
    // Room for the size line in front of the data, so each chunk is one write.
    constexpr size_t kHeadRoom = 16;
    ssize_t n = ::read(bodyFd, chunk.data() + kHeadRoom, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("read the request body");
    if (n == 0) break;
    char size[kHeadRoom];
    int len = std::snprintf(size, sizeof size, "%zx\r\n", static_cast<size_t>(n));
    char* start = chunk.data() + kHeadRoom - len;
    std::memcpy(start, size, static_cast<size_t>(len));
    std::memcpy(chunk.data() + kHeadRoom + n, "\r\n", 2);
    WHARF_TRY(writeAll(fd_.get(), std::string_view(start, static_cast<size_t>(len + n + 2))));
  }
  return writeAll(fd_.get(), "0\r\n\r\n");
}

Result<bool> HttpConnection::fill() {
  if (pos_ < buf_.size()) return true;
  buf_.clear();
  pos_ = 0;
  // Read into the stack, not into a resized string: resize() zero-fills all 64 KiB first,
  // faulting in 16 fresh pages for a reply of a few hundred bytes (a CLI's start-up time).
  char chunk[kReadChunk];
  ssize_t n;
  do {
    n = ::read(fd_.get(), chunk, sizeof chunk);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sysError("read from the daemon");
  buf_.assign(chunk, static_cast<size_t>(n));
  return n > 0;
}

Result<std::string> HttpConnection::readLine() {
  std::string line;
  while (true) {
    WHARF_ASSIGN_OR_RETURN(bool more, fill());
    if (!more) return unavailable("the daemon closed the connection unexpectedly");
    size_t nl = buf_.find('\n', pos_);
    if (nl == std::string::npos) {
      line.append(buf_, pos_, std::string::npos);
      pos_ = buf_.size();
      if (line.size() > kMaxHeadBytes) return internalError("response line too long");
      continue;
    }
    line.append(buf_, pos_, nl - pos_);
    pos_ = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
}

Result<HttpResponseHead> HttpConnection::readHead() {
  HttpResponseHead head;
  WHARF_ASSIGN_OR_RETURN(std::string status, readLine());
  // "HTTP/1.1 200 OK"
  if (!status.starts_with("HTTP/1.") || status.size() < 12)
    return internalError("malformed HTTP response from the daemon: " + status);
  head.status = std::atoi(status.c_str() + 9);
  head.reason = status.size() > 13 ? status.substr(13) : "";
  size_t total = 0;
  while (true) {
    WHARF_ASSIGN_OR_RETURN(std::string line, readLine());
    if (line.empty()) break;
    total += line.size();
    if (total > kMaxHeadBytes) return internalError("response head too large");
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    head.headers[lower(trim(std::string_view(line).substr(0, colon)))] =
        std::string(trim(std::string_view(line).substr(colon + 1)));
  }
  std::string te = lower(head.header("transfer-encoding"));
  std::string cl = head.header("content-length");
  if (head.status == 204 || head.status == 304 || head.status == 101 ||
      (head.status >= 100 && head.status < 200)) {
    mode_ = BodyMode::kNone;
  } else if (te.find("chunked") != std::string::npos) {
    mode_ = BodyMode::kChunked;
    remaining_ = 0;
    chunkedDone_ = false;
  } else if (!cl.empty()) {
    mode_ = BodyMode::kLength;
    remaining_ = std::strtoull(cl.c_str(), nullptr, 10);
  } else {
    mode_ = BodyMode::kUntilClose;
  }
  return head;
}

Result<size_t> HttpConnection::readSome(char* out, size_t n) {
  if (n == 0) return size_t{0};
  switch (mode_) {
    case BodyMode::kNone:
      return size_t{0};
    case BodyMode::kLength: {
      if (remaining_ == 0) return size_t{0};
      WHARF_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) return unavailable("the daemon closed the connection in the middle of a response");
      size_t take = std::min({n, buf_.size() - pos_, static_cast<size_t>(remaining_)});
      std::memcpy(out, buf_.data() + pos_, take);
      pos_ += take;
      remaining_ -= take;
      return take;
    }
    case BodyMode::kUntilClose: {
      WHARF_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) return size_t{0};
      size_t take = std::min(n, buf_.size() - pos_);
      std::memcpy(out, buf_.data() + pos_, take);
      pos_ += take;
      return take;
    }
    case BodyMode::kChunked: {
      if (chunkedDone_) return size_t{0};
      if (remaining_ == 0) {
        WHARF_ASSIGN_OR_RETURN(std::string sizeLine, readLine());
        if (sizeLine.empty()) {  // the CRLF that ends the previous chunk
          WHARF_ASSIGN_OR_RETURN(sizeLine, readLine());
        }
        remaining_ = std::strtoull(sizeLine.c_str(), nullptr, 16);
        if (remaining_ == 0) {
          chunkedDone_ = true;
          // Trailers, up to the empty line; a server that closes early is fine too.
          while (true) {
            auto t = readLine();
            if (!t.ok() || t->empty()) break;
          }
          return size_t{0};
        }
      }
      WHARF_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) return unavailable("the daemon closed the connection in the middle of a stream");
      size_t take = std::min({n, buf_.size() - pos_, static_cast<size_t>(remaining_)});
      std::memcpy(out, buf_.data() + pos_, take);
      pos_ += take;
      remaining_ -= take;
      return take;
    }
  }
  return size_t{0};
}

Result<std::string> HttpConnection::readAll() {
  std::string body;
  char tmp[16 * 1024];
  while (true) {
    WHARF_ASSIGN_OR_RETURN(size_t n, readSome(tmp, sizeof(tmp)));
    if (n == 0) return body;
    body.append(tmp, n);
  }
}

std::string HttpConnection::takeBuffered() {
  std::string rest = buf_.substr(std::min(pos_, buf_.size()));
  buf_.clear();
  pos_ = 0;
  return rest;
}

std::string urlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace wharf::client
