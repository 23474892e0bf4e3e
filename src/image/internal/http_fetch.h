#pragma once
// A blocking HTTP(S) exchange over libcurl, for the registry client. Every handle has an
// owner (CurlEasy, CurlHeaders); bodies go to a sink with a hard size bound, so a hostile
// server cannot make the daemon buffer more than it asked for. Private to the image module.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base64.h"
#include "common/error.h"

namespace wharf::image::internal {

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST
  std::string url;
  std::vector<std::string> headers;      // "Accept: ..."
  std::string body;                      // PUT/POST
  std::string bodyFile;                  // PUT/PATCH: the body streams from this file instead
  int64_t bodyOffset = 0;                // the part of bodyFile sent: from here,
  int64_t bodyLength = -1;               // this many bytes (-1: to the end)
  std::string basicUser, basicPassword;  // HTTP basic auth, when set
  bool followRedirects = true;           // blob downloads are redirected to storage
  bool verifyTls = true;                 // off only for --insecure-registry entries
  long connectTimeoutSeconds = 15;
  // A transfer slower than 1 byte/s for this long is abandoned (a hung registry).
  long lowSpeedSeconds = 60;
  // Called once with the final status before the first byte of a 2xx body reaches the sink
  // (a resumed download checks its 206 / 200 here); an error aborts the transfer with it.
  std::function<Status(long status, const std::map<std::string, std::string>& headers)> beforeBody;
};

// Why an exchange failed below HTTP: a connection never made (safe to retry any request), a
// transfer broken or timed out (safe for idempotent ones), or something else (a name that
// does not resolve, TLS refused, a sink that gave up).
enum class TransportFailure { kNone, kConnect, kTransfer, kOther };

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, the last value wins
  std::string body;                            // when no sink was given
  std::string effectiveUrl;

  std::string header(const std::string& lowerName) const;
};

// Receives body bytes; returning an error aborts the transfer with it.
using BodySink = std::function<Status(std::string_view)>;

// One exchange. Without a sink the body is kept in the response, up to maxBody bytes (more is
// an error); with one, a 2xx body goes to the sink and an error answer's body (the first
// 64 KiB) to the response. Transport failures are kUnavailable.
// `failure`, when given, says which kind of transport failure an error was.
Result<HttpResponse> httpFetch(const HttpRequest& req, size_t maxBody, const BodySink& sink = {},
                               TransportFailure* failure = nullptr);

// Base64 lives in common/base64.h; the registry code names it from here.
using wharf::base64Decode;
using wharf::base64Encode;

}  // namespace wharf::image::internal
