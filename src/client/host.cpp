#include "client/host.h"

namespace wharf::client {

Result<Endpoint> parseHost(std::string_view uri) {
  Endpoint ep;
  constexpr std::string_view kUnix = "unix://";
  constexpr std::string_view kTcp = "tcp://";
  if (uri.starts_with(kUnix)) {
    ep.kind = Endpoint::Kind::kUnix;
    ep.path = std::string(uri.substr(kUnix.size()));
    if (ep.path.empty() || ep.path[0] != '/')
      return invalidArgument("invalid unix socket address \"" + std::string(uri) +
                             "\": the path must be absolute");
    ep.uri = "unix://" + ep.path;
    return ep;
  }
  std::string_view rest = uri;
  if (rest.starts_with(kTcp)) {
    rest.remove_prefix(kTcp.size());
  } else if (rest.find("://") != std::string_view::npos) {
    return invalidArgument("invalid host \"" + std::string(uri) +
                           "\": only unix:// and tcp:// are supported");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return invalidArgument("invalid host \"" + std::string(uri) + "\"");
  ep.kind = Endpoint::Kind::kTcp;
  // "[::1]:2375" keeps its brackets out of the host name.
  size_t colon = rest.rfind(':');
  if (rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos)
      return invalidArgument("invalid host \"" + std::string(uri) + "\"");
    ep.host = std::string(rest.substr(1, close - 1));
    colon = rest.size() > close + 1 && rest[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    ep.host = std::string(rest.substr(0, colon));
  }
  ep.port = colon == std::string_view::npos ? "2375" : std::string(rest.substr(colon + 1));
  if (ep.host.empty() || ep.port.empty() ||
      ep.port.find_first_not_of("0123456789") != std::string::npos)
    return invalidArgument("invalid host \"" + std::string(uri) + "\"");
  bool v6 = ep.host.find(':') != std::string::npos;
  ep.uri = "tcp://" + (v6 ? "[" + ep.host + "]" : ep.host) + ":" + ep.port;
  return ep;
}

std::string resolveHost(std::string_view flag, const char* envValue) {
  if (!flag.empty()) return std::string(flag);
  if (envValue != nullptr && *envValue != '\0') return envValue;
  return std::string(kDefaultHost);
}

}  // namespace wharf::client
