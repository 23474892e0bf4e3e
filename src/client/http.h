#pragma once
// A minimal blocking HTTP/1.1 client connection over a unix or tcp socket: enough for the
// Engine API (JSON bodies, chunked streams, long polls and the attach hijack). One request
// per connection: the CLI makes a handful of calls, and a fresh unix-socket connect costs
// microseconds, so keep-alive bookkeeping would buy nothing.

#include <map>
#include <string>
#include <string_view>

#include "client/host.h"
#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::client {

struct HttpResponseHead {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // names lower-cased

  // Empty if absent.
  std::string header(const std::string& lowerName) const;
};

class HttpConnection {
 public:
  // Fails with kUnavailable when the socket is missing or refuses the connection.
  static Result<HttpConnection> open(const Endpoint& ep);

  HttpConnection(HttpConnection&&) = default;
  HttpConnection& operator=(HttpConnection&&) = default;

  // Sends the request line, the headers given (Host, User-Agent and Content-Length are added)
  // and the body.
  Status send(std::string_view method, std::string_view target,
              const std::map<std::string, std::string>& headers, std::string_view body);
  // The same with the body read from `bodyFd` to its end and sent chunked as it is read: an
  // image archive of any size costs a buffer, not its size in memory.
  Status sendFrom(std::string_view method, std::string_view target,
                  const std::map<std::string, std::string>& headers, int bodyFd);
  Result<HttpResponseHead> readHead();
  // Reads up to n body bytes (decoding chunked encoding); 0 means the body ended.
  Result<size_t> readSome(char* buf, size_t n);
  Result<std::string> readAll();

  // For the hijack: the socket and whatever was read past the response head.
  UniqueFd releaseFd() { return std::move(fd_); }
  std::string takeBuffered();
  int fd() const { return fd_.get(); }

 private:
  explicit HttpConnection(UniqueFd fd) : fd_(std::move(fd)) {}
  // Ensures buffered data; false at EOF.
  Result<bool> fill();
  Result<std::string> readLine();

  enum class BodyMode { kNone, kLength, kChunked, kUntilClose };
  UniqueFd fd_;
  std::string buf_;
  size_t pos_ = 0;
  BodyMode mode_ = BodyMode::kNone;
  uint64_t remaining_ = 0;  // kLength: body bytes left; kChunked: bytes left in this chunk
  bool chunkedDone_ = false;
};

// "%XX"-escapes everything but unreserved characters (RFC 3986).
std::string urlEncode(std::string_view s);

}  // namespace wharf::client
