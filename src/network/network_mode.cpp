#include "network/network_mode.h"

namespace wharf::network {

Result<NetworkMode> NetworkMode::parse(const std::string& s) {
  NetworkMode m;
  if (s.empty() || s == "default" || s == "bridge") return m;
  if (s == "none") {
    m.kind = Kind::kNone;
  } else if (s == "host") {
    m.kind = Kind::kHost;
  } else if (s.rfind("container:", 0) == 0) {
    m.kind = Kind::kContainer;
    m.target = s.substr(10);
    if (m.target.empty())
      return invalidArgument("invalid network mode: invalid container format container:<name|id>");
  } else if (s.rfind("container", 0) == 0 && s.size() == 9) {
    return invalidArgument("invalid network mode: invalid container format container:<name|id>");
  } else {
    m.kind = Kind::kUser;
    m.target = s;
  }
  return m;
}

std::string NetworkMode::toString() const {
  switch (kind) {
    case Kind::kBridge:
      return "bridge";
    case Kind::kNone:
      return "none";
    case Kind::kHost:
      return "host";
    case Kind::kContainer:
      return "container:" + target;
    case Kind::kUser:
      return target;
  }
  return "bridge";
}

}  // namespace wharf::network
