#pragma once
// docker's credential helpers (docker-credential-helpers' protocol), as the docker CLI runs
// them for config.json's "credsStore" (every registry) and "credHelpers" (one per registry):
//
//   docker-credential-<name> get     stdin: the server URL      stdout: {"ServerURL",
//                                                                 "Username","Secret"}
//   docker-credential-<name> store   stdin: {"ServerURL","Username","Secret"}
//   docker-credential-<name> erase   stdin: the server URL
//
// A helper that has nothing for the server exits non-zero printing "credentials not found in
// native keychain"; a Username of "<token>" means Secret is an identity token.

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::cli {

struct HelperCredentials {
  std::string serverUrl, username, secret;
  bool identityToken() const { return username == "<token>"; }
};

// A helper name as config.json gives it: letters, digits, '.', '_', '-' (it becomes part of
// an executable's name looked up on PATH, so never a path).
bool validHelperName(std::string_view name);

// What `get` printed, and its exit status: the credentials, nullopt when the helper has none,
// or an error naming the helper and what it said.
Result<std::optional<HelperCredentials>> parseHelperGet(std::string_view helper, int exitStatus,
                                                        std::string_view output);
// `store`'s input.
std::string helperStoreInput(const std::string& serverUrl, const std::string& username,
                             const std::string& secret);

// Runs `docker-credential-<helper> <action>` (found on PATH) with `input` on its stdin; its
// stdout (at most 64 KiB) and exit status. Not finding the program is an error naming it.
struct HelperRun {
  int exitStatus = 0;
  std::string output;
};
Result<HelperRun> runCredentialHelper(const std::string& helper, const std::string& action,
                                      const std::string& input);

// The three operations; an error for a failure of the helper.
Result<std::optional<HelperCredentials>> helperGet(const std::string& helper,
                                                   const std::string& serverUrl);
Status helperStore(const std::string& helper, const std::string& serverUrl,
                   const std::string& username, const std::string& secret);
Status helperErase(const std::string& helper, const std::string& serverUrl);

}  // namespace wharf::cli
