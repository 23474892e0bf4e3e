// `wharf run` and `wharf create`: docker's sequence (create, pulling the image when it is
// missing; then attach, wait, start, stream, exit with the container's code).

#include <unistd.h>

#include <cstdlib>

#include "cli/internal/attach.h"
#include "cli/internal/auth_config.h"
#include "cli/internal/command.h"
#include "cli/progress.h"
#include "cli/run_options.h"

namespace wharf::cli {

namespace {

constexpr const char* kRunUsage = "[OPTIONS] IMAGE [COMMAND] [ARG...]";

int pullFailed(Context& ctx, const Error& e, const std::string& ref, const std::string& cmd) {
  if (ctx.client().lastStatus() == 404 && e.message() == "page not found") {
    // A daemon without POST /images/create: say so rather than "page not found".
    ctx.io.err << "wharf: Error response from daemon: pulling images is not implemented by "
                  "this daemon yet (cannot pull '"
               << ref << "').\n";
  } else {
    ctx.io.err << "wharf: " << ctx.describe(e) << ".\n";
  }
  if (ref.starts_with("busybox") && e.message().find("bootstrap") == std::string::npos)
    ctx.io.err << "Hint: wharf builds a busybox image from the host without a registry: "
                  "wharf image bootstrap busybox\n";
  ctx.io.err << "See 'wharf " << cmd << " --help'.\n";
  return kExitDaemonError;
}

// Creates the container; on success sets *id and returns 0, else the exit code.
int createContainer(Context& ctx, const RunOptions& o, const Json& body, const std::string& cmd,
                    std::string* id) {
  client::Client& c = ctx.client();
  std::string prefix = "wharf: ";
  std::string ref = normalizeImageRef(o.image);
  // Docker writes the pull progress of run/create on stderr (plain lines: stderr's TTY-ness is
  // not known here).
  ProgressPrinter printer(ctx.io.err, false);
  auto progress = [&](const Json& j) { printer.onMessage(j); };
  if (o.pull == "always") {
    auto auth = registryAuthHeader(ref);
    if (!auth.ok()) return pullFailed(ctx, auth.error(), ref, cmd);
    if (Status st = c.imagePull(ref, progress, "", *auth); !st.ok())
      return pullFailed(ctx, st.error(), ref, cmd);
  }
  auto created = c.containerCreate(o.name, body);
  if (!created.ok() && created.error().category() == ErrorCategory::kNotFound &&
      created.error().message().find("No such image") != std::string::npos) {
    if (o.pull == "never") {
      ctx.io.err << prefix << ctx.describe(created.error()) << ".\nSee 'wharf " << cmd
                 << " --help'.\n";
      return kExitDaemonError;
    }
    ctx.io.err << "Unable to find image '" << ref << "' locally\n";
    auto auth = registryAuthHeader(ref);
    if (!auth.ok()) return pullFailed(ctx, auth.error(), ref, cmd);
    if (Status st = c.imagePull(ref, progress, "", *auth); !st.ok())
      return pullFailed(ctx, st.error(), ref, cmd);
    created = c.containerCreate(o.name, body);
  }
  if (!created.ok()) {
    ctx.io.err << prefix << ctx.describe(created.error()) << ".\nSee 'wharf " << cmd
               << " --help'.\n";
    return kExitDaemonError;
  }
  if (created->contains("Warnings") && (*created)["Warnings"].is_array())
    for (const auto& w : (*created)["Warnings"])
      if (w.is_string() && !w.get<std::string>().empty())
        ctx.io.err << "WARNING: " << w.get<std::string>() << "\n";
  *id = created->value("Id", "");
  return 0;
}

// Parses run/create arguments; returns the exit code on failure.
std::optional<int> prepare(Context& ctx, const std::string& cmd, std::vector<std::string> args,
                           RunOptions& o, Json* body) {
  std::string path = "wharf " + cmd;
  CLI::App app;
  initApp(app, path, kRunUsage);
  app.set_help_flag("--help", "Print usage");  // -h is --hostname, as in docker
  addRunFlags(app, o, cmd == "run");
  SplitArgs split = splitAtImage(app, std::move(args));
  if (auto rc = parseArgs(ctx, app, path, split.flags)) return rc;
  if (!split.image) {
    ctx.io.err << "wharf: '" << path << "' requires at least 1 argument.\nSee '" << path
               << " --help'.\n\nUsage:  " << path << " " << kRunUsage << "\n";
    return 1;
  }
  o.image = *split.image;
  o.cmd = split.cmd;
  if (o.tty && o.interactive && !::isatty(ctx.io.inFd)) {
    ctx.io.err << "the input device is not a TTY\n";
    return 1;
  }
  auto env = parseEnv(o.env, o.envFiles, [](const char* n) { return std::getenv(n); });
  if (!env.ok()) {
    ctx.io.err << "wharf: " << env.error().message() << ".\nSee '" << path << " --help'.\n";
    return kExitDaemonError;
  }
  auto securityOpt = parseSecurityOpts(o.securityOpt);
  if (!securityOpt.ok()) {
    ctx.io.err << "wharf: " << securityOpt.error().message() << ".\nSee '" << path << " --help'.\n";
    return kExitDaemonError;
  }
  o.securityOpt = std::move(securityOpt).value();
  auto b = buildCreateBody(o, *env);
  if (!b.ok()) {
    ctx.io.err << "wharf: " << b.error().message() << ".\nSee '" << path << " --help'.\n";
    return kExitDaemonError;
  }
  *body = std::move(b).value();
  return std::nullopt;
}

}  // namespace

int cmdRun(Context& ctx, std::vector<std::string> args) {
  RunOptions o;
  Json body;
  if (auto rc = prepare(ctx, "run", std::move(args), o, &body)) return *rc;
  std::string id;
  if (int rc = createContainer(ctx, o, body, "run", &id); rc != 0) return rc;
  if (o.detach) {
    auto started = ctx.client().containerStart(id);
    if (!started.ok()) {
      std::string msg = ctx.describe(started.error());
      ctx.io.err << "wharf: " << msg << ".\n";
      return startErrorExitCode(msg);
    }
    ctx.io.out << id << "\n";
    return 0;
  }
  AttachPlan plan;
  plan.id = id;
  plan.tty = o.tty;
  plan.stdinOn = o.interactive;
  plan.autoRemove = o.rm;
  plan.errPrefix = "wharf: ";
  return runAttached(ctx, plan);
}

int cmdCreate(Context& ctx, std::vector<std::string> args) {
  RunOptions o;
  Json body;
  if (auto rc = prepare(ctx, "create", std::move(args), o, &body)) return *rc;
  std::string id;
  if (int rc = createContainer(ctx, o, body, "create", &id); rc != 0) return rc;
  ctx.io.out << id << "\n";
  return 0;
}

}  // namespace wharf::cli
