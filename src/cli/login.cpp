// `wharf login` / `wharf logout`: docker's flags, prompts, messages and config.json
// (cli/internal/auth_config.h has where the credentials go).

#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "cli/internal/auth_config.h"
#include "cli/internal/command.h"

namespace wharf::cli {

namespace {

// One line from fd (without its newline); echo off while reading a password on a terminal.
Result<std::string> readLine(int fd, bool secret) {
  termios saved{};
  bool restore = secret && ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSANOW, &quiet);
  }
  std::string line;
  char c;
  ssize_t n;
  while ((n = ::read(fd, &c, 1)) == 1 && c != '\n') line += c;
  if (restore) ::tcsetattr(fd, TCSANOW, &saved);
  if (n < 0) return sysError("read from stdin");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> readAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("read the password from stdin");
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

int cmdLogin(Context& ctx, std::vector<std::string> args) {
  std::string username, password;
  bool passwordStdin = false;
  std::vector<std::string> servers;
  CLI::App app;
  const char* usage = "[OPTIONS] [SERVER]";
  initApp(app, "wharf login", usage);
  app.add_option("-u,--username", username, "Username");
  app.add_option("-p,--password", password, "Password or Personal Access Token (PAT)");
  app.add_flag("--password-stdin", passwordStdin,
               "Take the Password or Personal Access Token (PAT) from stdin");
  app.add_option("server", servers)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf login", std::move(args))) return *rc;
  if (servers.size() > 1) {
    ctx.io.err << "\"wharf login\" requires at most 1 argument.\nSee 'wharf login --help'.\n\n"
                  "Usage:  wharf login "
               << usage << "\n\nAuthenticate to a registry\n";
    return 1;
  }
  // docker's checks and words (cli/command/registry/login.go).
  if (!password.empty()) {
    ctx.io.err << "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n";
    if (passwordStdin) {
      ctx.io.err << "--password and --password-stdin are mutually exclusive\n";
      return 1;
    }
  }
  if (passwordStdin) {
    if (username.empty()) {
      ctx.io.err << "Must provide --username with --password-stdin\n";
      return 1;
    }
    auto all = readAll(ctx.io.inFd);
    if (!all.ok()) return ctx.fail(all.error());
    password = *all;
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  bool tty = ::isatty(ctx.io.inFd) != 0;
  if (username.empty() || password.empty()) {
    if (!tty) {
      ctx.io.err << "Error: Cannot perform an interactive login from a non TTY device\n";
      return 1;
    }
    if (username.empty()) {
      ctx.io.out << "Username: " << std::flush;
      auto u = readLine(ctx.io.inFd, false);
      if (!u.ok()) return ctx.fail(u.error());
      username = *u;
      if (username.empty()) {
        ctx.io.err << "Error: Username is required\n";
        return 1;
      }
    }
    if (password.empty()) {
      ctx.io.out << "Password: " << std::flush;
      auto p = readLine(ctx.io.inFd, true);
      ctx.io.out << "\n";
      if (!p.ok()) return ctx.fail(p.error());
      password = *p;
      if (password.empty()) {
        ctx.io.err << "Error: Password is required\n";
        return 1;
      }
    }
  }
  std::string server = servers.empty() ? "" : servers[0];
  std::string key = credentialKey(server);
  auto r = ctx.client().registryLogin(username, password, key);
  if (!r.ok()) return ctx.fail(r.error());
  auto helper = storeAuth(key, username, password);
  if (!helper.ok()) return ctx.fail(helper.error());
  // As docker: the warning only when the file keeps the secret.
  if (helper->empty())
    ctx.io.err << "\nWARNING! Your credentials are stored unencrypted in '"
               << wharfConfigFile().string()
               << "'.\nConfigure a credential helper to remove this warning. See\n"
                  "https://docs.docker.com/go/credential-store/\n\n";
  ctx.io.out << "Login Succeeded\n";
  return 0;
}

int cmdLogout(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> servers;
  CLI::App app;
  const char* usage = "[SERVER]";
  initApp(app, "wharf logout", usage);
  app.add_option("server", servers)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf logout", std::move(args))) return *rc;
  if (servers.size() > 1) {
    ctx.io.err << "\"wharf logout\" requires at most 1 argument.\nSee 'wharf logout --help'.\n\n"
                  "Usage:  wharf logout "
               << usage << "\n\nLog out from a registry\n";
    return 1;
  }
  std::string key = credentialKey(servers.empty() ? "" : servers[0]);
  ctx.io.out << "Removing login credentials for " << key << "\n";
  // As docker: logging out of a registry one is not logged in to is not an error.
  auto erased = eraseAuth(key);
  if (!erased.ok()) {
    ctx.io.err << "WARNING: could not erase credentials:\n"
               << key << ": " << erased.error().message() << "\n";
  }
  return 0;
}

}  // namespace wharf::cli
