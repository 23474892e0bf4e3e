#pragma once
// A client for one repository of an OCI distribution-spec registry (Docker's registry API v2):
// the /v2/ ping, authentication (anonymous, basic, and the bearer-token flow the registry's
// WWW-Authenticate challenge asks for), manifests and blobs. Blocking (libcurl): callers run
// it on a worker thread.
//
// Transport security follows docker's rule: HTTPS with the system CAs, except for registries
// on 127.0.0.0/8 (and localhost, ::1) and those listed as insecure (host[:port] or a CIDR),
// which are tried over HTTPS without verification first and then over plain HTTP.
//
// Mirrors (dockerd's --registry-mirror) serve Docker Hub's images only, and pulls only: the
// client asks each mirror in order for the manifest and falls back to the next (then to
// registry-1.docker.io) on any failure; once a manifest came from one endpoint, the config
// and the layers come from that same endpoint.
//
// Transient failures (connection refused or reset, timeouts, 429 with its Retry-After, 500,
// 502, 503, 504) are retried with exponential backoff, a bounded number of times; other 4xx
// never are. A blob download cut short resumes with a Range request from the bytes received.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf::image {

namespace internal {
struct HttpRequest;
struct HttpResponse;
}  // namespace internal

struct RegistryCredentials {
  std::string username, password;
  std::string identityToken;  // an OAuth refresh token (docker login with a token helper)
  std::string registryToken;  // a bearer token to send as is
  bool empty() const {
    return username.empty() && password.empty() && identityToken.empty() && registryToken.empty();
  }
};

// The Engine API's X-Registry-Auth header: base64url of docker's AuthConfig JSON (username,
// password, auth = base64 "user:pass", identitytoken, registrytoken). Bounded; "{}" or an
// empty header is anonymous.
Result<RegistryCredentials> decodeRegistryAuth(std::string_view header);

// How often and how patiently a request is retried (attempts include the first one).
struct RetryPolicy {
  int maxAttempts = 4;
  std::chrono::milliseconds initialBackoff{500};  // then doubled at each retry
  std::chrono::milliseconds maxBackoff{8000};
  // A Retry-After longer than this is not waited for: the request fails at once.
  std::chrono::seconds maxRetryAfter{60};
};

struct RegistryOptions {
  std::vector<std::string> insecureRegistries;  // "host:port", "host", or "10.0.0.0/8"
  // Docker Hub pull mirrors, normalised ("https://mirror.example/"; see normalizeMirror).
  std::vector<std::string> mirrors;
  // When set ("https://registry-1.docker.io", "http://127.0.0.1:5001"), the only endpoint
  // used: a pull's layer workers use the one its manifest came from.
  std::string endpoint;
  bool push = false;               // ask for push rights too
  int maxConcurrentDownloads = 3;  // pull: layers downloaded at once (dockerd's)
  RetryPolicy retry;
  // Push: repositories of the same registry blobs may be mounted from (their pull scope is
  // asked for with the token).
  std::vector<std::string> mountSources;
  // Push: blobs up to this size go in one PUT; larger ones in PATCH chunks of this size.
  int64_t uploadChunkBytes = 16 << 20;
};

// dockerd's mirror validation: an http or https URL with a host and no path, query or
// fragment (user info refused too). Returned with one trailing slash, as /info shows it.
Result<std::string> normalizeMirror(std::string_view url);

// The endpoints a client tries, in order: for docker.io pulls each mirror then the upstream;
// otherwise only the registry itself (or opts.endpoint). `bases` are the URLs (scheme and
// host, no slash) tried for that endpoint: https, then http where the registry is insecure.
struct RegistryEndpoint {
  std::vector<std::string> bases;
  bool mirror = false;
  bool insecure = false;  // TLS unverified (and plain HTTP allowed)
};
std::vector<RegistryEndpoint> registryEndpoints(const std::string& domain,
                                                const RegistryOptions& opts);

// What GET /v2/<name>/manifests/<ref> answered: the bytes, verified against their digest.
struct FetchedManifest {
  std::string mediaType;  // from the document, else the Content-Type
  std::string digest;     // sha256 of the bytes
  std::string bytes;
};

inline constexpr size_t kMaxManifestBytes = 4 << 20;  // docker's limit on manifests
inline constexpr size_t kMaxConfigBytes = 16 << 20;

// A registry as `docker login` names it ("127.0.0.1:5000", "https://index.docker.io/v1/",
// "http://myreg:5000/") as the domain a reference has: no scheme or path; Docker Hub's
// names (and an empty one) are "docker.io".
std::string registryDomain(std::string_view serverAddress);

// Whether `domain` ("127.0.0.1:5000", "localhost:5000", "myreg:443") may be reached over plain
// HTTP or with unverified TLS.
bool isInsecureRegistry(std::string_view domain, const std::vector<std::string>& insecure);

class RegistryClient {
 public:
  // domain: "docker.io" (reached as registry-1.docker.io), "localhost:5000"...; repository:
  // "library/busybox".
  RegistryClient(std::string domain, std::string repository, RegistryCredentials creds,
                 RegistryOptions opts);

  // `docker login`: whether the credentials open the registry's /v2/ (basic: the registry
  // answers 200 with them; bearer: its token service grants a token for them). The client
  // may be made with an empty repository for this.
  Status login();

  // By tag or digest. A digest reference is checked against the bytes.
  Result<FetchedManifest> manifest(const std::string& tagOrDigest);
  // Streams the blob to `sink` (at most `size` bytes; a longer or shorter blob is an error).
  // The caller verifies the digest of what it received. A transfer cut short resumes with a
  // Range request; when the registry answers that with the whole blob (200), `restart` is
  // called first (the caller drops what it has), and without `restart` that is an error.
  Status blob(const std::string& digest, int64_t size,
              const std::function<Status(std::string_view)>& sink,
              const std::function<Status()>& restart = {});
  // Small blobs (configs): the bytes, verified against the digest.
  Result<std::string> blobBytes(const std::string& digest, int64_t size);

  // Push: whether the repository has the blob (HEAD); an upload of a file, returning the
  // repository it was mounted from ("" when uploaded): first a cross-repository mount from
  // each of opts.mountSources (POST ?mount=&from=; a 202 starts a normal upload instead),
  // then one PUT for a blob up to opts.uploadChunkBytes, PATCH chunks with Content-Range and
  // a closing PUT for a larger one; a manifest PUT by tag, returning the registry's digest.
  Result<bool> hasBlob(const std::string& digest);
  Result<std::string> uploadBlob(const std::string& digest, const std::string& file);
  Result<std::string> putManifest(const std::string& tag, const std::string& mediaType,
                                  const std::string& bytes);

  const std::string& baseUrl() const { return base_; }
  // After a successful manifest(): whether it came from a mirror, and what was tried before.
  bool fromMirror() const;
  const std::vector<std::string>& failedEndpoints() const { return tried_; }

 private:
  struct Reply {
    long status = 0;
    std::string body;                            // empty when streamed to a sink
    std::map<std::string, std::string> headers;  // lower-case names
    std::string header(const std::string& name) const;
  };
  Status ensureConnected();
  Result<FetchedManifest> manifestFrom(const std::string& tagOrDigest);
  Status connectEndpoint(const RegistryEndpoint& ep);
  // Moves to the next endpoint after a mirror failed; false when there is none.
  bool nextEndpoint(const Error& why);
  Status fetchToken(const std::string& challenge);
  // One exchange, retried on transient failures per opts_.retry while nothing reached the
  // sink; `idempotent` requests retry any transient failure, others only failed connects
  // and 429/503 answers. The error after the last attempt says how many were made.
  // maxAttempts, when positive, replaces the policy's.
  Result<internal::HttpResponse> fetchRetrying(const internal::HttpRequest& req, size_t maxBody,
                                               const std::function<Status(std::string_view)>& sink,
                                               bool idempotent, int maxAttempts = 0);
  // Sends with the current credentials; on a 401 re-authenticates once and retries. Bodies
  // of answers >= 400 are kept (bounded) for the error, never passed to the sink.
  Result<Reply> send(const std::string& method, const std::string& path,
                     const std::vector<std::string>& headers, size_t maxBody,
                     const std::function<Status(std::string_view)>& sink,
                     const std::string& body = "", const std::string& bodyFile = "",
                     int64_t bodyOffset = 0, int64_t bodyLength = -1,
                     const std::function<Status(long, const std::string&)>& beforeBody = {});
  Error registryError(long status, const std::string& body, const std::string& what) const;

  std::string domain_, repository_;
  RegistryCredentials creds_;
  RegistryOptions opts_;
  std::vector<RegistryEndpoint> endpoints_;
  size_t endpointIndex_ = 0;
  bool confirmed_ = false;             // a manifest came from the current endpoint: no fallback
  bool lastFailureTransient_ = false;  // the last send() error was a transport failure
  std::vector<std::string> tried_;     // "mirror http://...: <error>" for each endpoint given up
  std::string base_;                   // "https://registry-1.docker.io"
  bool insecure_ = false;
  bool connected_ = false;
  std::string authScheme_;  // "", "basic", "bearer"
  std::string challenge_;   // the WWW-Authenticate of the ping
  std::string token_;
};

// Parsed `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` (RFC 7235 auth-param
// list; quoted strings with backslash escapes). The scheme is lower-cased.
struct AuthChallenge {
  std::string scheme;
  std::vector<std::pair<std::string, std::string>> params;  // names lower-cased
  std::string param(const std::string& name) const;
};
Result<AuthChallenge> parseAuthChallenge(std::string_view header);

}  // namespace wharf::image
