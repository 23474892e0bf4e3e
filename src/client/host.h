#pragma once
// Where the daemon listens: `-H/--host`, then WHARF_HOST, then the default socket (DESIGN.md).

#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::client {

inline constexpr std::string_view kDefaultHost = "unix:///run/wharf/wharf.sock";

struct Endpoint {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix: the socket path
  std::string host;  // kTcp
  std::string port;  // kTcp
  std::string uri;   // normalised, as shown to the user: "unix:///run/wharf/wharf.sock"
};

// Accepts "unix:///path", "tcp://host[:port]" (port 2375 by default, as docker) and
// "host:port" (tcp).
Result<Endpoint> parseHost(std::string_view uri);

// The flag value wins (empty = not given), then the environment value (nullptr or empty =
// unset), then kDefaultHost.
std::string resolveHost(std::string_view flag, const char* envValue);

}  // namespace wharf::client
