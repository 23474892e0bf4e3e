#pragma once
// The route table (moby's router/<resource> split): method + path pattern with `{name}`
// captures, a `{name*}` capture that may span slashes (image names), and the `/v1.NN/`
// prefix stripped and checked. Handlers answer through a Responder, at once or later (every
// callback runs on the io_context thread), so nothing here blocks.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "common/unique_fd.h"

namespace wharf::api {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;      // "GET"
  std::string target;      // as received, with query
  std::string path;        // without the version prefix and query, percent-decoded
  std::string apiVersion;  // "1.51"; the current version for unversioned paths
  std::map<std::string, std::string> params;            // route captures
  std::multimap<std::string, std::string> queryParams;  // decoded
  std::map<std::string, std::string> headers;           // lower-case names
  std::string body;
  // Routes added with addUpload: the body, spooled by the server to an unlinked file in the
  // data root (positioned at its start) instead of `body`, so that an archive of any size
  // costs disk, not memory. Null when the server kept the body in memory (no upload dir, or
  // a request without a body).
  std::shared_ptr<UniqueFd> bodyFile;

  std::optional<std::string> query(const std::string& name) const;
  // Docker's boolean query values: "1", "true", "True" are true; absent is `dflt`.
  bool queryBool(const std::string& name, bool dflt = false) const;
  std::string header(const std::string& lowerName) const;
  bool versionAtLeast(std::string_view v) const;
};

// One HTTP exchange as a handler sees it. Exactly one of reply / startStream / startHijack is
// called per request; after the connection closed every call is a no-op.
class Responder {
 public:
  virtual ~Responder() = default;
  // A complete response with Content-Length.
  virtual void reply(int status, const std::string& contentType, std::string body,
                     const Headers& extra = {}) = 0;
  // Headers now, the body later through write() (chunked); finish() ends it.
  virtual void startStream(int status, const std::string& contentType) = 0;
  // Hijack (attach): `101 UPGRADED` when upgrade, else `200 OK`; then raw bytes both ways
  // through write(); finish() closes the connection.
  virtual void startHijack(bool upgrade, const std::string& contentType) = 0;
  // Queues bytes; done(false) when the client is gone. Writes happen in order.
  virtual void write(std::string data, std::function<void(bool ok)> done = nullptr) = 0;
  virtual void finish() = 0;
  // Called once if the client goes away while a stream is open (to cancel readers).
  virtual void onClose(std::function<void()> cb) = 0;
  // Hijacked connections: the bytes the client sends (its stdin) in order, then eof=true once
  // when it half-closes. Without a callback they are discarded.
  virtual void onInput(std::function<void(std::string data, bool eof)> cb) = 0;
};

using ResponderPtr = std::shared_ptr<Responder>;
using Handler = std::function<void(const Request&, ResponderPtr)>;

// Helpers for the common replies.
void replyJson(Responder& r, int status, const Json& body);
void replyError(Responder& r, const Error& err);
void replyEmpty(Responder& r, int status);

// Compares dotted versions numerically: -1, 0, 1.
int compareVersions(std::string_view a, std::string_view b);

class Router {
 public:
  Router(std::string apiVersion, std::string minApiVersion);

  // `operation` is the swagger operationId the handler implements ("ContainerCreate"); all
  // routes serve every version from the minimum up, shapes vary inside the handlers.
  void add(std::string method, const std::string& pattern, std::string operation, Handler handler);
  // The same for a route whose body may be large (image archives): the server writes it to
  // a file (Request::bodyFile) as it arrives, with no size limit but the disk's.
  void addUpload(std::string method, const std::string& pattern, std::string operation,
                 Handler handler);
  // Whether the request `method target` goes to a route added with addUpload.
  bool spoolsBody(const std::string& method, std::string_view target) const;

  // Strips and checks the version prefix, matches a route and calls its handler; answers
  // 400 for a version out of range, 404 {"message":"page not found"} for no route.
  void dispatch(Request& req, ResponderPtr r) const;

  // Steps of dispatch, exposed for tests.
  // Strips "/v1.NN" from path into *version; an error when out of range.
  Status stripVersion(std::string& path, std::string* version) const;
  const Handler* match(const std::string& method, const std::string& path,
                       std::map<std::string, std::string>* params,
                       const std::string** operation = nullptr) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "containers", "{id}", "{name*}"
    std::string operation;
    Handler handler;
    bool upload = false;
  };
  static bool matchRoute(const Route& route, const std::vector<std::string>& parts,
                         std::map<std::string, std::string>* params);

  std::string apiVersion_;
  std::string minApiVersion_;
  std::vector<Route> routes_;
};

}  // namespace wharf::api
