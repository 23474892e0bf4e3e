// Container lifecycle commands: start, stop, kill, wait, rm, logs, inspect.

#include <ctime>

#include "cli/format.h"
#include "cli/go_template.h"
#include "cli/internal/attach.h"
#include "cli/internal/command.h"
#include "client/stdcopy.h"

namespace wharf::cli {

// docker inspect prints json.MarshalIndent output: 4 spaces, and HTML characters escaped.
std::string dockerIndent(const OrderedJson& v) {
  std::string s = v.dump(4, ' ', false, OrderedJson::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

int printInspected(
    Context& ctx, const std::vector<std::string>& names, const std::string& format,
    const std::function<Result<OrderedJson>(const std::string&)>& fetch,
    const std::function<std::string(const std::string&, const Error&)>& notFoundText) {
  std::optional<GoTemplate> tmpl;
  if (!format.empty()) {
    auto t = GoTemplate::parseFormat(format);
    if (!t.ok()) {
      ctx.io.err << t.error().message() << "\n";
      return 1;
    }
    tmpl = std::move(t).value();
  }
  OrderedJson all = OrderedJson::array();
  int rc = 0;
  std::string text;
  for (const std::string& name : names) {
    Result<OrderedJson> r = fetch(name);
    if (!r.ok()) {
      if (r.error().category() != ErrorCategory::kNotFound) return ctx.fail(r.error());
      ctx.io.err << (notFoundText ? notFoundText(name, r.error()) : ctx.describe(r.error()))
                 << "\n";
      rc = 1;
      continue;
    }
    if (tmpl) {
      auto line = tmpl->execute(Json::parse(r->dump()));
      if (!line.ok()) {
        ctx.io.err << line.error().message() << "\n";
        return 1;
      }
      text += *line + "\n";
    } else {
      all.push_back(std::move(*r));
    }
  }
  if (tmpl)
    ctx.io.out << text;
  else
    ctx.io.out << dockerIndent(all) << "\n";
  return rc;
}

namespace {

// Runs fn on each id; like docker, prints the name on success, the error on stderr otherwise,
// and exits 1 if any failed.
template <typename Fn>
int forEach(Context& ctx, const std::vector<std::string>& ids, Fn fn) {
  int rc = 0;
  for (const std::string& id : ids) {
    auto r = fn(id);
    if (r.ok()) {
      ctx.io.out << id << "\n";
    } else {
      ctx.io.err << ctx.describe(r.error()) << "\n";
      rc = 1;
    }
  }
  return rc;
}

enum class InspectType { kAny, kContainer, kImage, kVolume };

int inspect(Context& ctx, std::vector<std::string> args, const std::string& path,
            InspectType fixed) {
  std::string format, type;
  bool size = false;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] NAME|ID [NAME|ID...]";
  initApp(app, path, usage);
  app.add_option("-f,--format", format, "Format output using a custom template");
  app.add_flag("-s,--size", size, "Display total file sizes");
  if (fixed == InspectType::kAny) app.add_option("--type", type, "Return JSON for specified type");
  app.add_option("names", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, path, std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, path, names.size(), 1, usage)) return *rc;
  InspectType want = fixed;
  if (type == "container")
    want = InspectType::kContainer;
  else if (type == "image")
    want = InspectType::kImage;
  else if (type == "volume")
    want = InspectType::kVolume;
  else if (!type.empty()) {
    ctx.io.err << "\"" << type << "\" is not a valid value for --type\n";
    return 1;
  }
  auto fetch = [&](const std::string& name) -> Result<OrderedJson> {
    Result<OrderedJson> r = notFound("No such object: " + name);
    auto wanted = [&](InspectType t) { return want == InspectType::kAny || want == t; };
    if (wanted(InspectType::kContainer)) {
      r = ctx.client().containerInspectOrdered(name, size);
      if (r.ok() || r.error().category() != ErrorCategory::kNotFound) return r;
    }
    if (wanted(InspectType::kImage)) {
      r = ctx.client().imageInspectOrdered(name);
      if (r.ok() || r.error().category() != ErrorCategory::kNotFound) return r;
    }
    if (wanted(InspectType::kVolume)) r = ctx.client().volumeInspectOrdered(name);
    return r;
  };
  auto notFoundText = [&](const std::string& name, const Error& e) {
    return want == InspectType::kAny ? "Error: No such object: " + name : ctx.describe(e);
  };
  return printInspected(ctx, names, format, fetch, notFoundText);
}

}  // namespace

int cmdStart(Context& ctx, std::vector<std::string> args) {
  bool attach = false, interactive = false;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER [CONTAINER...]";
  initApp(app, "wharf start", usage);
  app.add_flag("-a,--attach", attach, "Attach STDOUT/STDERR and forward signals");
  app.add_flag("-i,--interactive", interactive, "Attach container's STDIN");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf start", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf start", ids.size(), 1, usage)) return *rc;
  if (attach || interactive) {
    if (ids.size() > 1) {
      ctx.io.err << "you cannot start and attach multiple containers at once\n";
      return 1;
    }
    auto info = ctx.client().containerInspect(ids[0]);
    if (!info.ok()) return ctx.fail(info.error());
    AttachPlan plan;
    plan.id = info->value("Id", ids[0]);
    const Json& cfg = info->contains("Config") ? (*info)["Config"] : Json::object();
    plan.tty = cfg.is_object() && cfg.value("Tty", false);
    plan.stdinOn = interactive && cfg.is_object() && cfg.value("OpenStdin", false);
    const Json& hc = info->contains("HostConfig") ? (*info)["HostConfig"] : Json::object();
    plan.autoRemove = hc.is_object() && hc.value("AutoRemove", false);
    int rc = runAttached(ctx, plan);
    return rc;
  }
  return forEach(ctx, ids, [&](const std::string& id) { return ctx.client().containerStart(id); });
}

int cmdStop(Context& ctx, std::vector<std::string> args) {
  std::optional<int> timeout;
  std::string signal;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER [CONTAINER...]";
  initApp(app, "wharf stop", usage);
  app.add_option("-t,--time,--timeout", timeout, "Seconds to wait before killing the container");
  app.add_option("-s,--signal", signal, "Signal to send to the container");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf stop", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf stop", ids.size(), 1, usage)) return *rc;
  return forEach(ctx, ids, [&](const std::string& id) {
    return ctx.client().containerStop(id, timeout, signal);
  });
}

int cmdAttach(Context& ctx, std::vector<std::string> args) {
  bool noStdin = false, sigProxy = true;
  std::string detachKeys;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER";
  initApp(app, "wharf attach", usage);
  app.add_flag("--no-stdin", noStdin, "Do not attach STDIN");
  app.add_option("--sig-proxy", sigProxy, "Proxy all received signals to the process");
  app.add_option("--detach-keys", detachKeys, "Override the key sequence for detaching");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf attach", std::move(args))) return *rc;
  if (ids.size() != 1) {
    ctx.io.err << "\"wharf attach\" requires exactly 1 argument.\nSee 'wharf attach --help'.\n";
    return 1;
  }
  auto info = ctx.client().containerInspect(ids[0]);
  if (!info.ok()) return ctx.fail(info.error());
  const Json& state = info->contains("State") ? (*info)["State"] : Json::object();
  if (!state.is_object() || !state.value("Running", false)) {
    ctx.io.err << "You cannot attach to a stopped container, start it first\n";
    return 1;
  }
  const Json& cfg = info->contains("Config") ? (*info)["Config"] : Json::object();
  AttachPlan plan;
  plan.id = info->value("Id", ids[0]);
  plan.tty = cfg.is_object() && cfg.value("Tty", false);
  plan.stdinOn = !noStdin && cfg.is_object() && cfg.value("OpenStdin", false);
  plan.start = false;
  return runAttached(ctx, plan);
}

int cmdRestart(Context& ctx, std::vector<std::string> args) {
  std::optional<int> timeout;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER [CONTAINER...]";
  initApp(app, "wharf restart", usage);
  app.add_option("-t,--time,--timeout", timeout, "Seconds to wait before killing the container");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf restart", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf restart", ids.size(), 1, usage)) return *rc;
  return forEach(ctx, ids,
                 [&](const std::string& id) { return ctx.client().containerRestart(id, timeout); });
}

static int pauseOrUnpause(Context& ctx, std::vector<std::string> args, bool pause) {
  const std::string path = pause ? "wharf pause" : "wharf unpause";
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "CONTAINER [CONTAINER...]";
  initApp(app, path, usage);
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, path, std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, path, ids.size(), 1, usage)) return *rc;
  return forEach(ctx, ids, [&](const std::string& id) {
    return pause ? ctx.client().containerPause(id) : ctx.client().containerUnpause(id);
  });
}

int cmdRename(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "CONTAINER NEW_NAME";
  initApp(app, "wharf rename", usage);
  app.add_option("names", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf rename", std::move(args))) return *rc;
  if (names.size() != 2) {
    ctx.io.err << "\"wharf rename\" requires exactly 2 arguments.\nSee 'wharf rename --help'.\n\n"
               << "Usage:  wharf rename " << usage << "\n\nRename a container\n";
    return 1;
  }
  // docker trims both names and refuses empty ones before asking the daemon.
  if (names[0].empty() || names[1].empty()) {
    ctx.io.err << "Error: Neither old nor new names may be empty\n";
    return 1;
  }
  auto r = ctx.client().containerRename(names[0], names[1]);
  if (!r.ok()) {
    ctx.io.err << ctx.describe(r.error()) << "\n";
    return 1;
  }
  return 0;
}

int cmdPause(Context& ctx, std::vector<std::string> args) {
  return pauseOrUnpause(ctx, std::move(args), true);
}

int cmdUnpause(Context& ctx, std::vector<std::string> args) {
  return pauseOrUnpause(ctx, std::move(args), false);
}

int cmdKill(Context& ctx, std::vector<std::string> args) {
  std::string signal;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER [CONTAINER...]";
  initApp(app, "wharf kill", usage);
  app.add_option("-s,--signal", signal, "Signal to send to the container");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf kill", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf kill", ids.size(), 1, usage)) return *rc;
  return forEach(ctx, ids,
                 [&](const std::string& id) { return ctx.client().containerKill(id, signal); });
}

int cmdWait(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "CONTAINER [CONTAINER...]";
  initApp(app, "wharf wait", usage);
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf wait", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf wait", ids.size(), 1, usage)) return *rc;
  int rc = 0;
  for (const std::string& id : ids) {
    auto r = ctx.client().containerWait(id, "");
    if (!r.ok()) {
      ctx.io.err << ctx.describe(r.error()) << "\n";
      rc = 1;
      continue;
    }
    ctx.io.out << r->value("StatusCode", 0) << "\n";
  }
  return rc;
}

int cmdRm(Context& ctx, std::vector<std::string> args) {
  bool force = false, volumes = false, link = false;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER [CONTAINER...]";
  initApp(app, "wharf rm", usage);
  app.add_flag("-f,--force", force, "Force the removal of a running container (uses SIGKILL)");
  app.add_flag("-v,--volumes", volumes, "Remove anonymous volumes associated with the container");
  app.add_flag("-l,--link", link, "Remove the specified link");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf rm", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf rm", ids.size(), 1, usage)) return *rc;
  return forEach(ctx, ids, [&](const std::string& id) {
    return ctx.client().containerRemove(id, force, volumes);
  });
}

int cmdLogs(Context& ctx, std::vector<std::string> args) {
  client::LogsOptions lo;
  std::string since, until, tail = "all";
  std::vector<std::string> ids;
  bool details = false;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER";
  initApp(app, "wharf logs", usage);
  app.add_flag("-f,--follow", lo.follow, "Follow log output");
  app.add_flag("-t,--timestamps", lo.timestamps, "Show timestamps");
  app.add_flag("--details", details, "Show extra details provided to logs");
  app.add_option("--since", since, "Show logs since timestamp or relative (e.g. 42m)");
  app.add_option("--until", until, "Show logs before a timestamp or relative (e.g. 42m)");
  app.add_option("-n,--tail", tail, "Number of lines to show from the end of the logs");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf logs", std::move(args))) return *rc;
  if (ids.size() != 1) {
    ctx.io.err << "\"wharf logs\" requires exactly 1 argument.\nSee 'wharf logs --help'.\n\n"
                  "Usage:  wharf logs "
               << usage << "\n";
    return 1;
  }
  auto now = static_cast<int64_t>(std::time(nullptr));
  auto s = parseTimestampArg(since, now);
  auto u = parseTimestampArg(until, now);
  if (!s.ok() || !u.ok()) {
    ctx.io.err << (s.ok() ? u.error() : s.error()).message() << "\n";
    return 1;
  }
  lo.since = *s;
  lo.until = *u;
  lo.tail = tail;
  auto info = ctx.client().containerInspect(ids[0]);
  if (!info.ok()) return ctx.fail(info.error());
  bool tty = info->contains("Config") && (*info)["Config"].is_object() &&
             (*info)["Config"].value("Tty", false);
  client::StdDemuxer demux([&](client::StdStream st, std::string_view d) {
    std::ostream& os = st == client::StdStream::kStderr ? ctx.io.err : ctx.io.out;
    os.write(d.data(), static_cast<std::streamsize>(d.size()));
    if (lo.follow) os.flush();
    return okStatus();
  });
  Status st = ctx.client().containerLogs(ids[0], lo, [&](std::string_view d) -> Status {
    if (!tty) return demux.feed(d);
    ctx.io.out.write(d.data(), static_cast<std::streamsize>(d.size()));
    if (lo.follow) ctx.io.out.flush();
    return okStatus();
  });
  ctx.io.out.flush();
  if (!st.ok()) return ctx.fail(st.error());
  return 0;
}

int cmdInspect(Context& ctx, std::vector<std::string> args) {
  return inspect(ctx, std::move(args), "wharf inspect", InspectType::kAny);
}

int cmdContainerInspect(Context& ctx, std::vector<std::string> args) {
  return inspect(ctx, std::move(args), "wharf container inspect", InspectType::kContainer);
}

int cmdImageInspect(Context& ctx, std::vector<std::string> args) {
  return inspect(ctx, std::move(args), "wharf image inspect", InspectType::kImage);
}

int cmdVolumeInspect(Context& ctx, std::vector<std::string> args) {
  return inspect(ctx, std::move(args), "wharf volume inspect", InspectType::kVolume);
}

}  // namespace wharf::cli
