#pragma once
// The image part of the engine's interface to the API routes (engine/backend.h, which
// includes it and says how the interfaces are called): the image types and ImageBackend.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::engine {

// ---- images ---------------------------------------------------------------------------------

struct ImageSummary {
  std::string id;                     // "sha256:<config digest hex>"
  std::vector<std::string> repoTags;  // "busybox:latest"
  std::vector<std::string> repoDigests;
  int64_t created = 0;  // unix seconds
  int64_t size = 0;     // bytes, uncompressed layers
  std::map<std::string, std::string> labels;
};

// One line of `docker history` (swagger: HistoryResponseItem).
struct ImageHistoryItem {
  std::string id;  // the image id on the newest entry, "<missing>" below it
  int64_t created = 0;
  std::string createdBy, comment;
  std::vector<std::string> tags;
  int64_t size = 0;
};

struct ImageDetail {
  ImageSummary summary;
  std::string os = "linux";
  std::string architecture;
  std::string author;
  std::string createdIso;  // RFC 3339 with nanoseconds, as in the image config
  // The image config's "config" object, as Docker shows it under "Config".
  std::vector<std::string> env;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::string workingDir;
  std::string user;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposedPorts;  // "80/tcp"
  std::vector<std::string> volumes;
  std::string stopSignal;
  std::vector<std::string> diffIds;  // RootFS.Layers
};

// One `docker rmi` answer line (swagger: ImageDeleteResponseItem).
struct ImageDeleteItem {
  std::string untagged;  // "busybox:latest", or empty
  std::string deleted;   // "sha256:...", or empty
};

// `POST /images/create?fromSrc=-` (docker import).
struct ImageImportOptions {
  std::string ref;  // "repo[:tag]", or empty for an untagged image
  std::vector<std::string> changes;
  std::string message;
  std::string source = "-";
  std::string platform;  // "os/arch"; empty: the host's
};

// `POST /auth` (docker login): credentials to check against a registry.
struct RegistryLogin {
  std::string username, password, serverAddress;  // "127.0.0.1:5000"; empty: Docker Hub
  std::string identityToken, registryToken;
};

// `POST /images/create?fromImage=...` (docker pull).
struct ImagePullOptions {
  std::string ref;           // "busybox:latest", "localhost:5000/a@sha256:..."
  std::string platform;      // "os/arch[/variant]"; empty: the host's
  std::string registryAuth;  // the X-Registry-Auth header as sent (base64url JSON), or empty
};

// One progress line of a pull, in docker's words.
struct ImagePullProgress {
  std::string id;      // short layer id, the tag for the first line, or empty
  std::string status;  // "Pulling fs layer", "Downloading", "Pull complete", "Digest: ..."
  int64_t current = 0, total = 0;
};

struct ImagePullResult {
  ImageSummary image;
  std::string familiarRef;  // what was pulled, as docker prints it: "busybox:latest"
  bool updated = false;     // the reference now points at a different image than before
};

class ImageBackend {
 public:
  virtual ~ImageBackend() = default;
  virtual Result<std::vector<ImageSummary>> listImages(bool all) = 0;
  // By name[:tag], full or short id (a unique prefix of at least 1 hex digit, as docker).
  virtual Result<ImageDetail> inspectImage(const std::string& nameOrId) = 0;
  // `docker history`: newest first (docs/images.md).
  virtual Result<std::vector<ImageHistoryItem>> imageHistory(const std::string& nameOrId) = 0;
  // wharf's own: builds a built-in image ("busybox") from the host (see docs/images.md).
  virtual void bootstrapImage(const std::string& name,
                              std::function<void(Result<ImageSummary>)> done) = 0;

  // The image behind `nameOrId` gets the name `ref` ("repo[:tag]"); an existing tag moves.
  virtual void tagImage(const std::string& nameOrId, const std::string& ref,
                        std::function<void(Status)> done) = 0;
  // `docker rmi`, as docker decides between untagging and deleting (docs/images.md).
  virtual void removeImage(const std::string& nameOrId, bool force,
                           std::function<void(Result<std::vector<ImageDeleteItem>>)> done) = 0;
  // `docker load`: `archive` is a file (positioned at its start) holding a docker save / OCI
  // archive (plain or compressed tar).
  virtual void loadImages(UniqueFd archive,
                          std::function<void(Result<std::vector<ImageSummary>>)> done) = 0;
  // `docker import`: `tarball` is a file (at its start) holding a root filesystem (plain or
  // compressed tar); an empty fd means: download opts.source (an http(s) URL) first.
  virtual void importImage(UniqueFd tarball, ImageImportOptions opts,
                           std::function<void(Result<ImageSummary>)> done) = 0;
  // `docker save`: the archive of the named images, in an unlinked temp file positioned at
  // its start, for the caller to stream.
  virtual void saveImages(std::vector<std::string> names,
                          std::function<void(Result<UniqueFd>)> done) = 0;
  // `docker pull`: `progress` is called for each step (on the io_context thread), then `done`
  // once. Nothing of a failed pull stays visible.
  virtual void pullImage(ImagePullOptions opts,
                         std::function<void(const ImagePullProgress&)> progress,
                         std::function<void(Result<ImagePullResult>)> done) = 0;
  // `docker image prune` (POST /images/prune): removes the images no container uses that
  // match docker's filters: dangling=true (the default: untagged images only) or false (every
  // unused image, `-a`), until=<timestamp>, label=k[=v], label!=k[=v]. Returns docker's
  // ImageDeleteResponseItem list and the bytes of content reclaimed.
  struct PruneReport {
    std::vector<ImageDeleteItem> deleted;
    int64_t spaceReclaimed = 0;
  };
  virtual void pruneImages(std::map<std::string, std::vector<std::string>> filters,
                           std::function<void(Result<PruneReport>)> done) = 0;
  // `docker login`: checks the credentials against the registry's /v2/ (basic or bearer
  // auth); nothing is stored by the daemon (the client keeps them, as docker's does).
  virtual void login(RegistryLogin req, std::function<void(Status)> done) = 0;
  // `docker push`: opts.ref names a local image by tag ("localhost:5000/a:1"); the image is
  // uploaded under that name. Progress as for pull ("Preparing", "Pushing", "Pushed",
  // "Layer already exists"); done gives the pushed manifest's digest and size.
  struct PushResult {
    std::string tag;     // "1"
    std::string digest;  // "sha256:..."
    int64_t size = 0;    // manifest bytes
  };
  virtual void pushImage(ImagePullOptions opts,
                         std::function<void(const ImagePullProgress&)> progress,
                         std::function<void(Result<PushResult>)> done) = 0;
};

}  // namespace wharf::engine
