// wharf exec: create an exec instance, start it attached (or detached with -d), copy the
// streams, then exit with the process' exit code (docker's cli/command/container/exec.go).
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/internal/attach.h"
#include "cli/internal/command.h"
#include "cli/run_options.h"
#include "common/scope_guard.h"

namespace wharf::cli {

namespace {

constexpr const char* kUsage = "[OPTIONS] CONTAINER COMMAND [ARG...]";

}  // namespace

int cmdExec(Context& ctx, std::vector<std::string> args) {
  bool detach = false, interactive = false, tty = false, privileged = false;
  std::string detachKeys, user, workdir;
  std::vector<std::string> env, envFiles;
  const std::string path = "wharf exec";
  CLI::App app;
  initApp(app, path, kUsage);
  app.add_flag("-d,--detach", detach, "Detached mode: run command in the background");
  app.add_option("--detach-keys", detachKeys,
                 "Override the key sequence for detaching a container");
  app.add_option("-e,--env", env, "Set environment variables")->take_all();
  app.add_option("--env-file", envFiles, "Read in a file of environment variables")->take_all();
  app.add_flag("-i,--interactive", interactive, "Keep STDIN open even if not attached");
  app.add_flag("--privileged", privileged, "Give extended privileges to the command");
  app.add_flag("-t,--tty", tty, "Allocate a pseudo-TTY");
  app.add_option("-u,--user", user, "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
  app.add_option("-w,--workdir", workdir, "Working directory inside the container");
  SplitArgs split = splitAtImage(app, std::move(args));
  if (auto rc = parseArgs(ctx, app, path, split.flags)) return *rc;
  if (!split.image || split.cmd.empty()) {
    ctx.io.err << "\"" << path << "\" requires at least 2 arguments.\nSee '" << path
               << " --help'.\n\nUsage:  " << path << " " << kUsage
               << "\n\nExecute a command in a running container\n";
    return 1;
  }
  const std::string container = *split.image;
  if (tty && interactive && !detach && !::isatty(ctx.io.inFd)) {
    ctx.io.err << "the input device is not a TTY\n";
    return 1;
  }
  auto envList = parseEnv(env, envFiles, [](const char* n) { return std::getenv(n); });
  if (!envList.ok()) {
    ctx.io.err << envList.error().message() << "\n";
    return 1;
  }
  Json body = {{"User", user},
               {"Privileged", privileged},
               {"Tty", tty},
               {"AttachStdin", interactive && !detach},
               {"AttachStdout", !detach},
               {"AttachStderr", !detach},
               {"Detach", detach},
               {"DetachKeys", detachKeys},
               {"Env", *envList},
               {"WorkingDir", workdir},
               {"Cmd", split.cmd}};
  winsize ws{};
  bool haveSize = tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0;
  if (haveSize) body["ConsoleSize"] = Json::array({ws.ws_row, ws.ws_col});

  client::Client& c = ctx.client();
  auto created = c.execCreate(container, body);
  if (!created.ok()) return ctx.fail(created.error());
  std::string execId = created->value("Id", "");
  if (detach) {
    Status st = c.execStartDetached(execId, tty);
    if (!st.ok()) return ctx.fail(st.error());
    return 0;
  }
  auto conn = c.execStartAttached(execId, tty);
  if (!conn.ok()) return ctx.fail(conn.error());

  // A TTY session is raw: the process does the line editing and gets the ^C.
  termios saved{};
  bool raw = tty && interactive && ::isatty(ctx.io.inFd) && tcgetattr(ctx.io.inFd, &saved) == 0;
  if (raw) {
    termios t = saved;
    cfmakeraw(&t);
    tcsetattr(ctx.io.inFd, TCSADRAIN, &t);
  }
  ScopeGuard restore([&] {
    if (raw) tcsetattr(ctx.io.inFd, TCSADRAIN, &saved);
  });
  if (haveSize) (void)c.execResize(execId, ws.ws_row, ws.ws_col);
  Status st = pumpHijacked(ctx, *conn, tty, interactive);
  if (raw) {
    tcsetattr(ctx.io.inFd, TCSADRAIN, &saved);
    raw = false;
  }
  if (!st.ok()) {
    ctx.io.err << st.error().message() << "\n";
    return 1;
  }
  auto info = c.execInspect(execId);
  if (!info.ok()) return ctx.fail(info.error());
  const Json& code = (*info)["ExitCode"];
  return code.is_number_integer() ? code.get<int>() : 0;
}

}  // namespace wharf::cli
