#include "cli/internal/attach.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>

#include "cli/run_options.h"
#include "client/stdcopy.h"
#include "common/scope_guard.h"

namespace wharf::cli {

namespace {

// The signal to forward to the container (docker's --sig-proxy, on by default without a TTY).
volatile sig_atomic_t gPendingSignal = 0;

void onSignal(int sig) { gPendingSignal = sig; }

const char* signalName(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    default:
      return "SIGTERM";
  }
}

Status writeAllFd(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("write to the container");
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return okStatus();
}

// Copies the hijacked stream to our stdout/stderr (demultiplexed unless TTY) and, if asked,
// our stdin to the container, until the daemon closes the stream.
Status pump(Context& ctx, client::HijackedConn& conn, const AttachPlan& plan) {
  client::StdDemuxer demux([&](client::StdStream s, std::string_view d) {
    std::ostream& os = s == client::StdStream::kStderr ? ctx.io.err : ctx.io.out;
    os.write(d.data(), static_cast<std::streamsize>(d.size()));
    os.flush();
    return okStatus();
  });
  auto deliver = [&](std::string_view d) -> Status {
    if (!plan.tty) return demux.feed(d);
    ctx.io.out.write(d.data(), static_cast<std::streamsize>(d.size()));
    ctx.io.out.flush();
    return okStatus();
  };
  if (!conn.buffered.empty()) WHARF_TRY(deliver(conn.buffered));
  bool stdinOpen = plan.stdinOn;
  char buf[32 * 1024];
  while (true) {
    if (int sig = gPendingSignal; sig != 0 && !plan.id.empty()) {
      gPendingSignal = 0;
      (void)ctx.client().containerKill(plan.id, signalName(sig));
    }
    pollfd fds[2] = {{conn.fd.get(), POLLIN, 0}, {ctx.io.inFd, POLLIN, 0}};
    int n = ::poll(fds, stdinOpen ? 2 : 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("poll");
    }
    if (fds[0].revents != 0) {
      ssize_t k = ::read(conn.fd.get(), buf, sizeof(buf));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      WHARF_TRY(deliver(std::string_view(buf, static_cast<size_t>(k))));
    }
    if (stdinOpen && fds[1].revents != 0) {
      ssize_t k = ::read(ctx.io.inFd, buf, sizeof(buf));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        // Our stdin ended: tell the container by closing our write side.
        stdinOpen = false;
        ::shutdown(conn.fd.get(), SHUT_WR);
      } else {
        WHARF_TRY(writeAllFd(conn.fd.get(), buf, static_cast<size_t>(k)));
      }
    }
  }
  return okStatus();
}

}  // namespace

Status pumpHijacked(Context& ctx, client::HijackedConn& conn, bool tty, bool stdinOn) {
  AttachPlan plan;  // no id: no signal is proxied
  plan.tty = tty;
  plan.stdinOn = stdinOn;
  return pump(ctx, conn, plan);
}

int runAttached(Context& ctx, const AttachPlan& plan) {
  client::Client& c = ctx.client();
  client::AttachOptions ao;
  ao.stdinOn = plan.stdinOn;
  auto conn = c.containerAttach(plan.id, ao);
  if (!conn.ok()) {
    ctx.io.err << plan.errPrefix << ctx.describe(conn.error()) << "\n";
    return kExitDaemonError;
  }
  // A container already running (attach) is waited on until it is not running any more.
  const char* condition = !plan.start ? "" : plan.autoRemove ? "removed" : "next-exit";
  auto wait = c.containerWaitBegin(plan.id, condition);
  if (!wait.ok()) {
    ctx.io.err << plan.errPrefix << ctx.describe(wait.error()) << "\n";
    return kExitDaemonError;
  }

  // A TTY session is raw: the container's shell does the line editing and gets the ^C.
  termios saved{};
  bool raw =
      plan.tty && plan.stdinOn && ::isatty(ctx.io.inFd) && tcgetattr(ctx.io.inFd, &saved) == 0;
  ScopeGuard restore([&] {
    if (raw) tcsetattr(ctx.io.inFd, TCSADRAIN, &saved);
  });
  struct sigaction sa {
  }, oldInt{}, oldTerm{};
  bool proxy = !plan.tty;
  if (proxy) {
    sa.sa_handler = onSignal;  // no SA_RESTART: poll() must wake up
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &oldInt);
    sigaction(SIGTERM, &sa, &oldTerm);
  }
  ScopeGuard unproxy([&] {
    if (proxy) {
      sigaction(SIGINT, &oldInt, nullptr);
      sigaction(SIGTERM, &oldTerm, nullptr);
    }
  });

  auto started = plan.start ? c.containerStart(plan.id) : Result<Json>(Json());
  if (!started.ok()) {
    std::string msg = ctx.describe(started.error());
    ctx.io.err << plan.errPrefix << msg << (plan.errPrefix.empty() ? "" : ".") << "\n";
    return startErrorExitCode(msg);
  }
  if (raw) {
    termios t = saved;
    cfmakeraw(&t);
    tcsetattr(ctx.io.inFd, TCSADRAIN, &t);
  }
  if (plan.tty) {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
      (void)c.containerResize(plan.id, ws.ws_row, ws.ws_col);
  }
  Status st = pump(ctx, *conn, plan);
  if (raw) {
    tcsetattr(ctx.io.inFd, TCSADRAIN, &saved);
    raw = false;
  }
  if (!st.ok()) {
    ctx.io.err << plan.errPrefix << st.error().message() << "\n";
    return kExitDaemonError;
  }
  auto result = wait->result();
  if (!result.ok()) {
    ctx.io.err << plan.errPrefix << "Error response from daemon: " << result.error().message()
               << "\n";
    return kExitDaemonError;
  }
  const Json& r = *result;
  if (r.contains("Error") && r["Error"].is_object()) {
    std::string m = r["Error"].value("Message", "");
    if (!m.empty()) {
      ctx.io.err << plan.errPrefix << m << "\n";
      return kExitDaemonError;
    }
  }
  return r.value("StatusCode", 0);
}

}  // namespace wharf::cli
