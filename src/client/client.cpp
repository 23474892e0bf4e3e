#include "client/client.h"

#include <cstdio>
#include <sstream>

namespace wharf::client {

namespace {

// "1.51" -> {1, 51}; garbage -> {0, 0}.
std::pair<int, int> parseVersion(std::string_view v) {
  int major = 0, minor = 0;
  if (std::sscanf(std::string(v).c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

std::string boolParam(bool b) { return b ? "1" : "0"; }

std::string pathId(const std::string& id) { return urlEncode(id); }

}  // namespace

ErrorCategory categoryForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCategory::kInvalidArgument;
    case 401:
      return ErrorCategory::kUnauthorized;
    case 403:
      return ErrorCategory::kForbidden;
    case 404:
      return ErrorCategory::kNotFound;
    case 409:
      return ErrorCategory::kConflict;
    case 501:
      return ErrorCategory::kNotImplemented;
    case 503:
      return ErrorCategory::kUnavailable;
    default:
      return ErrorCategory::kInternal;
  }
}

Result<Json> PendingWait::result() {
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn_.readHead());
  WHARF_ASSIGN_OR_RETURN(std::string body, conn_.readAll());
  if (head.status >= 400) {
    auto j = parseJson(body, "wait reply");
    std::string msg =
        j.ok() && j->is_object() && j->contains("message") && (*j)["message"].is_string()
            ? (*j)["message"].get<std::string>()
            : body;
    return Error(categoryForStatus(head.status), msg);
  }
  return parseJson(body, "wait reply");
}

Client::Client(std::string host) : host_(std::move(host)) {}

std::string Client::versioned(const std::string& path) const {
  return apiVersion_.empty() ? path : "/v" + apiVersion_ + path;
}

Status Client::negotiate() {
  if (!apiVersion_.empty()) return okStatus();
  WHARF_ASSIGN_OR_RETURN(Json p, ping());
  std::string server = p.value("ApiVersion", "");
  // A server that does not say is assumed to be old: docker's client falls back to 1.24 too.
  if (server.empty()) server = "1.24";
  apiVersion_ =
      parseVersion(server) < parseVersion(kMaxApiVersion) ? server : std::string(kMaxApiVersion);
  return okStatus();
}

Result<HttpConnection> Client::openAndSend(const std::string& method, const std::string& path,
                                           const std::string& body,
                                           const std::map<std::string, std::string>& headers) {
  WHARF_ASSIGN_OR_RETURN(Endpoint ep, parseHost(host_));
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, HttpConnection::open(ep));
  std::map<std::string, std::string> h = headers;
  if (!body.empty()) h.emplace("Content-Type", "application/json");
  // One request per connection: saying so lets a server end a reply that has no length.
  h.emplace("Connection", "close");
  WHARF_TRY(conn.send(method, path, h, body));
  return conn;
}

Error Client::errorFromReply(const HttpResponseHead& head, const std::string& body) {
  std::string msg;
  auto j = parseJson(body, "error reply");
  if (j.ok() && j->is_object() && j->contains("message") && (*j)["message"].is_string()) {
    msg = (*j)["message"].get<std::string>();
  } else {
    msg = body;
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  }
  if (msg.empty()) msg = std::to_string(head.status) + " " + head.reason;
  return Error(categoryForStatus(head.status), msg);
}

Result<Client::Reply> Client::call(const std::string& method, const std::string& path,
                                   const std::string& body) {
  // Optimistic negotiation: the first request goes out at our newest version instead of
  // after a GET /_ping (one round trip less for every command). A daemon that supports it
  // handles it exactly as after negotiating (min(its version, ours) is ours); an older one
  // refuses it before doing anything — 400 "client version ... is too new", its version in
  // the Api-Version header — and the request is sent again at that version.
  const bool optimistic = apiVersion_.empty();
  if (optimistic) apiVersion_ = std::string(kMaxApiVersion);
  lastStatus_ = 0;
  auto sent = openAndSend(method, versioned(path), body);
  if (!sent.ok()) {
    if (optimistic) apiVersion_.clear();
    return std::move(sent).error();
  }
  HttpConnection conn = std::move(*sent);
  Reply r;
  WHARF_ASSIGN_OR_RETURN(r.head, conn.readHead());
  lastStatus_ = r.head.status;
  WHARF_ASSIGN_OR_RETURN(r.body, conn.readAll());
  if (optimistic) {
    std::string server = r.head.header("api-version");
    // A server that does not say is assumed to be old, as in negotiate().
    if (server.empty()) server = "1.24";
    if (parseVersion(server) < parseVersion(kMaxApiVersion)) {
      apiVersion_ = server;
      if (r.head.status == 400) return call(method, path, body);
    }
  }
  if (r.head.status >= 400) return errorFromReply(r.head, r.body);
  return r;
}

Result<Json> Client::callJson(const std::string& method, const std::string& path,
                              const std::string& body) {
  WHARF_ASSIGN_OR_RETURN(Reply r, call(method, path, body));
  if (r.body.empty()) return Json();
  return parseJson(r.body, method + " " + path + " reply");
}

Result<Json> Client::ping() {
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, openAndSend("GET", "/_ping", ""));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  WHARF_ASSIGN_OR_RETURN(std::string body, conn.readAll());
  // Like docker's client, a failing ping that still names its version counts for negotiation.
  if (head.status >= 400 && head.header("api-version").empty()) return errorFromReply(head, body);
  Json out = Json::object();
  out["ApiVersion"] = head.header("api-version");
  out["OSType"] = head.header("ostype");
  out["Server"] = head.header("server");
  out["BuilderVersion"] = head.header("builder-version");
  out["Experimental"] = head.header("docker-experimental") == "true";
  return out;
}

Result<Json> Client::version() { return callJson("GET", "/version"); }
Result<Json> Client::info() { return callJson("GET", "/info"); }

Result<Json> Client::diskUsage() { return callJson("GET", "/system/df"); }

Result<Json> Client::containerCreate(const std::string& name, const Json& body) {
  std::string path = "/containers/create";
  if (!name.empty()) path += "?name=" + urlEncode(name);
  return callJson("POST", path, body.dump());
}

Result<Json> Client::containerStart(const std::string& id) {
  return callJson("POST", "/containers/" + pathId(id) + "/start");
}

Result<Json> Client::containerStop(const std::string& id, std::optional<int> timeout,
                                   const std::string& signal) {
  std::string q;
  if (timeout) q += "t=" + std::to_string(*timeout);
  if (!signal.empty()) q += (q.empty() ? "" : "&") + std::string("signal=") + urlEncode(signal);
  return callJson("POST", "/containers/" + pathId(id) + "/stop" + (q.empty() ? "" : "?" + q));
}

Result<Json> Client::containerRestart(const std::string& id, std::optional<int> timeout) {
  std::string q = timeout ? "?t=" + std::to_string(*timeout) : "";
  return callJson("POST", "/containers/" + pathId(id) + "/restart" + q);
}

Result<Json> Client::containerKill(const std::string& id, const std::string& signal) {
  std::string q = signal.empty() ? "" : "?signal=" + urlEncode(signal);
  return callJson("POST", "/containers/" + pathId(id) + "/kill" + q);
}

Result<Json> Client::containerPause(const std::string& id) {
  return callJson("POST", "/containers/" + pathId(id) + "/pause");
}

Result<Json> Client::containerRename(const std::string& id, const std::string& newName) {
  return callJson("POST", "/containers/" + pathId(id) + "/rename?name=" + urlEncode(newName));
}

Result<Json> Client::containerUpdate(const std::string& id, const Json& body) {
  return callJson("POST", "/containers/" + pathId(id) + "/update", body.dump());
}

Result<Json> Client::containerUnpause(const std::string& id) {
  return callJson("POST", "/containers/" + pathId(id) + "/unpause");
}

Result<Json> Client::containerRemove(const std::string& id, bool force, bool volumes) {
  return callJson("DELETE", "/containers/" + pathId(id) + "?force=" + boolParam(force) +
                                "&v=" + boolParam(volumes));
}

Result<Json> Client::containerInspect(const std::string& id) {
  return callJson("GET", "/containers/" + pathId(id) + "/json");
}

Result<Json> Client::containerList(const ContainerListOptions& opts) {
  std::string q = "?all=" + boolParam(opts.all);
  if (opts.size) q += "&size=1";
  if (opts.limit > 0) q += "&limit=" + std::to_string(opts.limit);
  if (!opts.filters.empty()) {
    Json f = Json::object();
    for (const auto& [k, vals] : opts.filters)
      for (const auto& v : vals) f[k][v] = true;
    q += "&filters=" + urlEncode(f.dump());
  }
  return callJson("GET", "/containers/json" + q);
}

Result<Json> Client::containerResize(const std::string& id, int height, int width) {
  return callJson("POST", "/containers/" + pathId(id) + "/resize?h=" + std::to_string(height) +
                              "&w=" + std::to_string(width));
}

Result<Json> Client::containerWait(const std::string& id, const std::string& condition) {
  WHARF_ASSIGN_OR_RETURN(PendingWait w, containerWaitBegin(id, condition));
  return w.result();
}

Result<PendingWait> Client::containerWaitBegin(const std::string& id,
                                               const std::string& condition) {
  WHARF_TRY(negotiate());
  std::string path = "/containers/" + pathId(id) + "/wait";
  if (!condition.empty()) path += "?condition=" + urlEncode(condition);
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, openAndSend("POST", versioned(path), ""));
  return PendingWait(std::move(conn));
}

Result<HijackedConn> Client::containerAttach(const std::string& id, const AttachOptions& opts) {
  WHARF_TRY(negotiate());
  std::string path = "/containers/" + pathId(id) + "/attach?stream=" + boolParam(opts.stream) +
                     "&stdin=" + boolParam(opts.stdinOn) + "&stdout=" + boolParam(opts.stdoutOn) +
                     "&stderr=" + boolParam(opts.stderrOn);
  if (opts.logs) path += "&logs=1";
  WHARF_ASSIGN_OR_RETURN(
      HttpConnection conn,
      openAndSend("POST", versioned(path), "",
                  {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}, {"Content-Type", "text/plain"}}));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  if (head.status != 101 && head.status != 200) {
    WHARF_ASSIGN_OR_RETURN(std::string body, conn.readAll());
    return errorFromReply(head, body);
  }
  HijackedConn out;
  out.buffered = conn.takeBuffered();
  out.fd = conn.releaseFd();
  return out;
}

Status Client::containerLogs(const std::string& id, const LogsOptions& opts,
                             const std::function<Status(std::string_view)>& onData) {
  WHARF_TRY(negotiate());
  std::string q = "?stdout=" + boolParam(opts.stdoutOn) + "&stderr=" + boolParam(opts.stderrOn);
  if (opts.follow) q += "&follow=1";
  if (opts.timestamps) q += "&timestamps=1";
  if (!opts.since.empty()) q += "&since=" + urlEncode(opts.since);
  if (!opts.until.empty()) q += "&until=" + urlEncode(opts.until);
  if (!opts.tail.empty()) q += "&tail=" + urlEncode(opts.tail);
  WHARF_ASSIGN_OR_RETURN(
      HttpConnection conn,
      openAndSend("GET", versioned("/containers/" + pathId(id) + "/logs" + q), ""));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  if (head.status >= 400) {
    WHARF_ASSIGN_OR_RETURN(std::string body, conn.readAll());
    return errorFromReply(head, body);
  }
  char buf[32 * 1024];
  while (true) {
    WHARF_ASSIGN_OR_RETURN(size_t n, conn.readSome(buf, sizeof(buf)));
    if (n == 0) return okStatus();
    WHARF_TRY(onData(std::string_view(buf, n)));
  }
}

Result<OrderedJson> Client::containerInspectOrdered(const std::string& id, bool size) {
  WHARF_ASSIGN_OR_RETURN(
      Reply r, call("GET", "/containers/" + pathId(id) + "/json" + (size ? "?size=1" : "")));
  try {
    return OrderedJson::parse(r.body);
  } catch (const OrderedJson::exception& e) {
    return internalError(std::string("invalid JSON from the daemon: ") + e.what());
  }
}

Result<OrderedJson> Client::imageInspectOrdered(const std::string& name) {
  WHARF_ASSIGN_OR_RETURN(Reply r, call("GET", "/images/" + urlEncode(name) + "/json"));
  try {
    return OrderedJson::parse(r.body);
  } catch (const OrderedJson::exception& e) {
    return internalError(std::string("invalid JSON from the daemon: ") + e.what());
  }
}

Status Client::imagePull(const std::string& ref, const std::function<void(const Json&)>& onProgress,
                         const std::string& platform, const std::string& registryAuth) {
  WHARF_TRY(negotiate());
  // "name:tag" or "name@digest"; the tag is sent apart, as docker does.
  std::string name = ref, tag;
  size_t at = ref.find('@');
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (at != std::string::npos) {
    name = ref.substr(0, at);
    tag = ref.substr(at + 1);
  } else if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    name = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
  }
  std::string path = "/images/create?fromImage=" + urlEncode(name);
  if (!tag.empty()) path += "&tag=" + urlEncode(tag);
  if (!platform.empty()) path += "&platform=" + urlEncode(platform);
  std::map<std::string, std::string> headers;
  if (!registryAuth.empty()) headers["X-Registry-Auth"] = registryAuth;
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, openAndSend("POST", versioned(path), "", headers));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  if (head.status >= 400) {
    WHARF_ASSIGN_OR_RETURN(std::string body, conn.readAll());
    return errorFromReply(head, body);
  }
  std::string pending;
  char buf[16 * 1024];
  while (true) {
    WHARF_ASSIGN_OR_RETURN(size_t n, conn.readSome(buf, sizeof(buf)));
    if (n == 0) break;
    pending.append(buf, n);
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty() || line == "\r") continue;
      WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, "pull progress"));
      if (j.is_object() && j.contains("error")) {
        // The stream already said 200: the error is the daemon's all the same.
        lastStatus_ = 500;
        return internalError(j["error"].is_string() ? j["error"].get<std::string>()
                                                    : j["error"].dump());
      }
      onProgress(j);
    }
  }
  return okStatus();
}

Result<Json> Client::imageList(bool all) {
  return callJson("GET", std::string("/images/json?all=") + boolParam(all));
}

Result<Json> Client::imageInspect(const std::string& name) {
  return callJson("GET", "/images/" + urlEncode(name) + "/json");
}

Result<Json> Client::imageBootstrap(const std::string& name) {
  // wharf's own route is not part of the versioned Engine API: send it unversioned.
  WHARF_TRY(negotiate());
  lastStatus_ = 0;
  WHARF_ASSIGN_OR_RETURN(
      HttpConnection conn,
      openAndSend("POST", "/wharf/images/bootstrap?name=" + urlEncode(name), ""));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  WHARF_ASSIGN_OR_RETURN(std::string body, conn.readAll());
  if (head.status >= 400) return errorFromReply(head, body);
  if (body.empty()) return Json::object();
  if (auto whole = parseJson(body, "bootstrap reply"); whole.ok()) return whole;
  // A progress stream (one JSON object per line): the last one is the result, and any line
  // carrying an error fails the call, as a pull's stream does.
  std::istringstream lines(body);
  std::string line;
  Json last = Json::object();
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, "bootstrap progress"));
    if (j.is_object() && j.contains("error")) {
      std::string msg = j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump();
      return internalError(msg);
    }
    last = std::move(j);
  }
  return last;
}

}  // namespace wharf::client
