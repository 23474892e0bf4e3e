// Client-side registry credentials (cli/internal/auth_config.h).

#include "cli/internal/auth_config.h"

#include <cstdlib>

#include "cli/internal/credential_helper.h"
#include "common/base64.h"
#include "common/fs.h"
#include "common/json.h"

namespace wharf::cli {

namespace {

constexpr std::string_view kDockerHubKey = "https://index.docker.io/v1/";

std::filesystem::path configIn(const char* env, const char* dir) {
  if (const char* d = std::getenv(env); d && *d) return std::filesystem::path(d) / "config.json";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/root") / dir / "config.json";
}

// A config file as JSON: an empty object when it does not exist.
Result<Json> readConfig(const std::filesystem::path& file) {
  if (!fs::exists(file)) return Json::object();
  WHARF_ASSIGN_OR_RETURN(std::string text, fs::readFile(file));
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, file.string()));
  if (!j.is_object()) return invalidArgument(file.string() + ": expected a JSON object");
  return j;
}

Result<std::optional<StoredAuth>> findIn(const std::filesystem::path& file,
                                         const std::string& key) {
  auto cfg = readConfig(file);
  if (!cfg.ok()) return std::optional<StoredAuth>();
  if (std::string helper = credentialHelperFor(*cfg, key); !helper.empty()) {
    WHARF_ASSIGN_OR_RETURN(std::optional<HelperCredentials> c, helperGet(helper, key));
    if (!c) return std::optional<StoredAuth>();
    StoredAuth a;
    a.serverAddress = key;
    if (c->identityToken()) {
      a.identityToken = c->secret;
    } else {
      a.username = c->username;
      a.password = c->secret;
    }
    return std::optional<StoredAuth>(std::move(a));
  }
  if (!cfg->contains("auths") || !(*cfg)["auths"].is_object()) return std::optional<StoredAuth>();
  for (const auto& [k, v] : (*cfg)["auths"].items()) {
    if (credentialKey(k) != key || !v.is_object()) continue;
    StoredAuth a;
    a.serverAddress = k;
    if (v.contains("auth") && v["auth"].is_string()) {
      auto up = base64Decode(v["auth"].get<std::string>());
      if (!up.ok()) continue;
      size_t colon = up->find(':');
      if (colon == std::string::npos) continue;
      a.username = up->substr(0, colon);
      a.password = up->substr(colon + 1);
    }
    if (v.contains("username") && v["username"].is_string()) a.username = v["username"];
    if (v.contains("password") && v["password"].is_string()) a.password = v["password"];
    if (a.username.empty() && a.password.empty()) continue;
    return std::optional<StoredAuth>(std::move(a));
  }
  return std::optional<StoredAuth>();
}

// Drops every auths entry filed under `key`; whether there was one.
bool dropAuthEntries(Json& cfg, const std::string& key) {
  if (!cfg.contains("auths") || !cfg["auths"].is_object()) return false;
  bool erased = false;
  for (auto it = cfg["auths"].begin(); it != cfg["auths"].end();) {
    if (credentialKey(it.key()) == key) {
      it = cfg["auths"].erase(it);
      erased = true;
    } else {
      ++it;
    }
  }
  return erased;
}

}  // namespace

std::string credentialHelperFor(const Json& cfg, const std::string& key) {
  if (!cfg.is_object()) return "";
  if (auto h = cfg.find("credHelpers"); h != cfg.end() && h->is_object())
    for (const auto& [k, v] : h->items())
      if (credentialKey(k) == key && v.is_string() && !v.get<std::string>().empty())
        return v.get<std::string>();
  if (auto s = cfg.find("credsStore"); s != cfg.end() && s->is_string())
    return s->get<std::string>();
  return "";
}

std::filesystem::path wharfConfigFile() { return configIn("WHARF_CONFIG", ".wharf"); }
std::filesystem::path dockerConfigFile() { return configIn("DOCKER_CONFIG", ".docker"); }

std::string credentialKey(std::string_view address) {
  for (std::string_view scheme : {"https://", "http://"})
    if (address.substr(0, scheme.size()) == scheme) address.remove_prefix(scheme.size());
  address = address.substr(0, address.find('/'));
  if (address.empty() || address == "docker.io" || address == "index.docker.io" ||
      address == "registry-1.docker.io")
    return std::string(kDockerHubKey);
  return std::string(address);
}

std::string registryOfImage(std::string_view ref) {
  size_t slash = ref.find('/');
  if (slash == std::string_view::npos) return std::string(kDockerHubKey);
  std::string_view first = ref.substr(0, slash);
  // docker's rule: a first component with '.' or ':', or "localhost", is a registry.
  if (first.find_first_of(".:") == std::string_view::npos && first != "localhost")
    return std::string(kDockerHubKey);
  return credentialKey(first);
}

Result<std::optional<StoredAuth>> findAuth(const std::string& key) {
  WHARF_ASSIGN_OR_RETURN(std::optional<StoredAuth> a, findIn(wharfConfigFile(), key));
  if (a) return a;
  return findIn(dockerConfigFile(), key);
}

Result<std::string> storeAuth(const std::string& key, const std::string& username,
                              const std::string& password) {
  std::filesystem::path file = wharfConfigFile();
  WHARF_ASSIGN_OR_RETURN(Json cfg, readConfig(file));
  std::string helper = credentialHelperFor(cfg, key);
  if (!helper.empty()) WHARF_TRY(helperStore(helper, key, username, password));
  // One entry per registry: older spellings of the same key go.
  dropAuthEntries(cfg, key);
  if (!cfg.contains("auths") || !cfg["auths"].is_object()) cfg["auths"] = Json::object();
  // With a helper the file keeps only that the registry has credentials (docker's way).
  cfg["auths"][key] =
      helper.empty() ? Json{{"auth", base64Encode(username + ":" + password)}} : Json::object();
  WHARF_TRY(fs::mkdirAll(file.parent_path(), 0700));
  WHARF_TRY(fs::writeFileAtomic(file, cfg.dump(1, '\t') + "\n", 0600));
  return helper;
}

Result<bool> eraseAuth(const std::string& key) {
  std::filesystem::path file = wharfConfigFile();
  WHARF_ASSIGN_OR_RETURN(Json cfg, readConfig(file));
  std::string helper = credentialHelperFor(cfg, key);
  if (!helper.empty()) WHARF_TRY(helperErase(helper, key));
  if (!dropAuthEntries(cfg, key)) return !helper.empty();
  WHARF_TRY(fs::writeFileAtomic(file, cfg.dump(1, '\t') + "\n", 0600));
  return true;
}

Result<std::string> registryAuthHeader(std::string_view imageRef) {
  std::string key = registryOfImage(imageRef);
  WHARF_ASSIGN_OR_RETURN(std::optional<StoredAuth> a, findAuth(key));
  if (!a) return std::string("e30=");
  Json j{{"serveraddress", key}};
  if (!a->identityToken.empty()) {
    j["identitytoken"] = a->identityToken;
  } else {
    j["username"] = a->username;
    j["password"] = a->password;
  }
  return base64UrlEncode(j.dump());
}

}  // namespace wharf::cli
