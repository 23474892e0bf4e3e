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
  std::string bodyFile;                  // PUT: the body streams from this file instead
  std::string basicUser, basicPassword;  // HTTP basic auth, when set
  bool followRedirects = true;           // blob downloads are redirected to storage
  bool verifyTls = true;                 // off only for --insecure-registry entries
  long connectTimeoutSeconds = 15;
  // A transfer slower than 1 byte/s for this long is abandoned (a hung registry).
  long lowSpeedSeconds = 60;
};

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
Result<HttpResponse> httpFetch(const HttpRequest& req, size_t maxBody, const BodySink& sink = {});

// Base64 lives in common/base64.h; the registry code names it from here.
using wharf::base64Decode;
using wharf::base64Encode;

}  // namespace wharf::image::internal
