#pragma once
// HostConfig.NetworkMode as a type: docker's strings ("", "default", "bridge", "none",
// "host", "container:<name|id>", or a user network's name or id) parsed once, at create.

#include <string>

#include "common/error.h"

namespace wharf::network {

struct NetworkMode {
  enum class Kind { kBridge, kNone, kHost, kContainer, kUser };
  Kind kind = Kind::kBridge;
  std::string target;  // the container for kContainer, the network name or id for kUser

  static Result<NetworkMode> parse(const std::string& s);
  // The string docker shows in HostConfig.NetworkMode ("bridge", "container:<id>", ...).
  std::string toString() const;
  bool ownNamespace() const {
    return kind == Kind::kBridge || kind == Kind::kUser || kind == Kind::kNone;
  }
  bool operator==(const NetworkMode&) const = default;
};

}  // namespace wharf::network
