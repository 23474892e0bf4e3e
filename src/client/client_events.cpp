// Client::events and containerStats: GET /events and /containers/{id}/stats, read as
// newline-delimited JSON until the daemon ends them.
#include "client/client.h"
#include "client/http.h"
#include "common/time.h"

namespace wharf::client {

namespace {

// As docker's client: any form the user wrote becomes "seconds.nanoseconds" on the wire.
Result<std::string> wireTime(const std::string& v) {
  WHARF_ASSIGN_OR_RETURN(int64_t t, parseTimestamp(v, nowNanos()));
  return formatUnixSecondsNanos(t < 0 ? 0 : t);
}

}  // namespace

Status Client::events(const EventsOptions& opts, const std::function<bool(const Json&)>& onEvent) {
  std::string q;
  auto add = [&q](const std::string& k, const std::string& v) {
    q += (q.empty() ? "?" : "&") + k + "=" + urlEncode(v);
  };
  if (!opts.since.empty()) {
    WHARF_ASSIGN_OR_RETURN(std::string s, wireTime(opts.since));
    add("since", s);
  }
  if (!opts.until.empty()) {
    WHARF_ASSIGN_OR_RETURN(std::string s, wireTime(opts.until));
    add("until", s);
  }
  if (!opts.filters.empty()) {
    Json f = Json::object();
    for (const auto& [k, vals] : opts.filters)
      for (const auto& v : vals) f[k][v] = true;
    add("filters", f.dump());
  }
  return readJsonLines("/events" + q, "event", onEvent);
}

Status Client::containerStats(const std::string& id, bool stream, bool oneShot,
                              const std::function<bool(const Json&)>& onStats) {
  std::string q = std::string("?stream=") + (stream ? "1" : "0");
  if (oneShot) q += "&one-shot=1";
  return readJsonLines("/containers/" + urlEncode(id) + "/stats" + q, "stats object", onStats);
}

Status Client::readJsonLines(const std::string& path, const char* what,
                             const std::function<bool(const Json&)>& onObject) {
  WHARF_TRY(negotiate());
  lastStatus_ = 0;
  WHARF_ASSIGN_OR_RETURN(HttpConnection conn, openAndSend("GET", versioned(path), ""));
  WHARF_ASSIGN_OR_RETURN(HttpResponseHead head, conn.readHead());
  lastStatus_ = head.status;
  if (head.status >= 400) {
    WHARF_ASSIGN_OR_RETURN(std::string reply, conn.readAll());
    return errorFromReply(head, reply);
  }
  std::string pending;
  char buf[16 * 1024];
  for (;;) {
    WHARF_ASSIGN_OR_RETURN(size_t n, conn.readSome(buf, sizeof(buf)));
    if (n == 0) return okStatus();
    pending.append(buf, n);
    if (pending.size() > (1 << 20) && pending.find('\n') == std::string::npos)
      return internalError(std::string("the daemon sent a line over 1 MiB (") + what + ")");
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line.empty() || line == "\r") continue;
      WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, what));
      if (!onObject(j)) return okStatus();
    }
  }
}

}  // namespace wharf::client
