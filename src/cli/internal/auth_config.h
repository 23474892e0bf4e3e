#pragma once
// Registry credentials on the client side, as the docker CLI keeps them: `wharf login` checks
// them through the daemon (POST /auth) and stores them in $WHARF_CONFIG/config.json (default
// ~/.wharf/config.json) in docker's config.json format:
//
//   {"auths": {"127.0.0.1:5000": {"auth": "<base64 of user:password>"},
//              "https://index.docker.io/v1/": {...}}, ...other keys kept as they are}
//
// pull and push look a registry up there first, then in docker's own ($DOCKER_CONFIG or
// ~/.docker/config.json, "auths" only: credential helpers are not run), and send what they
// find as the X-Registry-Auth header.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::cli {

std::filesystem::path wharfConfigFile();
std::filesystem::path dockerConfigFile();

// The key docker files a registry under: "https://index.docker.io/v1/" for Docker Hub, else
// the host[:port] without scheme or path.
std::string credentialKey(std::string_view serverAddress);
// The registry an image reference names ("localhost:5000/a/b:1" -> "localhost:5000",
// "busybox" -> Docker Hub's key), as a credentialKey.
std::string registryOfImage(std::string_view ref);

struct StoredAuth {
  std::string username, password, serverAddress;
};
// The credentials for `key` (a credentialKey) in wharf's config, else docker's.
std::optional<StoredAuth> findAuth(const std::string& key);
// Stores (replaces) the credentials for `key` in wharf's config, 0600, atomically.
Status storeAuth(const std::string& key, const std::string& username, const std::string& password);
// Removes every entry for `key` ("host", "http://host", "https://host/...") from wharf's
// config; false when there was none.
Result<bool> eraseAuth(const std::string& key);

// X-Registry-Auth for an image's registry: base64url of {"username","password",
// "serveraddress"}, or "e30=" ({}) when nothing is stored, as docker sends.
std::string registryAuthHeader(std::string_view imageRef);

}  // namespace wharf::cli
