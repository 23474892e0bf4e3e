// libFuzzer target: one request as wharfd's API server reads it (issue 9) -- Beast's parser
// with the server's limits, then the target split into path and query, then the route
// table's version check and match. Nothing may crash, hang or grow without bound.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api/internal/request_target.h"
#include "api/router.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(64 << 10);
  parser.body_limit(16 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& msg = parser.get();
  wharf::api::Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  wharf::api::parseTarget(req.target, req);
  static wharf::api::Router router = [] {
    wharf::api::Router r("1.51", "1.24");
    for (const char* p : {"/containers/{id}/json", "/images/{name*}/json", "/_ping"})
      r.add("GET", p, "X", [](const wharf::api::Request&, wharf::api::ResponderPtr) {});
    return r;
  }();
  std::string path = req.path, version;
  if (router.stripVersion(path, &version).ok()) {
    std::map<std::string, std::string> params;
    (void)router.match(req.method, path, &params);
  }
  return 0;
}
