// Client: the image calls that move images in and out (tag, rmi, load, import, save).

#include "client/client.h"

namespace wharf::client {

namespace {

// A JSON message stream (docker's jsonmessage): one object per line. A message with "error"
// (or "errorDetail") ends the stream with that error: the reply already said 200.
Status readJsonStream(HttpConnection& conn, const std::function<void(const Json&)>& onMessage,
                      int* lastStatus) {
  std::string pending;
  char buf[16 * 1024];
  for (;;) {
    WHARF_ASSIGN_OR_RETURN(size_t n, conn.readSome(buf, sizeof(buf)));
    if (n == 0) break;
    pending.append(buf, n);
    if (pending.size() > (1 << 20) && pending.find('\n') == std::string::npos)
      return internalError("daemon sent a progress message over 1 MiB");
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty() || line == "\r") continue;
      WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, "progress message"));
      if (j.is_object() && j.contains("error")) {
        *lastStatus = 500;
        return internalError(j["error"].is_string() ? j["error"].get<std::string>()
                                                    : j["error"].dump());
      }
      if (onMessage) onMessage(j);
    }
  }
  return okStatus();
}

}  // namespace

Status Client::imageTag(const std::string& source, const std::string& repo,
                        const std::string& tag) {
  std::string path = "/images/" + urlEncode(source) + "/tag?repo=" + urlEncode(repo);
  if (!tag.empty()) path += "&tag=" + urlEncode(tag);
  WHARF_TRY(call("POST", path));
  return okStatus();
}

Result<Json> Client::registryLogin(const std::string& username, const std::string& password,
                                   const std::string& serverAddress) {
  Json body{{"username", username}, {"password", password}, {"serveraddress", serverAddress}};
  return callJson("POST", "/auth", body.dump());
}

Result<Json> Client::imagePrune(const std::map<std::string, std::vector<std::string>>& filters) {
  Json f = Json::object();
  for (const auto& [k, vals] : filters)
    for (const auto& v : vals) f[k][v] = true;
  return callJson("POST", "/images/prune?filters=" + urlEncode(f.dump()));
}

Result<Json> Client::imageHistory(const std::string& name) {
  return callJson("GET", "/images/" + urlEncode(name) + "/history");
}

Result<Json> Client::imageRemove(const std::string& name, bool force) {
  return callJson("DELETE",
                  "/images/" + urlEncode(name) + "?force=" + (force ? "1" : "0") + "&noprune=0");
}

Status Client::streamedPost(const std::string& path, const std::string& body,
                            const std::string& contentType,
                            const std::function<void(const Json&)>& onMessage,
                            std::map<std::string, std::string> headers, int bodyFd) {
  WHARF_TRY(negotiate());
  lastStatus_ = 0;
  headers.emplace("Content-Type", contentType);
  WHARF_ASSIGN_OR_RETURN(Endpoint ep, parseHost(host_));
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, HttpConnection::open(ep));
  headers.emplace("Connection", "close");
  Status sent = bodyFd < 0 ? conn.send("POST", versioned(path), headers, body)
                           : conn.sendFrom("POST", versioned(path), headers, bodyFd);
  // A daemon that refused a streamed body early (an error reply) closed its end: its answer
  // says more than our broken pipe, so read it before reporting the send.
  auto head = conn.readHead();
  if (!head.ok()) return sent.ok() ? head.error() : sent.error();
  lastStatus_ = head->status;
  if (head->status >= 400) {
    WHARF_ASSIGN_OR_RETURN(std::string reply, conn.readAll());
    return errorFromReply(*head, reply);
  }
  WHARF_TRY(sent);
  return readJsonStream(conn, onMessage, &lastStatus_);
}

Status Client::imageLoad(int archiveFd, bool quiet,
                         const std::function<void(const Json&)>& onMessage) {
  return streamedPost(std::string("/images/load?quiet=") + (quiet ? "1" : "0"), "",
                      "application/x-tar", onMessage, {}, archiveFd);
}

Status Client::imageImport(int tarballFd, const ImportOptions& opts,
                           const std::function<void(const Json&)>& onMessage) {
  std::string path = "/images/create?fromSrc=" + (opts.url.empty() ? "-" : urlEncode(opts.url));
  if (!opts.repo.empty()) path += "&repo=" + urlEncode(opts.repo);
  if (!opts.tag.empty()) path += "&tag=" + urlEncode(opts.tag);
  if (!opts.message.empty()) path += "&message=" + urlEncode(opts.message);
  if (!opts.platform.empty()) path += "&platform=" + urlEncode(opts.platform);
  for (const auto& c : opts.changes) path += "&changes=" + urlEncode(c);
  if (!opts.url.empty()) return streamedPost(path, "", "text/plain", onMessage);
  return streamedPost(path, "", "application/x-tar", onMessage, {}, tarballFd);
}

Status Client::imagePush(const std::string& ref, const std::function<void(const Json&)>& onMessage,
                         const std::string& registryAuth) {
  // "name:tag": the tag goes apart, as docker sends it; a colon before a slash is a port.
  std::string name = ref, tag;
  size_t slash = ref.rfind('/'), colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    name = ref.substr(0, colon);
    tag = ref.substr(colon + 1);
  }
  std::string path = "/images/" + urlEncode(name) + "/push";
  if (!tag.empty()) path += "?tag=" + urlEncode(tag);
  // docker always sends a (possibly empty, "e30=" = {}) auth config.
  return streamedPost(path, "", "application/json", onMessage,
                      {{"X-Registry-Auth", registryAuth.empty() ? "e30=" : registryAuth}});
}

Status Client::imageSave(const std::vector<std::string>& names,
                         const std::function<Status(std::string_view)>& onData) {
  std::string path = "/images/get?";
  for (size_t i = 0; i < names.size(); ++i)
    path += (i ? "&names=" : "names=") + urlEncode(names[i]);
  return streamedGet(path, onData);
}

Status Client::streamedGet(const std::string& path,
                           const std::function<Status(std::string_view)>& onData) {
  WHARF_TRY(negotiate());
  lastStatus_ = 0;
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, openAndSend("GET", versioned(path), ""));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  if (head.status >= 400) {
    WHARF_ASSIGN_OR_RETURN(std::string reply, conn.readAll());
    return errorFromReply(head, reply);
  }
  char buf[64 * 1024];
  for (;;) {
    WHARF_ASSIGN_OR_RETURN(size_t n, conn.readSome(buf, sizeof(buf)));
    if (n == 0) return okStatus();
    WHARF_TRY(onData(std::string_view(buf, n)));
  }
}

}  // namespace wharf::client
