// Client: the exec endpoints (swagger tag "Exec").
#include "client/client.h"

namespace wharf::client {

Result<Json> Client::execCreate(const std::string& container, const Json& body) {
  return callJson("POST", "/containers/" + urlEncode(container) + "/exec", body.dump());
}

Result<HijackedConn> Client::execStartAttached(const std::string& execId, bool tty) {
  WHARF_TRY(negotiate());
  Json body = {{"Detach", false}, {"Tty", tty}};
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn,
                         openAndSend("POST", versioned("/exec/" + urlEncode(execId) + "/start"),
                                     body.dump(), {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}}));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  if (head.status != 101 && head.status != 200) {
    WHARF_ASSIGN_OR_RETURN(std::string rest, conn.readAll());
    return errorFromReply(head, rest);
  }
  HijackedConn out;
  out.buffered = conn.takeBuffered();
  out.fd = conn.releaseFd();
  return out;
}

Status Client::execStartDetached(const std::string& execId, bool tty) {
  Json body = {{"Detach", true}, {"Tty", tty}};
  WHARF_TRY(call("POST", "/exec/" + urlEncode(execId) + "/start", body.dump()));
  return okStatus();
}

Result<Json> Client::execInspect(const std::string& execId) {
  return callJson("GET", "/exec/" + urlEncode(execId) + "/json");
}

Result<Json> Client::execResize(const std::string& execId, int height, int width) {
  return callJson("POST", "/exec/" + urlEncode(execId) + "/resize?h=" + std::to_string(height) +
                              "&w=" + std::to_string(width));
}

}  // namespace wharf::client
