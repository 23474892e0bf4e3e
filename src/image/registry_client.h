#pragma once
// A client for one repository of an OCI distribution-spec registry (Docker's registry API v2):
// the /v2/ ping, authentication (anonymous, basic, and the bearer-token flow the registry's
// WWW-Authenticate challenge asks for), manifests and blobs. Blocking (libcurl): callers run
// it on a worker thread.
//
// Transport security follows docker's rule: HTTPS with the system CAs, except for registries
// on 127.0.0.0/8 (and localhost, ::1) and those listed as insecure (host[:port] or a CIDR),
// which are tried over HTTPS without verification first and then over plain HTTP.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf::image {

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

struct RegistryOptions {
  std::vector<std::string> insecureRegistries;  // "host:port", "host", or "10.0.0.0/8"
  bool push = false;                            // ask for push rights too
  int maxConcurrentDownloads = 3;               // pull: layers downloaded at once (dockerd's)
};

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
  // The caller verifies the digest of what it received.
  Status blob(const std::string& digest, int64_t size,
              const std::function<Status(std::string_view)>& sink);
  // Small blobs (configs): the bytes, verified against the digest.
  Result<std::string> blobBytes(const std::string& digest, int64_t size);

  // Push: whether the repository has the blob (HEAD); a monolithic upload (POST, then PUT
  // with the digest) of a file; a manifest PUT by tag, returning the registry's digest.
  Result<bool> hasBlob(const std::string& digest);
  Status uploadBlob(const std::string& digest, const std::string& file);
  Result<std::string> putManifest(const std::string& tag, const std::string& mediaType,
                                  const std::string& bytes);

  const std::string& baseUrl() const { return base_; }

 private:
  struct Reply {
    long status = 0;
    std::string body;                            // empty when streamed to a sink
    std::map<std::string, std::string> headers;  // lower-case names
    std::string header(const std::string& name) const;
  };
  Status ensureConnected();
  Status fetchToken(const std::string& challenge);
  // Sends with the current credentials; on a 401 re-authenticates once and retries. Bodies
  // of answers >= 400 are kept (bounded) for the error, never passed to the sink.
  Result<Reply> send(const std::string& method, const std::string& path,
                     const std::vector<std::string>& headers, size_t maxBody,
                     const std::function<Status(std::string_view)>& sink,
                     const std::string& body = "", const std::string& bodyFile = "");
  Error registryError(long status, const std::string& body, const std::string& what) const;

  std::string domain_, repository_;
  RegistryCredentials creds_;
  RegistryOptions opts_;
  std::string base_;  // "https://registry-1.docker.io"
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
