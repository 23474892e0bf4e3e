// Exec routes (swagger tag "Exec"): create, start (hijacked or detached), resize, inspect.
// As moby's router/container/exec.go: a start error after the hijack is written into the
// stream (the client then reads the exit code, 126 or 127, from the exec's inspect).

#include "api/errors.h"
#include "api/internal/log_pump.h"
#include "api/internal/routes.h"
#include "api/stream.h"
#include "common/json_read.h"

namespace wharf::api {

namespace {

// Stdin a client sends before its exec runs (a few milliseconds) is kept up to this much.
constexpr size_t kMaxEarlyStdin = size_t{16} << 20;

// Typed reads that name the field's path (common/json_read.h).
constexpr std::string_view kWhere = "ExecConfig";

Status readString(const Json& obj, const char* key, std::string& out) {
  return json::read(obj, key, kWhere, out);
}

Status readBool(const Json& obj, const char* key, bool& out) {
  return json::read(obj, key, kWhere, out);
}

// docker's strslice (Cmd) takes a single string too.
Status readStrings(const Json& obj, const char* key, std::vector<std::string>& out) {
  std::optional<std::vector<std::string>> v;
  WHARF_TRY(json::readStrSlice(obj, key, kWhere, v));
  if (v) out = std::move(*v);
  return okStatus();
}

// ConsoleSize: [height, width], each a uint.
Status readConsoleSize(const Json& obj, int& h, int& w) {
  const Json* v = json::field(obj, "ConsoleSize");
  if (!v) return okStatus();
  if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number_unsigned() ||
      !(*v)[1].is_number_unsigned() || (*v)[0].get<uint64_t>() > 65535 ||
      (*v)[1].get<uint64_t>() > 65535)
    return invalidArgument("invalid JSON: ConsoleSize: want [height, width]");
  h = static_cast<int>((*v)[0].get<uint64_t>());
  w = static_cast<int>((*v)[1].get<uint64_t>());
  return okStatus();
}

Result<engine::ExecConfig> execConfigFromBody(const Json& body) {
  if (!body.is_object()) return invalidArgument("invalid JSON: ExecConfig: want an object");
  engine::ExecConfig c;
  WHARF_TRY(readStrings(body, "Cmd", c.cmd));
  WHARF_TRY(readStrings(body, "Env", c.env));
  WHARF_TRY(readString(body, "WorkingDir", c.workingDir));
  WHARF_TRY(readString(body, "User", c.user));
  WHARF_TRY(readString(body, "DetachKeys", c.detachKeys));
  WHARF_TRY(readBool(body, "Tty", c.tty));
  WHARF_TRY(readBool(body, "Privileged", c.privileged));
  WHARF_TRY(readBool(body, "AttachStdin", c.attachStdin));
  WHARF_TRY(readBool(body, "AttachStdout", c.attachStdout));
  WHARF_TRY(readBool(body, "AttachStderr", c.attachStderr));
  WHARF_TRY(readConsoleSize(body, c.consoleHeight, c.consoleWidth));
  return c;
}

Json execInspectJson(const engine::ExecInfo& e) {
  const auto& c = e.config;
  std::string entry = c.cmd.empty() ? "" : c.cmd[0];
  std::vector<std::string> args;
  if (c.cmd.size() > 1) args.assign(c.cmd.begin() + 1, c.cmd.end());
  return Json{{"ID", e.id},
              {"Running", e.running},
              {"ExitCode", e.exitCode ? Json(*e.exitCode) : Json(nullptr)},
              {"ProcessConfig",
               {{"privileged", c.privileged},
                {"user", c.user},
                {"tty", c.tty},
                {"entrypoint", entry},
                {"arguments", args}}},
              {"OpenStdin", c.attachStdin},
              {"OpenStderr", c.attachStderr},
              {"OpenStdout", c.attachStdout},
              {"CanRemove", false},
              {"ContainerID", e.containerId},
              {"DetachKeys", c.detachKeys},
              {"Pid", e.pid}};
}

void createExec(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  auto c = ctx.containers.inspectContainer(req.params.at("id"));
  if (!c.ok()) return replyError(*r, c.error());
  auto body = parseJson(req.body.empty() ? std::string_view("{}") : std::string_view(req.body),
                        "request body");
  if (!body.ok()) return replyError(*r, body.error());
  auto cfg = execConfigFromBody(*body);
  if (!cfg.ok()) return replyError(*r, cfg.error());
  auto id = ctx.containers.createExec(c->id, *cfg);
  if (!id.ok()) return replyError(*r, id.error());
  replyJson(*r, 201, Json{{"Id", *id}});
}

// A LogReader held by a shared_ptr, for callbacks that must be copyable.
struct SharedReader : engine::LogReader {
  std::shared_ptr<engine::LogReader> inner;
  void next(std::function<void(Result<std::optional<engine::LogEntry>>)> cb) override {
    inner->next(std::move(cb));
  }
};

void startExec(const RouteContext& ctx, const Request& req, ResponderPtr r) {
  const std::string id = req.params.at("id");
  auto info = ctx.containers.inspectExec(id);
  if (!info.ok()) return replyError(*r, info.error());
  bool detach = false, tty = info->config.tty;
  if (!req.body.empty()) {
    auto body = parseJson(req.body, "request body");
    if (!body.ok()) return replyError(*r, body.error());
    if (!body->is_object()) return replyError(*r, invalidArgument("invalid JSON: want an object"));
    Status st = readBool(*body, "Detach", detach);
    if (st.ok()) st = readBool(*body, "Tty", tty);
    if (!st.ok()) return replyError(*r, st.error());
  }
  if (info->running)
    return replyError(*r, conflict("Error: Exec command " + id + " is already running"));
  if (info->started || info->exitCode)
    return replyError(*r, conflict("Error: Exec command " + id + " has already run"));
  if (detach) {
    return ctx.containers.startExec(id, true, [r](Result<engine::ExecStreams> s) {
      if (!s.ok()) return replyError(*r, s.error());
      r->reply(200, "application/json", "");
    });
  }
  // moby: any Upgrade header gets `101 UPGRADED`; multiplexed without a TTY from API 1.42.
  bool upgrade = req.headers.count("upgrade") > 0;
  r->startHijack(upgrade, upgrade ? streamType(req, tty) : kRawStream);
  // The client's stdin is taken from the start (the server keeps little for a handler that
  // has not said where it goes) and held until the process exists.
  struct Input {
    std::string pending;
    bool eof = false;
    std::shared_ptr<engine::StdinWriter> writer;
  };
  auto input = std::make_shared<Input>();
  r->onInput([input](std::string data, bool eof) {
    if (input->writer) {
      if (!data.empty()) input->writer->write(std::move(data), [](const Status&) {});
      if (eof) input->writer->close();  // the client's stdin ended: so does the process'
      return;
    }
    if (input->pending.size() + data.size() <= kMaxEarlyStdin) input->pending += data;
    input->eof = input->eof || eof;
  });
  ctx.containers.startExec(id, false, [&io = ctx.io, r, tty, input](Result<engine::ExecStreams> s) {
    if (!s.ok()) {
      // After the hijack an error can only travel in the stream, as moby writes it.
      std::string msg =
          "OCI runtime exec failed: exec failed: unable to start container process: " +
          s.error().message() + ": unknown\r\n";
      r->write(tty ? msg : frame(StreamType::kStdout, msg));
      return r->finish();
    }
    if (s->input) {
      input->writer = std::move(s->input);
      if (!input->pending.empty())
        input->writer->write(std::move(input->pending), [](const Status&) {});
      input->pending.clear();
      if (input->eof) input->writer->close();
    }
    auto reader = std::make_unique<SharedReader>();
    reader->inner = std::move(s->output);
    // The writer lives as long as the output is pumped (the stream ends at the exit).
    LogPump::run(io, std::move(reader), r, PumpOptions{tty, false},
                 [r, input](bool) { r->finish(); });
  });
}

}  // namespace

void addExecRoutes(Router& router, RouteContextPtr ctx) {
  auto bind = [ctx](void (*fn)(const RouteContext&, const Request&, ResponderPtr)) {
    return [ctx, fn](const Request& req, ResponderPtr r) { fn(*ctx, req, std::move(r)); };
  };
  router.add("POST", "/containers/{id}/exec", "ContainerExec", bind(createExec));
  router.add("POST", "/exec/{id}/start", "ExecStart", bind(startExec));
  router.add("POST", "/exec/{id}/resize", "ExecResize", [ctx](const Request& req, ResponderPtr r) {
    auto h = queryInt(req, "h");
    if (!h.ok()) return replyError(*r, h.error());
    auto w = queryInt(req, "w");
    if (!w.ok()) return replyError(*r, w.error());
    auto st = ctx->containers.resizeExec(req.params.at("id"), h->value_or(0), w->value_or(0));
    if (!st.ok()) return replyError(*r, st.error());
    r->reply(200, "text/plain; charset=utf-8", "");
  });
  router.add("GET", "/exec/{id}/json", "ExecInspect", [ctx](const Request& req, ResponderPtr r) {
    auto info = ctx->containers.inspectExec(req.params.at("id"));
    if (!info.ok()) return replyError(*r, info.error());
    replyJson(*r, 200, execInspectJson(*info));
  });
}

}  // namespace wharf::api
