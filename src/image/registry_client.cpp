// RegistryClient: the distribution API's client side (see registry_client.h).

#include "image/registry_client.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <thread>

#include "common/digest.h"
#include "common/json.h"
#include "common/log.h"
#include "image/internal/http_fetch.h"
#include "image/internal/registry_retry.h"
#include "image/internal/registry_util.h"

namespace wharf::image {
namespace {

constexpr size_t kMaxTokenReply = 1 << 20;
constexpr size_t kMaxErrorBody = internal::kRegistryMaxErrorBody;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string internal::registryUrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string internal::registryHostOf(std::string_view domain) {
  if (!domain.empty() && domain.front() == '[') {
    size_t close = domain.find(']');
    return std::string(
        domain.substr(1, close == std::string_view::npos ? domain.size() - 1 : close - 1));
  }
  return std::string(domain.substr(0, domain.find(':')));
}

namespace {

using internal::registryHostOf;
using internal::registryUrlEncode;

bool inCidr(const std::string& host, std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  in_addr addr{}, net{};
  std::string netStr(cidr.substr(0, slash));
  if (::inet_pton(AF_INET, host.c_str(), &addr) != 1 ||
      ::inet_pton(AF_INET, netStr.c_str(), &net) != 1)
    return false;
  int bits = 0;
  for (char c : cidr.substr(slash + 1)) {
    if (c < '0' || c > '9' || bits > 32) return false;
    bits = bits * 10 + (c - '0');
  }
  if (bits > 32) return false;
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ntohl(addr.s_addr) & mask) == (ntohl(net.s_addr) & mask);
}

bool isMediaTypeSchema1(const std::string& mt) {
  return mt == "application/vnd.docker.distribution.manifest.v1+json" ||
         mt == "application/vnd.docker.distribution.manifest.v1+prettyjws";
}

}  // namespace

std::string AuthChallenge::param(const std::string& name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

Result<AuthChallenge> parseAuthChallenge(std::string_view h) {
  if (h.size() > (16 << 10)) return invalidArgument("WWW-Authenticate header is too long");
  AuthChallenge c;
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  skipSpace();
  size_t start = i;
  while (i < h.size() && h[i] != ' ' && h[i] != '\t') ++i;
  c.scheme = lower(std::string(h.substr(start, i - start)));
  if (c.scheme.empty()) return invalidArgument("empty WWW-Authenticate challenge");
  while (i < h.size()) {
    skipSpace();
    if (i < h.size() && h[i] == ',') {
      ++i;
      continue;
    }
    start = i;
    while (i < h.size() && h[i] != '=' && h[i] != ',' && h[i] != ' ') ++i;
    std::string name = lower(std::string(h.substr(start, i - start)));
    skipSpace();
    if (i >= h.size() || h[i] != '=') {
      if (name.empty()) break;
      return invalidArgument("malformed WWW-Authenticate parameter \"" + name + "\"");
    }
    ++i;
    skipSpace();
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      bool closed = false;
      while (i < h.size()) {
        char ch = h[i++];
        if (ch == '\\' && i < h.size()) {
          value += h[i++];
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          value += ch;
        }
      }
      if (!closed) return invalidArgument("unterminated quoted string in WWW-Authenticate");
    } else {
      start = i;
      while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
      value = std::string(h.substr(start, i - start));
    }
    c.params.emplace_back(std::move(name), std::move(value));
  }
  return c;
}

Result<RegistryCredentials> decodeRegistryAuth(std::string_view header) {
  RegistryCredentials c;
  if (header.empty()) return c;
  if (header.size() > (64 << 10)) return invalidArgument("X-Registry-Auth header is too long");
  auto bad = [] { return invalidArgument("invalid X-Registry-Auth header"); };
  auto raw = internal::base64Decode(header);
  if (!raw.ok()) return bad();
  auto j = parseJson(*raw, "X-Registry-Auth");
  if (!j.ok() || !j->is_object()) return bad();
  auto str = [&](const char* k) {
    auto it = j->find(k);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.username = str("username");
  c.password = str("password");
  c.identityToken = str("identitytoken");
  c.registryToken = str("registrytoken");
  if (std::string auth = str("auth"); !auth.empty() && c.username.empty()) {
    auto up = internal::base64Decode(auth);
    if (!up.ok() || up->find(':') == std::string::npos) return bad();
    c.username = up->substr(0, up->find(':'));
    c.password = up->substr(up->find(':') + 1);
  }
  return c;
}

bool isInsecureRegistry(std::string_view domain, const std::vector<std::string>& insecure) {
  std::string host = registryHostOf(domain);
  // docker's default: 127.0.0.0/8 is always insecure. Names are not resolved here, except
  // localhost, which is loopback by definition.
  if (host == "localhost" || host == "::1" || inCidr(host, "127.0.0.0/8")) return true;
  for (const auto& e : insecure) {
    if (e == domain || e == host) return true;
    if (e.find('/') != std::string::npos && inCidr(host, e)) return true;
  }
  return false;
}

std::string RegistryClient::Reply::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string registryDomain(std::string_view address) {
  for (std::string_view scheme : {"https://", "http://"})
    if (address.substr(0, scheme.size()) == scheme) address.remove_prefix(scheme.size());
  address = address.substr(0, address.find('/'));
  if (address.empty() || address == "index.docker.io" || address == "registry-1.docker.io" ||
      address == "registry.hub.docker.com")
    return "docker.io";
  return std::string(address);
}

RegistryClient::RegistryClient(std::string domain, std::string repository,
                               RegistryCredentials creds, RegistryOptions opts)
    : domain_(std::move(domain)),
      repository_(std::move(repository)),
      creds_(std::move(creds)),
      opts_(std::move(opts)) {
  endpoints_ = registryEndpoints(domain_, opts_);
  insecure_ = endpoints_.front().insecure;
}

bool RegistryClient::fromMirror() const {
  return endpointIndex_ < endpoints_.size() && endpoints_[endpointIndex_].mirror;
}

bool RegistryClient::nextEndpoint(const Error& why) {
  if (confirmed_ || endpointIndex_ + 1 >= endpoints_.size() || !fromMirror()) return false;
  const std::string mirror = endpoints_[endpointIndex_].bases.front() + "/";
  const RegistryEndpoint& next = endpoints_[endpointIndex_ + 1];
  log::warn("registry mirror {} failed for {}: {}; trying {}{}", mirror, repository_, why.message(),
            next.bases.front(), next.mirror ? "/" : "");
  tried_.push_back("mirror " + mirror + ": " + why.message());
  ++endpointIndex_;
  insecure_ = endpoints_[endpointIndex_].insecure;
  connected_ = false;
  authScheme_.clear();
  challenge_.clear();
  token_.clear();
  base_.clear();
  return true;
}

Status RegistryClient::ensureConnected() {
  while (!connected_) {
    Status st = connectEndpoint(endpoints_[endpointIndex_]);
    if (st.ok()) return st;
    if (!nextEndpoint(st.error())) return st;
  }
  return okStatus();
}

Status RegistryClient::connectEndpoint(const RegistryEndpoint& ep) {
  Error last = unavailable("no way to reach " + domain_);
  for (const auto& b : ep.bases) {
    internal::HttpRequest req;
    req.url = b + "/v2/";
    req.verifyTls = !ep.insecure;
    req.connectTimeoutSeconds = 10;
    req.lowSpeedSeconds = 30;
    // HTTPS before the plain-HTTP fallback of an insecure registry is tried once: a plain
    // server may answer the TLS hello by resetting the connection, which is no reason to wait.
    const bool fallbackFollows = &b != &ep.bases.back();
    auto r = fetchRetrying(req, kMaxErrorBody, {}, true, fallbackFollows ? 1 : 0);
    if (!r.ok()) {
      last = std::move(r).error();
      continue;
    }
    if (r->status == 401) {
      challenge_ = r->header("www-authenticate");
      WHARF_ASSIGN_OR_RETURN(AuthChallenge c, parseAuthChallenge(challenge_));
      if (c.scheme != "basic" && c.scheme != "bearer")
        return notImplemented("registry " + domain_ + " asks for \"" + c.scheme +
                              "\" authentication, which wharf does not support");
      authScheme_ = c.scheme;
    } else if (r->status != 200) {
      // An HTTPS port that speaks something else (or a plain HTTP server answering a TLS
      // hello with 400) is tried over HTTP next, when that is allowed.
      last = unavailable("GET " + req.url + ": " + std::to_string(r->status) +
                         " (not a distribution API v2 registry?)");
      continue;
    }
    base_ = b;
    connected_ = true;
    if (authScheme_ == "bearer") {
      Status st = fetchToken(challenge_);
      if (!st.ok()) {
        connected_ = false;
        return st;
      }
    }
    return okStatus();
  }
  return last;
}

Result<internal::HttpResponse> RegistryClient::fetchRetrying(
    const internal::HttpRequest& req, size_t maxBody,
    const std::function<Status(std::string_view)>& sink, bool idempotent, int maxAttempts) {
  const RetryPolicy& policy = opts_.retry;
  const int attempts = std::max(1, maxAttempts > 0 ? maxAttempts : policy.maxAttempts);
  lastFailureTransient_ = false;
  for (int attempt = 1;; ++attempt) {
    bool delivered = false;
    std::function<Status(std::string_view)> tracking;
    if (sink)
      tracking = [&](std::string_view d) {
        delivered = true;
        return sink(d);
      };
    internal::TransportFailure why = internal::TransportFailure::kNone;
    auto r = internal::httpFetch(req, maxBody, tracking, &why);
    std::optional<std::chrono::milliseconds> delay;
    if (!r.ok()) {
      bool transient = why == internal::TransportFailure::kConnect ||
                       (why == internal::TransportFailure::kTransfer && idempotent);
      lastFailureTransient_ = transient;
      if (!transient || delivered || attempt >= attempts) {
        if (attempt == 1) return std::move(r).error();
        return Error(r.error().category(),
                     r.error().message() + " (after " + std::to_string(attempt) + " attempts)");
      }
      delay = internal::backoffDelay(policy, attempt - 1);
    } else {
      bool allowed = idempotent || r->status == 429 || r->status == 503;
      if (allowed && attempt < attempts && !delivered)
        delay = internal::retryDelayFor(policy, attempt - 1, r->status, r->header("retry-after"),
                                        std::time(nullptr));
      if (!delay) return r;
    }
    log::info("registry {}: {}; retrying in {} ms (attempt {} of {})", domain_,
              r.ok() ? req.method + " " + req.url + " answered " + std::to_string(r->status)
                     : r.error().message(),
              delay->count(), attempt + 1, attempts);
    std::this_thread::sleep_for(*delay);
  }
}

Status RegistryClient::fetchToken(const std::string& challenge) {
  if (!creds_.registryToken.empty()) {
    token_ = creds_.registryToken;
    return okStatus();
  }
  WHARF_ASSIGN_OR_RETURN(AuthChallenge c, parseAuthChallenge(challenge));
  std::string realm = c.param("realm");
  if (realm.rfind("https://", 0) != 0 && realm.rfind("http://", 0) != 0)
    return unavailable("registry " + domain_ + ": bearer challenge without a usable realm");
  // A plain-HTTP token service only for a registry that may itself be plain HTTP.
  if (realm.rfind("http://", 0) == 0 && !insecure_)
    return forbidden("registry " + domain_ + ": refusing to send credentials to " + realm);
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    url += (first ? "" : "&") + k + "=" + registryUrlEncode(v);
    first = false;
  };
  if (!c.param("service").empty()) add("service", c.param("service"));
  // Our scope, and the one the registry named if it differs (a 401 may ask for another).
  // A login (no repository) asks for a token without a scope, as docker login does.
  std::string scope;
  if (!repository_.empty()) {
    scope = "repository:" + repository_ + (opts_.push ? ":pull,push" : ":pull");
    add("scope", scope);
  }
  // Blobs mounted from another repository need pull rights there.
  for (const auto& from : opts_.mountSources)
    if (from != repository_) add("scope", "repository:" + from + ":pull");
  if (!c.param("scope").empty() && c.param("scope") != scope) add("scope", c.param("scope"));
  internal::HttpRequest req;
  req.url = url;
  req.verifyTls = !insecure_;
  req.basicUser = creds_.username;
  req.basicPassword = creds_.password;
  WHARF_ASSIGN_OR_RETURN(internal::HttpResponse r, fetchRetrying(req, kMaxTokenReply, {}, true));
  if (r.status == 401 || r.status == 403)
    return Error(ErrorCategory::kUnauthorized,
                 "Get \"" + realm + "\": unauthorized: incorrect username or password");
  if (r.status != 200)
    return unavailable("token service " + realm + " answered " + std::to_string(r.status));
  auto j = parseJson(r.body, "token reply");
  if (!j.ok() || !j->is_object()) return unavailable("token service " + realm + ": invalid reply");
  std::string tok = j->value("token", "");
  if (tok.empty()) tok = j->value("access_token", "");
  if (tok.empty()) return unavailable("token service " + realm + ": no token in the reply");
  token_ = std::move(tok);
  return okStatus();
}

Result<RegistryClient::Reply> RegistryClient::send(
    const std::string& method, const std::string& path, const std::vector<std::string>& headers,
    size_t maxBody, const std::function<Status(std::string_view)>& sink, const std::string& body,
    const std::string& bodyFile, int64_t bodyOffset, int64_t bodyLength,
    const std::function<Status(long, const std::string&)>& beforeBody) {
  WHARF_TRY(ensureConnected());
  for (int attempt = 0;; ++attempt) {
    internal::HttpRequest req;
    req.method = method;
    // Upload locations are absolute URLs (or paths): they already name the host.
    req.url = path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0 ? path : base_ + path;
    req.body = body;
    req.bodyFile = bodyFile;
    req.bodyOffset = bodyOffset;
    req.bodyLength = bodyLength;
    req.headers = headers;
    req.verifyTls = !insecure_;
    if (beforeBody)
      req.beforeBody = [&](long status, const std::map<std::string, std::string>& h) {
        auto it = h.find("content-range");
        return beforeBody(status, it == h.end() ? std::string() : it->second);
      };
    if (authScheme_ == "bearer" && !token_.empty()) {
      req.headers.push_back("Authorization: Bearer " + token_);
    } else if (authScheme_ == "basic") {
      if (creds_.username.empty())
        return Error(ErrorCategory::kUnauthorized,
                     "registry " + domain_ + " requires authentication: no basic auth credentials");
      req.basicUser = creds_.username;
      req.basicPassword = creds_.password;
    }
    // GET, HEAD and a manifest PUT can be repeated; an upload's POST, PATCH and PUT only when
    // the registry never saw them (a failed connect) or said so (429, 503).
    bool idempotent = method == "GET" || method == "HEAD" ||
                      (method == "PUT" && path.find("/manifests/") != std::string::npos);
    auto r = fetchRetrying(req, maxBody, sink, idempotent);
    if (!r.ok()) return std::move(r).error();
    // A token can expire, or cover too little: one fresh token per request, then give up.
    if (r->status == 401 && authScheme_ == "bearer" && attempt == 0 &&
        !r->header("www-authenticate").empty()) {
      WHARF_TRY(fetchToken(r->header("www-authenticate")));
      continue;
    }
    Reply out;
    out.status = r->status;
    out.body = std::move(r->body);
    out.headers = std::move(r->headers);
    return out;
  }
}

Error RegistryClient::registryError(long status, const std::string& body,
                                    const std::string& what) const {
  std::string msg;
  if (auto j = parseJson(body, "registry error");
      j.ok() && j->is_object() && j->contains("errors") && (*j)["errors"].is_array()) {
    for (const auto& e : (*j)["errors"]) {
      if (!e.is_object()) continue;
      std::string code = lower(e.value("code", ""));
      std::replace(code.begin(), code.end(), '_', ' ');
      if (!msg.empty()) msg += "; ";
      msg += code + ": " + e.value("message", "");
    }
  }
  if (msg.empty()) {
    msg = "the registry answered " + std::to_string(status);
  } else if (status == 429 || status >= 500) {
    // A server-side failure survived the retries: say which answer it was.
    msg += " (HTTP " + std::to_string(status) + ")";
  }
  std::string full = what + ": " + msg;
  if (status == 404) return notFound(full);
  if (status == 401) return Error(ErrorCategory::kUnauthorized, full);
  if (status == 403) return forbidden(full);
  if (status == 429 || status >= 500) return unavailable(full);
  return invalidArgument(full);
}

Status RegistryClient::login() {
  // Bearer: the token service checks the credentials here, and refuses bad ones.
  WHARF_TRY(ensureConnected());
  // A registry that asks for no authentication lets anyone in (docker's login agrees).
  if (authScheme_.empty()) return okStatus();
  WHARF_ASSIGN_OR_RETURN(Reply r, send("GET", "/v2/", {}, kMaxErrorBody, {}));
  if (r.status == 200) return okStatus();
  // docker's words (registry/auth.go loginV2).
  std::string msg = "login attempt to " + base_ +
                    "/v2/ failed with status: " + std::to_string(r.status) +
                    (r.status == 401   ? " Unauthorized"
                     : r.status == 403 ? " Forbidden"
                                       : "");
  if (r.status == 401) return Error(ErrorCategory::kUnauthorized, msg);
  if (r.status == 403) return forbidden(msg);
  return unavailable(msg);
}

Result<FetchedManifest> RegistryClient::manifest(const std::string& ref) {
  for (;;) {
    auto m = manifestFrom(ref);
    if (m.ok()) {
      if (!confirmed_ && fromMirror())
        log::info("pull {}:{}: from mirror {}/", repository_, ref,
                  endpoints_[endpointIndex_].bases.front());
      confirmed_ = true;
      return m;
    }
    if (nextEndpoint(m.error())) continue;
    if (tried_.empty()) return m;
    std::string all;
    for (const auto& t : tried_) all += "; " + t;
    return Error(m.error().category(),
                 m.error().message() + " (after the mirrors failed: " + all.substr(2) + ")");
  }
}

Result<FetchedManifest> RegistryClient::manifestFrom(const std::string& ref) {
  std::vector<std::string> headers = {
      "Accept: application/vnd.oci.image.index.v1+json, "
      "application/vnd.oci.image.manifest.v1+json, "
      "application/vnd.docker.distribution.manifest.list.v2+json, "
      "application/vnd.docker.distribution.manifest.v2+json, "
      // Asked for too, so that an old image is refused with a clear message, not a 404.
      "application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1"};
  WHARF_ASSIGN_OR_RETURN(Reply r, send("GET", "/v2/" + repository_ + "/manifests/" + ref, headers,
                                       kMaxManifestBytes, {}));
  std::string what = domain_ + "/" + repository_ + (ref.rfind("sha256:", 0) == 0 ? "@" : ":") + ref;
  if (r.status == 404)
    return notFound("manifest for " + what + " not found: manifest unknown: manifest unknown");
  if (r.status != 200) return registryError(r.status, r.body, "pull " + what);
  FetchedManifest m;
  m.digest = sha256Digest(r.body);
  if (ref.rfind("sha256:", 0) == 0 && ref != m.digest)
    return invalidArgument("manifest for " + what + ": the registry sent content with digest " +
                           m.digest);
  m.bytes = std::move(r.body);
  auto j = parseJson(m.bytes, "manifest");
  if (!j.ok() || !j->is_object()) return invalidArgument("manifest for " + what + " is not JSON");
  m.mediaType = j->value("mediaType", "");
  if (m.mediaType.empty()) {
    std::string ct = r.header("content-type");
    m.mediaType = ct.substr(0, ct.find(';'));
  }
  if (isMediaTypeSchema1(m.mediaType) || j->value("schemaVersion", 0) == 1)
    return invalidArgument(
        "pull " + what +
        ": the image uses Docker image manifest version 2, schema 1, which wharf does not "
        "support (as docker 28+); ask its author to push it again as an OCI or Docker schema 2 "
        "image");
  return m;
}

}  // namespace wharf::image
