// GET /events (swagger: SystemEvents): the engine's event stream as newline-delimited JSON in
// docker's EventMessage shape, with the legacy status/id/from fields the old clients read.
#include <boost/asio/post.hpp>

#include "api/errors.h"
#include "api/internal/container_json.h"
#include "api/internal/routes.h"
#include "common/json.h"
#include "common/time.h"

namespace wharf::api {

namespace {

Json eventJson(const engine::Event& e) {
  Json attrs = Json::object();
  for (const auto& [k, v] : e.attributes) attrs[k] = v;
  Json j = Json::object();
  // Before API 1.22 clients read only these; docker still sends them for containers and
  // images.
  if (e.type == "container" || e.type == "image") {
    j["status"] = e.action;
    j["id"] = e.actorId;
    if (e.type == "container") {
      if (auto it = e.attributes.find("image"); it != e.attributes.end()) j["from"] = it->second;
    }
  }
  j["Type"] = e.type;
  j["Action"] = e.action;
  j["Actor"] = Json{{"ID", e.actorId}, {"Attributes", attrs}};
  j["scope"] = e.scope;
  j["time"] = e.timeNano / 1000000000;
  j["timeNano"] = e.timeNano;
  return j;
}

Result<int64_t> timeParam(const Request& req, const std::string& name, int64_t now) {
  auto v = req.query(name);
  if (!v || v->empty()) return int64_t{-1};
  auto t = parseTimestamp(*v, now);
  if (!t.ok()) return invalidArgument("invalid value for " + name + ": " + t.error().message());
  return *t < 0 ? int64_t{0} : *t;
}

// Writes each event as it comes; the next is asked for once the client took the previous.
struct EventPump : std::enable_shared_from_this<EventPump> {
  boost::asio::io_context& io;
  std::unique_ptr<engine::EventStream> stream;
  ResponderPtr out;
  bool ended = false;

  EventPump(boost::asio::io_context& i, std::unique_ptr<engine::EventStream> s, ResponderPtr o)
      : io(i), stream(std::move(s)), out(std::move(o)) {}

  void next() {
    if (ended) return;
    stream->next([self = shared_from_this()](std::optional<engine::Event> e) {
      if (self->ended) return;
      if (!e) return self->end();
      self->out->write(eventJson(*e).dump() + "\n", [self](bool ok) {
        if (!ok) return self->end();
        self->next();
      });
    });
  }

  void end() {
    if (ended) return;
    ended = true;
    // Never destroy the stream from inside its own callback.
    boost::asio::post(io, [self = shared_from_this()] { self->stream.reset(); });
    out->finish();
  }
};

}  // namespace

void addEventRoutes(Router& router, RouteContextPtr ctx) {
  router.add("GET", "/events", "SystemEvents", [ctx](const Request& req, ResponderPtr r) {
    int64_t now = nowNanos();
    engine::EventQuery q;
    auto since = timeParam(req, "since", now);
    if (!since.ok()) return replyError(*r, since.error());
    auto until = timeParam(req, "until", now);
    if (!until.ok()) return replyError(*r, until.error());
    q.sinceNanos = *since;
    q.untilNanos = *until;
    auto filters = parseFilters(req.query("filters").value_or(""));
    if (!filters.ok()) return replyError(*r, filters.error());
    q.filters = std::move(*filters);
    auto stream = ctx->system.events(q);
    if (!stream.ok()) return replyError(*r, stream.error());
    r->startStream(200, "application/json");
    auto pump = std::make_shared<EventPump>(ctx->io, std::move(*stream), r);
    r->onClose([weak = std::weak_ptr<EventPump>(pump)] {
      if (auto p = weak.lock()) p->end();
    });
    pump->next();
  });
}

}  // namespace wharf::api
