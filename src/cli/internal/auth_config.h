#pragma once
// Registry credentials on the client side, as the docker CLI keeps them: `wharf login` checks
// them through the daemon (POST /auth) and stores them in $WHARF_CONFIG/config.json (default
// ~/.wharf/config.json) in docker's config.json format:
//
//   {"auths": {"127.0.0.1:5000": {"auth": "<base64 of user:password>"},
//              "https://index.docker.io/v1/": {...}}, ...other keys kept as they are}
//
// pull and push look a registry up there first, then in docker's own ($DOCKER_CONFIG or
// ~/.docker/config.json), and send what they find as the X-Registry-Auth header.
//
// Credential helpers, as the docker CLI runs them (cli/internal/credential_helper.h): in a
// config, "credHelpers": {"<registry>": "<name>"} names the helper for one registry, else
// "credsStore": "<name>" the helper for all of them; a registry with a helper is looked up
// only there. login/logout store and erase through the helper of wharf's config, which then
// keeps an empty entry under "auths" (as docker's does) and no secret.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json.h"

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
  std::string identityToken;  // from a helper that answered Username "<token>"
};
// The credentials for `key` (a credentialKey) in wharf's config, else docker's; an error
// when a credential helper fails (not when it has nothing).
Result<std::optional<StoredAuth>> findAuth(const std::string& key);
// The credential helper a config gives for `key` ("" for none).
std::string credentialHelperFor(const Json& config, const std::string& key);
// Stores (replaces) the credentials for `key`: through wharf's config's credential helper
// when it names one, else in the file, 0600, atomically. Returns the helper used ("" when
// the file keeps them).
Result<std::string> storeAuth(const std::string& key, const std::string& username,
                              const std::string& password);
// Removes every entry for `key` ("host", "http://host", "https://host/...") from wharf's
// config, and erases it from its credential helper; false when there was none.
Result<bool> eraseAuth(const std::string& key);

// X-Registry-Auth for an image's registry: base64url of {"username","password",
// "serveraddress"} (or "identitytoken"), or "e30=" ({}) when nothing is stored, as docker
// sends.
Result<std::string> registryAuthHeader(std::string_view imageRef);

}  // namespace wharf::cli
