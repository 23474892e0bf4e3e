#pragma once
// The Engine API client: synchronous, blocking calls, JSON over HTTP/1.1 (moby's
// api/swagger.yaml is the truth for every path and body). Used by the CLI and compose.
//
// The API version is negotiated lazily on the first call: GET /_ping, then every path is
// prefixed with /v<min(server Api-Version, kMaxApiVersion)>. Daemon errors come back as the
// JSON "message" of the reply, with the category derived from the HTTP status, which
// lastStatus() keeps.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/host.h"
#include "client/http.h"
#include "common/error.h"
#include "common/json.h"
#include "common/unique_fd.h"

namespace wharf::client {

inline constexpr std::string_view kMaxApiVersion = "1.51";

// A hijacked attach connection: the raw socket and the bytes already read past the reply head.
struct HijackedConn {
  UniqueFd fd;
  std::string buffered;
};

struct AttachOptions {
  bool stream = true;
  bool stdinOn = false;
  bool stdoutOn = true;
  bool stderrOn = true;
  bool logs = false;
};

struct LogsOptions {
  bool follow = false;
  bool timestamps = false;
  bool stdoutOn = true;
  bool stderrOn = true;
  std::string since;  // as docker sends it: unix seconds[.nanos]
  std::string until;
  std::string tail;  // "all" or a number
};

struct ContainerListOptions {
  bool all = false;
  bool size = false;
  int limit = -1;
  // docker's filters: key -> values, sent as JSON {"key":{"value":true}} (API >= 1.22 form).
  std::map<std::string, std::vector<std::string>> filters;
};

// A long poll in flight: the request is sent; result() blocks until the daemon answers.
class PendingWait {
 public:
  explicit PendingWait(HttpConnection conn) : conn_(std::move(conn)) {}
  // {"StatusCode": n, "Error": {"Message": ...}?}
  Result<Json> result();

 private:
  HttpConnection conn_;
};

class Client {
 public:
  // host: a URI as accepted by parseHost(); errors surface on the first call.
  explicit Client(std::string host);

  const std::string& host() const { return host_; }
  // The negotiated version ("1.51"); empty before the first call.
  const std::string& apiVersion() const { return apiVersion_; }
  // Forces a version, skipping negotiation (e.g. from an environment override).
  void setApiVersion(std::string v) { apiVersion_ = std::move(v); }
  // The HTTP status of the last reply (0 when no reply was read).
  int lastStatus() const { return lastStatus_; }

  // {"ApiVersion","OSType","Server","BuilderVersion"} from the _ping headers.
  Result<Json> ping();
  Result<Json> version();
  Result<Json> info();
  // GET /system/df (all kinds of objects).
  Result<Json> diskUsage();

  // Returns {"Id": ..., "Warnings": [...]}.
  Result<Json> containerCreate(const std::string& name, const Json& body);
  Result<Json> containerStart(const std::string& id);
  Result<Json> containerStop(const std::string& id, std::optional<int> timeout,
                             const std::string& signal = "");
  Result<Json> containerRestart(const std::string& id, std::optional<int> timeout);
  Result<Json> containerKill(const std::string& id, const std::string& signal);
  Result<Json> containerRename(const std::string& id, const std::string& newName);
  Result<Json> containerPause(const std::string& id);
  Result<Json> containerUnpause(const std::string& id);
  // POST /containers/{id}/update: body is moby's UpdateConfig; returns {"Warnings":[...]}.
  Result<Json> containerUpdate(const std::string& id, const Json& body);
  // GET /events: calls onEvent for each event until the stream ends (until reached) or
  // onEvent returns false. since/until as the user wrote them (sent as docker's CLI does).
  struct EventsOptions {
    std::string since, until;
    std::map<std::string, std::vector<std::string>> filters;
  };
  Status events(const EventsOptions& opts, const std::function<bool(const Json&)>& onEvent);
  // GET /containers/{id}/stats: calls onStats for each object (one with stream=false) until
  // the stream ends or onStats returns false.
  Status containerStats(const std::string& id, bool stream, bool oneShot,
                        const std::function<bool(const Json&)>& onStats);
  Result<Json> containerRemove(const std::string& id, bool force, bool volumes);
  Result<Json> containerInspect(const std::string& id);
  // Same, keeping the daemon's key order (for printing it as docker does).
  // size: SizeRw and SizeRootFs too (`inspect --size`).
  Result<OrderedJson> containerInspectOrdered(const std::string& id, bool size = false);
  // client_prune.cpp. POST /containers/prune: {"ContainersDeleted", "SpaceReclaimed"}.
  Result<Json> containerPrune(const std::map<std::string, std::vector<std::string>>& filters);
  // POST /build/prune?all=: {"CachesDeleted", "SpaceReclaimed"}.
  Result<Json> buildCachePrune(bool all,
                               const std::map<std::string, std::vector<std::string>>& filters);
  // GET /containers/{id}/changes: [{"Path", "Kind"}] or null.
  Result<Json> containerChanges(const std::string& id);
  // GET /containers/{id}/top?ps_args=: {"Titles", "Processes"}.
  Result<Json> containerTop(const std::string& id, const std::string& psArgs);
  // GET /containers/{id}/export: the tar's bytes, in order, to onData (which may fail to stop).
  Status containerExport(const std::string& id,
                         const std::function<Status(std::string_view)>& onData);
  Result<OrderedJson> imageInspectOrdered(const std::string& name);

  // Volumes (client_volumes.cpp). filters: docker's key -> values.
  Result<Json> volumeCreate(const Json& body);
  Result<Json> volumeList(const std::map<std::string, std::vector<std::string>>& filters);
  Result<OrderedJson> volumeInspectOrdered(const std::string& name);
  Status volumeRemove(const std::string& name, bool force);
  Result<Json> volumePrune(const std::map<std::string, std::vector<std::string>>& filters);
  Result<Json> containerList(const ContainerListOptions& opts);
  Result<Json> containerResize(const std::string& id, int height, int width);
  // condition: "not-running" (default when empty), "next-exit", "removed". Blocks.
  Result<Json> containerWait(const std::string& id, const std::string& condition);
  // Sends the wait request and returns without waiting, so the caller can start the container
  // and read its output before collecting the exit status (docker run's order).
  Result<PendingWait> containerWaitBegin(const std::string& id, const std::string& condition);
  Result<HijackedConn> containerAttach(const std::string& id, const AttachOptions& opts);
  // Streams the raw log bytes (multiplexed unless the container has a TTY) to onData.
  Status containerLogs(const std::string& id, const LogsOptions& opts,
                       const std::function<Status(std::string_view)>& onData);

  // exec (client_exec.cpp). execCreate returns {"Id": ...}; execStart hijacks the connection
  // (the exec's streams) unless detach, which returns once the process runs.
  Result<Json> execCreate(const std::string& container, const Json& body);
  Result<HijackedConn> execStartAttached(const std::string& execId, bool tty);
  Status execStartDetached(const std::string& execId, bool tty);
  Result<Json> execInspect(const std::string& execId);
  Result<Json> execResize(const std::string& execId, int height, int width);

  // POST /images/create?fromImage=&tag=: calls onProgress for each JSON progress message;
  // a message carrying "error" fails the pull with its text.
  // registryAuth: the X-Registry-Auth header value ("" sends none).
  Status imagePull(const std::string& ref, const std::function<void(const Json&)>& onProgress,
                   const std::string& platform = "", const std::string& registryAuth = "");
  Result<Json> imageList(bool all);
  Result<Json> imageInspect(const std::string& name);
  // POST /auth: the daemon checks the credentials against the registry (docker login).
  Result<Json> registryLogin(const std::string& username, const std::string& password,
                             const std::string& serverAddress);
  // POST /images/prune?filters=: docker's ImagePruneReport.
  Result<Json> imagePrune(const std::map<std::string, std::vector<std::string>>& filters);
  // GET /images/{name}/history: the HistoryResponseItem list, newest first.
  Result<Json> imageHistory(const std::string& name);
  // wharf's own endpoint: builds the built-in image `name` ("busybox") from the host.
  Result<Json> imageBootstrap(const std::string& name);

  // client_images.cpp
  Status imageTag(const std::string& source, const std::string& repo, const std::string& tag);
  // The ImageDeleteResponseItem list: [{"Untagged": ...}, {"Deleted": ...}].
  Result<Json> imageRemove(const std::string& name, bool force);
  // The archive is read from `archiveFd` (a file or a pipe) to its end and streamed to the
  // daemon; onMessage gets each JSON message ({"stream": ...}).
  Status imageLoad(int archiveFd, bool quiet, const std::function<void(const Json&)>& onMessage);
  struct ImportOptions {
    std::string repo, tag, message, platform;
    std::vector<std::string> changes;
    std::string url;  // `import URL`: the daemon downloads it (tarballFd is then -1)
  };
  // The tarball is read from `tarballFd` to its end, streamed as for load.
  Status imageImport(int tarballFd, const ImportOptions& opts,
                     const std::function<void(const Json&)>& onMessage);
  // POST /images/{name}/push?tag=: JSON progress messages to onMessage.
  Status imagePush(const std::string& ref, const std::function<void(const Json&)>& onMessage,
                   const std::string& registryAuth = "e30=");
  // The archive's bytes, in order, to onData (which may fail to stop the transfer).
  // Networks (client_networks.cpp): bodies and replies as the Engine API has them.
  Result<Json> networkCreate(const Json& body);
  Result<Json> networkList(const Json& filters);
  Result<OrderedJson> networkInspectOrdered(const std::string& idOrName);
  Status networkRemove(const std::string& idOrName);
  Result<Json> networkPrune(const Json& filters);
  // POST /networks/{id}/connect and /disconnect with the body as the Engine API has it.
  Status networkConnect(const std::string& network, const Json& body);
  Status networkDisconnect(const std::string& network, const Json& body);
  Status imageSave(const std::vector<std::string>& names,
                   const std::function<Status(std::string_view)>& onData);

 private:
  struct Reply {
    HttpResponseHead head;
    std::string body;
  };
  Status negotiate();
  std::string versioned(const std::string& path) const;
  Result<HttpConnection> openAndSend(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::map<std::string, std::string>& headers = {});
  // Sends, reads the whole reply and turns a status >= 400 into an Error.
  Result<Reply> call(const std::string& method, const std::string& path,
                     const std::string& body = "");
  Result<Json> callJson(const std::string& method, const std::string& path,
                        const std::string& body = "");
  Error errorFromReply(const HttpResponseHead& head, const std::string& body);
  // GET path and read the reply as newline-delimited JSON objects (events, stats).
  Status readJsonLines(const std::string& path, const char* what,
                       const std::function<bool(const Json&)>& onObject);
  // POSTs a body (`body`, or what `bodyFd` gives when it is not -1) and reads a JSON
  // message stream back (load, import, push).
  // A GET whose body goes to onData as it arrives (image save, container export).
  Status streamedGet(const std::string& path,
                     const std::function<Status(std::string_view)>& onData);
  Status streamedPost(const std::string& path, const std::string& body,
                      const std::string& contentType,
                      const std::function<void(const Json&)>& onMessage,
                      std::map<std::string, std::string> headers = {}, int bodyFd = -1);

  std::string host_;
  std::string apiVersion_;
  int lastStatus_ = 0;
};

// The category an HTTP status maps to (the inverse of api/'s mapping).
ErrorCategory categoryForStatus(int status);

}  // namespace wharf::client
