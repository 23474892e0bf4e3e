// Container routes (swagger tag "Container"): create, list, inspect, start, wait, attach, logs,
// stop, kill, resize, update, delete. Handlers translate; the engine decides.

#include <charconv>
#include <cstdint>
#include <ctime>

#include "api/errors.h"
#include "api/internal/container_json.h"
#include "api/internal/log_pump.h"
#include "api/internal/routes.h"

namespace wharf::api {

const char* streamType(const Request& req, bool tty) {
  return !tty && req.versionAtLeast("1.42") ? kMultiplexedStream : kRawStream;
}

Result<std::optional<int>> queryInt(const Request& req, const std::string& name) {
  auto v = req.query(name);
  if (!v || v->empty()) return std::optional<int>();
  int n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size())
    return invalidArgument("invalid value for " + name + ": \"" + *v + "\"");
  return std::optional<int>(n);
}

namespace {

using engine::ContainerStatus;

// "1700000000", "1700000000.123456789" (docker's since/until): nanoseconds; 0 when absent.
Result<int64_t> queryUnixNanos(const Request& req, const std::string& name) {
  auto v = req.query(name);
  if (!v || v->empty()) return int64_t{0};
  std::string s = *v;
  size_t dot = s.find('.');
  int64_t sec = 0, nanos = 0;
  std::string secPart = s.substr(0, dot);
  auto [p, ec] = std::from_chars(secPart.data(), secPart.data() + secPart.size(), sec);
  bool bad = ec != std::errc() || p != secPart.data() + secPart.size();
  if (!bad && dot != std::string::npos) {
    std::string frac = s.substr(dot + 1, 9);
    if (frac.find_first_not_of("0123456789") != std::string::npos) bad = true;
    frac.resize(9, '0');
    std::from_chars(frac.data(), frac.data() + frac.size(), nanos);
  }
  // Nanoseconds in an int64 reach year 2262; a larger value is no time (and would overflow).
  constexpr int64_t kMaxSec = INT64_MAX / 1000000000 - 1;
  if (!bad && (sec < -kMaxSec || sec > kMaxSec)) bad = true;
  if (bad) return invalidArgument("invalid value for " + name + ": \"" + s + "\"");
  return sec * 1000000000 + nanos;
}

bool isRunning(ContainerStatus s) {
  return s == ContainerStatus::kRunning || s == ContainerStatus::kPaused ||
         s == ContainerStatus::kRestarting;
}

// A LogReader held by a shared_ptr, for callbacks that std::function must be able to copy.
struct SharedReader : engine::LogReader {
  std::shared_ptr<engine::LogReader> inner;
  void next(std::function<void(Result<std::optional<engine::LogEntry>>)> cb) override {
    inner->next(std::move(cb));
  }
};

Json waitBody(int code, const std::string& error) {
  return Json{{"StatusCode", code},
              {"Error", error.empty() ? Json(nullptr) : Json{{"Message", error}}}};
}

void createContainer(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return replyError(*r, invalidArgument("Config cannot be empty in order to create a container"));
  auto body = parseJson(req.body, "request body");
  if (!body.ok()) return replyError(*r, body.error());
  std::vector<std::string> warnings;
  auto spec = specFromCreateBody(*body, req.query("name").value_or(""), &warnings,
                                 req.versionAtLeast("1.44"));
  if (!spec.ok()) return replyError(*r, spec.error());
  auto id = ctx.containers.createContainer(*spec, &warnings);
  if (!id.ok()) return replyError(*r, id.error());
  replyJson(*r, 201, Json{{"Id", *id}, {"Warnings", warnings}});
}

void listContainers(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  engine::ListOptions opts;
  opts.all = req.queryBool("all");
  auto limit = queryInt(req, "limit");
  if (!limit.ok()) return replyError(*r, limit.error());
  if (*limit && **limit > 0) {
    opts.limit = **limit;
    opts.all = true;  // moby: `ps -n N` lists the last N in any state
  }
  auto filters = parseFilters(req.query("filters").value_or(""));
  if (!filters.ok()) return replyError(*r, filters.error());
  opts.filters = std::move(*filters);
  auto list = ctx.containers.listContainers(opts);
  if (!list.ok()) return replyError(*r, list.error());
  // size=1: SizeRw and SizeRootFs, measured off the loop (docker ps -s).
  bool size = req.queryBool("size");
  withContainerSizes(ctx, size, [r, size, rows = std::move(*list)](Result<ContainerSizes> sizes) {
    if (!sizes.ok()) return replyError(*r, sizes.error());
    int64_t now = std::time(nullptr);
    Json out = Json::array();
    for (const auto& c : rows) {
      Json j = containerSummaryJson(c, now);
      if (size) {
        auto it = sizes->find(c.id);
        j["SizeRw"] = it == sizes->end() ? 0 : it->second.first;
        j["SizeRootFs"] = it == sizes->end() ? 0 : it->second.second;
      }
      out.push_back(std::move(j));
    }
    replyJson(*r, 200, out);
  });
}

void waitContainer(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  std::string cond = req.query("condition").value_or("");
  engine::WaitCondition wc;
  if (cond.empty() || cond == "not-running") {
    wc = engine::WaitCondition::kNotRunning;
  } else if (cond == "next-exit") {
    wc = engine::WaitCondition::kNextExit;
  } else if (cond == "removed") {
    wc = engine::WaitCondition::kRemoved;
  } else {
    return replyError(*r, invalidArgument("invalid condition: \"" + cond + "\""));
  }
  // A missing container is a 404, before the headers go out.
  if (auto c = ctx.containers.inspectContainer(req.params.at("id")); !c.ok())
    return replyError(*r, c.error());
  // The docker CLI waits before it starts the container: send the headers now and the body
  // when the container stops. If the engine answers at once, reply in one go.
  struct State {
    bool returned = false;
    std::optional<Result<engine::WaitResult>> early;
  };
  auto st = std::make_shared<State>();
  ctx.containers.waitContainer(req.params.at("id"), wc, [st, r](Result<engine::WaitResult> res) {
    if (!st->returned) {
      st->early.emplace(std::move(res));
      return;
    }
    Json body =
        res.ok() ? waitBody(res->exitCode, res->error) : waitBody(-1, res.error().message());
    r->write(body.dump() + "\n");
    r->finish();
  });
  st->returned = true;
  if (st->early) {
    if (!st->early->ok()) return replyError(*r, st->early->error());
    return replyJson(*r, 200, waitBody((*st->early)->exitCode, (*st->early)->error));
  }
  r->startStream(200, "application/json");
}

void attachContainer(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  auto c = ctx.containers.inspectContainer(req.params.at("id"));
  if (!c.ok()) return replyError(*r, c.error());
  bool tty = c->spec.tty;
  bool out = req.queryBool("stdout"), err = req.queryBool("stderr");
  std::unique_ptr<engine::LogReader> live, past;
  // The live reader first: output written while the history is sent is not lost.
  if (req.queryBool("stream")) {
    auto rd = ctx.containers.attachOutput(c->id, out, err);
    if (!rd.ok()) return replyError(*r, rd.error());
    live = std::move(*rd);
  }
  if (req.queryBool("logs")) {
    engine::LogOptions lo;
    lo.stdoutOn = out;
    lo.stderrOn = err;
    auto rd = ctx.containers.readLogs(c->id, lo);
    if (!rd.ok()) return replyError(*r, rd.error());
    past = std::move(*rd);
  }
  // Stdin when asked for and the container keeps it open (`docker run -i`); an engine that
  // cannot forward it yet gets the output-only attach.
  std::shared_ptr<engine::StdinWriter> stdinWriter;
  if (req.queryBool("stdin") && c->spec.openStdin) {
    auto w = ctx.containers.attachStdin(c->id);
    if (w.ok())
      stdinWriter = std::move(*w);
    else if (w.error().category() != ErrorCategory::kNotImplemented)
      return replyError(*r, w.error());
  }
  // As moby's postContainersAttach: any Upgrade header gets `101 UPGRADED`, announcing the
  // multiplexed type from 1.42 when there is no TTY; a plain hijack says raw-stream (the
  // framing still follows the TTY: clients decide by the container's Config.Tty).
  bool upgrade = req.headers.count("upgrade") > 0;
  r->startHijack(upgrade, upgrade ? streamType(req, tty) : kRawStream);
  if (stdinWriter)
    r->onInput([w = stdinWriter, once = c->spec.stdinOnce](std::string data, bool eof) {
      if (!data.empty()) w->write(std::move(data), [](const Status&) {});
      // docker closes the container's stdin when the attached client's ends, if StdinOnce.
      if (eof && once) w->close();
    });
  PumpOptions po{tty, false};
  auto pumpLive = [&io = ctx.io, r, po,
                   live = std::shared_ptr<engine::LogReader>(std::move(live))](bool ok) mutable {
    if (!ok || !live) return r->finish();
    // std::function needs a copyable callable, so the live reader waits in a shared_ptr.
    auto fwd = std::make_unique<SharedReader>();
    fwd->inner = std::move(live);
    LogPump::run(io, std::move(fwd), r, po, [r](bool) { r->finish(); });
  };
  if (past)
    LogPump::run(ctx.io, std::move(past), r, po, std::move(pumpLive));
  else
    pumpLive(true);
}

void containerLogs(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  auto c = ctx.containers.inspectContainer(req.params.at("id"));
  if (!c.ok()) return replyError(*r, c.error());
  engine::LogOptions lo;
  lo.stdoutOn = req.queryBool("stdout");
  lo.stderrOn = req.queryBool("stderr");
  if (!lo.stdoutOn && !lo.stderrOn)
    return replyError(*r, invalidArgument("Bad parameters: you must choose at least one stream"));
  lo.follow = req.queryBool("follow");
  lo.timestamps = req.queryBool("timestamps");
  auto since = queryUnixNanos(req, "since");
  if (!since.ok()) return replyError(*r, since.error());
  auto until = queryUnixNanos(req, "until");
  if (!until.ok()) return replyError(*r, until.error());
  lo.sinceNanos = *since;
  lo.untilNanos = *until;
  std::string tail = req.query("tail").value_or("all");
  if (tail != "all" && !tail.empty()) {
    auto n = queryInt(req, "tail");
    if (!n.ok()) return replyError(*r, n.error());
    lo.tail = **n < 0 ? -1 : **n;
  }
  auto rd = ctx.containers.readLogs(c->id, lo);
  if (!rd.ok()) return replyError(*r, rd.error());
  r->startStream(200, streamType(req, c->spec.tty));
  LogPump::run(ctx.io, std::move(*rd), r, PumpOptions{c->spec.tty, lo.timestamps},
               [r](bool) { r->finish(); });
}

void stopContainer(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  auto c = ctx.containers.inspectContainer(req.params.at("id"));
  if (!c.ok()) return replyError(*r, c.error());
  auto t = queryInt(req, "t");
  if (!t.ok()) return replyError(*r, t.error());
  if (!isRunning(c->state.status)) return replyEmpty(*r, 304);
  ctx.containers.stopContainer(c->id, *t, [r](const Status& st) {
    if (!st.ok()) return replyError(*r, st.error());
    replyEmpty(*r, 204);
  });
}

// Restart = stop (when running) + start, as dockerd's ContainerRestart (the engine publishes
// the "restart" event).
void restartContainer(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  auto c = ctx.containers.inspectContainer(req.params.at("id"));
  if (!c.ok()) return replyError(*r, c.error());
  auto t = queryInt(req, "t");
  if (!t.ok()) return replyError(*r, t.error());
  ctx.containers.restartContainer(c->id, *t, [r](const Status& st) {
    if (!st.ok()) return replyError(*r, st.error());
    replyEmpty(*r, 204);
  });
}

}  // namespace

void addContainerRoutes(Router& router, RouteContextPtr ctx) {
  auto bind = [ctx](void (*fn)(const RouteContext&, const Request&, ResponderPtr)) {
    return [ctx, fn](const Request& req, ResponderPtr r) { fn(*ctx, req, std::move(r)); };
  };
  router.add("POST", "/containers/create", "ContainerCreate", bind(createContainer));
  router.add("GET", "/containers/json", "ContainerList", bind(listContainers));
  router.add("GET", "/containers/{id}/json", "ContainerInspect",
             [ctx](const Request& req, ResponderPtr r) {
               auto c = ctx->containers.inspectContainer(req.params.at("id"));
               if (!c.ok()) return replyError(*r, c.error());
               bool size = req.queryBool("size");
               withContainerSizes(*ctx, size,
                                  [r, size, info = std::move(*c)](Result<ContainerSizes> sizes) {
                                    if (!sizes.ok()) return replyError(*r, sizes.error());
                                    Json j = containerInspectJson(info);
                                    if (size) {
                                      auto it = sizes->find(info.id);
                                      j["SizeRw"] = it == sizes->end() ? 0 : it->second.first;
                                      j["SizeRootFs"] = it == sizes->end() ? 0 : it->second.second;
                                    }
                                    replyJson(*r, 200, j);
                                  });
             });
  router.add("POST", "/containers/{id}/start", "ContainerStart",
             [ctx](const Request& req, ResponderPtr r) {
               ctx->containers.startContainer(req.params.at("id"),
                                              [r](const Status& st, bool alreadyRunning) {
                                                if (!st.ok()) return replyError(*r, st.error());
                                                replyEmpty(*r, alreadyRunning ? 304 : 204);
                                              });
             });
  router.add("POST", "/containers/{id}/wait", "ContainerWait", bind(waitContainer));
  router.add("POST", "/containers/{id}/attach", "ContainerAttach", bind(attachContainer));
  router.add("GET", "/containers/{id}/logs", "ContainerLogs", bind(containerLogs));
  router.add("POST", "/containers/{id}/stop", "ContainerStop", bind(stopContainer));
  router.add("POST", "/containers/{id}/restart", "ContainerRestart", bind(restartContainer));
  router.add("POST", "/containers/{id}/rename", "ContainerRename",
             [ctx](const Request& req, ResponderPtr r) {
               auto st = ctx->containers.renameContainer(req.params.at("id"),
                                                         req.query("name").value_or(""));
               if (!st.ok()) return replyError(*r, st.error());
               replyEmpty(*r, 204);
             });
  router.add("POST", "/containers/{id}/pause", "ContainerPause",
             [ctx](const Request& req, ResponderPtr r) {
               auto st = ctx->containers.pauseContainer(req.params.at("id"));
               if (!st.ok()) return replyError(*r, st.error());
               replyEmpty(*r, 204);
             });
  router.add("POST", "/containers/{id}/unpause", "ContainerUnpause",
             [ctx](const Request& req, ResponderPtr r) {
               auto st = ctx->containers.unpauseContainer(req.params.at("id"));
               if (!st.ok()) return replyError(*r, st.error());
               replyEmpty(*r, 204);
             });
  router.add(
      "POST", "/containers/{id}/kill", "ContainerKill", [ctx](const Request& req, ResponderPtr r) {
        auto st =
            ctx->containers.killContainer(req.params.at("id"), req.query("signal").value_or(""));
        if (!st.ok()) return replyError(*r, st.error());
        replyEmpty(*r, 204);
      });
  // The CLI resizes a TTY after start. An engine that cannot resize yet is not an error for
  // the client: the container keeps its size.
  router.add("POST", "/containers/{id}/resize", "ContainerResize",
             [ctx](const Request& req, ResponderPtr r) {
               auto h = queryInt(req, "h");
               if (!h.ok()) return replyError(*r, h.error());
               auto w = queryInt(req, "w");
               if (!w.ok()) return replyError(*r, w.error());
               auto c = ctx->containers.inspectContainer(req.params.at("id"));
               if (!c.ok()) return replyError(*r, c.error());
               auto st = ctx->containers.resizeTty(c->id, h->value_or(0), w->value_or(0));
               if (!st.ok() && st.error().category() != ErrorCategory::kNotImplemented)
                 return replyError(*r, st.error());
               r->reply(200, "text/plain; charset=utf-8", "");
             });
  router.add("POST", "/containers/{id}/update", "ContainerUpdate",
             [ctx](const Request& req, ResponderPtr r) {
               auto body = parseJson(req.body.empty() ? "{}" : req.body, "request body");
               if (!body.ok()) return replyError(*r, body.error());
               auto u = updateFromBody(*body);
               if (!u.ok()) return replyError(*r, u.error());
               std::vector<std::string> warnings;
               auto st = ctx->containers.updateContainer(req.params.at("id"), *u, &warnings);
               if (!st.ok()) return replyError(*r, st.error());
               replyJson(*r, 200, Json{{"Warnings", warnings}});
             });
  router.add("DELETE", "/containers/{id}", "ContainerDelete",
             [ctx](const Request& req, ResponderPtr r) {
               ctx->containers.removeContainer(req.params.at("id"), req.queryBool("force"),
                                               req.queryBool("v"), [r](const Status& st) {
                                                 if (!st.ok()) return replyError(*r, st.error());
                                                 replyEmpty(*r, 204);
                                               });
             });
}

}  // namespace wharf::api
