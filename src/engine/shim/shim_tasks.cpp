// wharf-shim: the task API (engine/shim/task_protocol.h) and the exec'd processes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/time.h"
#include "engine/shim/exit_file.h"
#include "engine/shim/shim_internal.h"

namespace wharf::shim {

namespace {

// The init's and an exec's environment: the container's, with the exec's K=V overriding.
std::vector<std::string> mergeEnv(std::vector<std::string> base,
                                  const std::vector<std::string>& extra) {
  for (const auto& kv : extra) {
    std::string key = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (auto& b : base) {
      if (b.substr(0, b.find('=')) == key) {
        b = kv;
        replaced = true;
        break;
      }
    }
    if (!replaced) base.push_back(kv);
  }
  return base;
}

void setWinsize(int fd, unsigned rows, unsigned cols) {
  if (fd < 0 || rows == 0 || cols == 0) return;
  struct winsize ws {};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  ::ioctl(fd, TIOCSWINSZ, &ws);
}

int exitCodeOf(int ws) {
  if (WIFEXITED(ws)) return WEXITSTATUS(ws);
  if (WIFSIGNALED(ws)) return 128 + WTERMSIG(ws);
  return 255;
}

// Writes what it can of buf to a non-blocking fd; false when the fd is broken.
bool writeSome(int fd, std::string& buf) {
  while (!buf.empty()) {
    ssize_t n = ::write(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    buf.erase(0, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

void Shim::acceptConnections() {
  while (conns_.size() < kMaxConnections) {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    auto c = std::make_unique<Conn>();
    c->fd.reset(fd);
    Conn& ref = *c;
    conns_.push_back(std::move(c));
    // Read the request at once: requests are then served in the order they were connected.
    handleConn(ref, POLLIN);
  }
}

void Shim::send(Conn& c, std::string_view bytes) {
  if (c.dead) return;
  if (c.out.empty()) {
    while (!bytes.empty()) {
      ssize_t n = ::send(c.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) return dropConn(c);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  c.out.append(bytes);
}

void Shim::flush(Conn& c) {
  while (!c.out.empty()) {
    std::string_view pending = c.out.view();
    ssize_t n = ::send(c.fd.get(), pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) return dropConn(c);
    c.out.consume(static_cast<size_t>(n));
  }
  if (c.phase == Conn::Phase::kClosing) dropConn(c);
}

void Shim::reply(Conn& c, const TaskReply& r, bool thenClose) {
  send(c, encodeReply(r));
  if (thenClose && !c.dead) {
    c.phase = Conn::Phase::kClosing;
    if (c.out.empty()) dropConn(c);
  }
}

void Shim::dropConn(Conn& c) {
  if (c.dead) return;
  c.dead = true;
  for (auto& [id, e] : execs_)
    if (e->conn == &c) e->conn = nullptr;  // the exec goes on; its output is discarded
  std::erase(initWaiters_, &c);
  std::erase(oomWaiters_, &c);
}

void Shim::sweepConns() {
  std::erase_if(conns_, [](const std::unique_ptr<Conn>& c) { return c->dead; });
}

void Shim::handleConn(Conn& c, short revents) {
  if (revents & POLLOUT) flush(c);
  if (c.dead || !(revents & (POLLIN | POLLHUP | POLLERR))) return;
  char buf[65536];
  ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) return dropConn(c);  // the peer left
  std::string_view data(buf, static_cast<size_t>(n));
  switch (c.phase) {
    case Conn::Phase::kRequest: {
      auto done = c.line.feed(data);
      if (!done.ok()) {
        TaskReply r;
        r.error = std::move(done).error();
        return reply(c, r, true);
      }
      if (!*done) return;
      auto req = decodeRequest(c.line.line());
      if (!req.ok()) {
        TaskReply r;
        r.error = std::move(req).error();
        return reply(c, r, true);
      }
      handleRequest(c, *req);
      if (!c.dead && (c.phase == Conn::Phase::kAttach || c.phase == Conn::Phase::kExec) &&
          !c.line.rest().empty()) {
        c.frames.append(c.line.rest());
        c.line.rest().clear();
        handleFrames(c);
      }
      return;
    }
    case Conn::Phase::kAttach:
    case Conn::Phase::kExec:
      c.frames.append(data);
      return handleFrames(c);
    case Conn::Phase::kWait:
    case Conn::Phase::kClosing:
      return;  // nothing more is expected from the peer
  }
}

void Shim::handleFrames(Conn& c) {
  for (;;) {
    auto f = c.frames.next();
    if (!f.ok()) return dropConn(c);
    if (!*f) return;
    ExecProc* e = c.phase == Conn::Phase::kExec ? findExec(c.execId) : nullptr;
    switch ((*f)->type) {
      case FrameType::kStdin:
        if (!c.stdinOn) break;
        if (e) {
          if (e->stdinW) e->pendingStdin.append((*f)->payload);
          writeExecStdin(*e);
        } else if (stdinW_) {
          pendingStdin_.append((*f)->payload);
          writeStdin();
        }
        break;
      case FrameType::kCloseStdin:
        if (!c.stdinOn) break;
        if (e) {
          e->closeStdin = true;
          writeExecStdin(*e);
        } else {
          closeStdinRequested_ = true;
          writeStdin();
        }
        break;
      default:
        return dropConn(c);  // only the shim sends output
    }
  }
}

void Shim::writeStdin() {
  if (!stdinW_) {
    pendingStdin_.clear();
    return;
  }
  if (!writeSome(stdinW_.get(), pendingStdin_)) {
    pendingStdin_.clear();  // the process closed its stdin
    if (!opts_.tty) stdinW_.reset();
    return;
  }
  // With a TTY the master is the output too: stdin "closes" only for the caller.
  if (pendingStdin_.empty() && closeStdinRequested_ && !opts_.tty) stdinW_.reset();
}

void Shim::writeExecStdin(ExecProc& e) {
  if (!e.stdinW) {
    e.pendingStdin.clear();
    return;
  }
  if (!writeSome(e.stdinW.get(), e.pendingStdin)) {
    e.pendingStdin.clear();
    e.stdinW.reset();
    return;
  }
  // With a TTY the master is the output too: only the copying of stdin ends (as docker).
  if (e.pendingStdin.empty() && e.closeStdin) e.stdinW.reset();
}

bool Shim::outputBlocked() const {
  for (const auto& c : conns_)
    if (c->phase == Conn::Phase::kAttach && c->out.size() > kMaxConnBuffer) return true;
  return false;
}

ExecProc* Shim::findExec(const std::string& id) {
  auto it = execs_.find(id);
  return it == execs_.end() ? nullptr : it->second.get();
}

Status Shim::startInit() {
  if (started_) return okStatus();
  if (initExited_) return conflict("the container's init exited before it was started");
  WHARF_TRY(runtime_.start(opts_.id));
  started_ = true;
  return okStatus();
}

void Shim::handleRequest(Conn& c, const TaskRequest& r) {
  TaskReply rep;
  auto fail = [&](Error e) {
    rep.error = std::move(e);
    reply(c, rep, true);
  };
  ExecProc* e = r.execId.empty() ? nullptr : findExec(r.execId);
  bool needExec = !r.execId.empty() && r.op != "exec";
  if (needExec && !e) return fail(notFound("No such exec instance: " + r.execId));

  if (r.op == "state") {
    rep.status = initExited_ ? "stopped" : started_ ? "running" : "created";
    rep.pid = initPid_;
    rep.running = started_ && !initExited_;
    return reply(c, rep, true);
  }
  if (r.op == "start") {
    Status st = startInit();
    if (!st.ok()) return fail(std::move(st).error());
    rep.pid = initPid_;
    return reply(c, rep, true);
  }
  if (r.op == "attach") {
    c.phase = Conn::Phase::kAttach;
    c.stdinOn = r.stdinOn;
    c.stdoutOn = r.stdoutOn;
    c.stderrOn = r.stderrOn;
    // The output already ended: nothing will come, and the stream ends now.
    return reply(c, rep, !streams_[0] && !streams_[1] && started_);
  }
  if (r.op == "exec") {
    auto pid = startExec(c, r);
    if (!pid.ok()) return fail(std::move(pid).error());
    rep.pid = *pid;
    if (r.detach) return reply(c, rep, true);
    c.phase = Conn::Phase::kExec;
    c.execId = r.execId;
    c.stdinOn = r.stdinOn;
    c.stdoutOn = r.stdoutOn;
    c.stderrOn = r.stderrOn;
    return reply(c, rep, false);
  }
  if (r.op == "resize") {
    if (e) {
      if (!e->running) return fail(conflict("exec " + r.execId + " is not running"));
      if (e->tty) setWinsize(e->out[0].get(), r.rows, r.cols);
    } else if (opts_.tty) {
      setWinsize(streams_[0].get(), r.rows, r.cols);
    }
    return reply(c, rep, true);
  }
  if (r.op == "close-stdin") {
    if (e) {
      e->closeStdin = true;
      writeExecStdin(*e);
    } else {
      closeStdinRequested_ = true;
      writeStdin();
    }
    return reply(c, rep, true);
  }
  if (r.op == "kill") {
    if (e) {
      if (e->running && ::syscall(SYS_pidfd_send_signal, e->pidfd.get(), r.signal, nullptr, 0) < 0)
        return fail(sysError("signal exec " + r.execId));
    } else {
      if (initExited_) return fail(conflict("the container is not running"));
      Status st = runtime_.kill(opts_.id, r.signal, r.all);
      if (!st.ok()) return fail(std::move(st).error());
    }
    return reply(c, rep, true);
  }
  if (r.op == "wait") {
    if (e) {
      if (!e->running && !e->out[0] && !e->out[1]) {
        rep.exitCode = e->exitCode;
        return reply(c, rep, true);
      }
      c.phase = Conn::Phase::kWait;
      c.execId = r.execId;
      return;
    }
    c.phase = Conn::Phase::kWait;
    initWaiters_.push_back(&c);  // answered when the shim is done (flushAllAndClose)
    return;
  }
  if (r.op == "stats") {
    // Read here, in the shim, so that the daemon holds nothing per container for it (the
    // decision is in docs/decisions.md).
    if (!started_ || initExited_) return fail(conflict("the container is not running"));
    auto sample = stats_.collect(initPid_);
    if (!sample.ok()) return fail(std::move(sample).error());
    rep.stats = std::move(*sample);
    return reply(c, rep, true);
  }
  if (r.op == "oom-wait") {
    c.phase = Conn::Phase::kWait;
    c.oomWait = true;
    c.oomSeen = r.oomSeen;
    oomWaiters_.push_back(&c);
    return checkOom(false);  // answers at once when the count is already past `seen`
  }
  if (r.op == "exec-state") {
    rep.pid = e->pid;
    rep.running = e->running;
    rep.exitCode = e->exitCode;
    return reply(c, rep, true);
  }
  if (r.op == "delete") {
    // Only once nothing of it is polled any more (this loop iteration may still hold it).
    if (e->running || e->out[0] || e->out[1])
      return fail(conflict("exec " + r.execId + " is still running"));
    execs_.erase(r.execId);
    std::erase(finishedOrder_, r.execId);
    return reply(c, rep, true);
  }
  fail(invalidArgument("unknown op " + r.op));
}

Result<int> Shim::startExec(Conn& c, const TaskRequest& r) {
  (void)c;
  if (!started_ || initExited_) return conflict("container " + opts_.id + " is not running");
  if (execs_.count(r.execId)) return conflict("exec " + r.execId + " was started already");
  // The container's process is the base of every exec: read once, it never changes.
  if (!initProcess_) {
    WHARF_ASSIGN_OR_RETURN(oci::Spec spec, runtime_.config(opts_.id));
    if (!spec.process) return internalError("the container's config has no process");
    initProcess_ = std::move(spec.process);
  }
  runtime::ExecOptions eo;
  oci::Process& p = eo.process;
  p = *initProcess_;
  p.args = r.args;
  p.env = mergeEnv(p.env, r.env);
  if (!r.cwd.empty()) p.cwd = r.cwd;
  p.user.uid = r.uid;
  p.user.gid = r.gid;
  p.user.additionalGids = r.gids;
  p.user.username.clear();
  p.terminal = r.tty;
  p.consoleSize.reset();
  if (r.tty && r.rows && r.cols) p.consoleSize = oci::ConsoleSize{r.rows, r.cols};
  if (r.privileged) {
    std::vector<std::string> all;
    for (int i = 0; i <= oci::kLastCapability; ++i) all.emplace_back(oci::capabilityName(i));
    oci::Capabilities caps;
    caps.bounding = caps.effective = caps.permitted = all;
    p.capabilities = caps;
  }

  auto e = std::make_unique<ExecProc>();
  e->id = r.execId;
  e->tty = r.tty;
  UniqueFd inR, outW, errW, consoleListen;
  std::string consoleName;
  bool wantIn = r.stdinOn && !r.detach;
  bool wantOut = !r.detach;
  if (r.tty) {
    consoleName = "exec-" + std::to_string(++consoleSeq_) + ".sock";
    ::unlink(consoleName.c_str());
    consoleListen.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, consoleName.c_str());
    if (!consoleListen ||
        ::bind(consoleListen.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(consoleListen.get(), 1) != 0)
      return sysError("listen on the exec's console socket");
    eo.consoleSocket = consoleName;
  } else {
    eo.stdio.in = eo.stdio.out = eo.stdio.err = devNull_.get();
    int pp[2];
    if (wantIn) {
      if (::pipe2(pp, O_CLOEXEC) != 0) return sysError("pipe");
      inR.reset(pp[0]);
      e->stdinW.reset(pp[1]);
      ::fcntl(pp[1], F_SETFL, O_NONBLOCK);
      eo.stdio.in = inR.get();
    }
    if (wantOut) {
      for (int i = 0; i < 2; ++i) {
        if (::pipe2(pp, O_CLOEXEC) != 0) return sysError("pipe");
        e->out[i].reset(pp[0]);
        ::fcntl(pp[0], F_SETFL, O_NONBLOCK);
        (i == 0 ? outW : errW).reset(pp[1]);
      }
      eo.stdio.out = outW.get();
      eo.stdio.err = errW.get();
    }
  }
  auto pid = runtime_.exec(opts_.id, eo);
  if (!consoleName.empty()) ::unlink(consoleName.c_str());
  if (!pid.ok()) return std::move(pid).error();
  e->pid = *pid;
  inR.reset();
  outW.reset();
  errW.reset();
  e->pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, e->pid, 0)));
  if (r.tty) {
    UniqueFd conn(::accept4(consoleListen.get(), nullptr, nullptr, SOCK_CLOEXEC));
    int master = conn ? receiveFd(conn.get()) : -1;
    if (master < 0) {
      Error err = sysError("receive the exec's console");
      ::kill(e->pid, SIGKILL);
      int ws = 0;
      ::waitpid(e->pid, &ws, 0);
      return err;
    }
    ::fcntl(master, F_SETFL, O_NONBLOCK);
    if (wantIn) e->stdinW.reset(::fcntl(master, F_DUPFD_CLOEXEC, 0));
    if (wantOut)
      e->out[0].reset(master);
    else
      ::close(master);
  }
  if (!r.detach) e->conn = &c;
  int result = e->pid;
  execs_[r.execId] = std::move(e);
  return result;
}

void Shim::readExecOutput(ExecProc& e, int i) {
  char buf[65536];
  ssize_t n = ::read(e.out[i].get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    e.out[i].reset();
    if (e.tty) e.stdinW.reset();
    return maybeFinishExec(e);
  }
  if (!e.conn) return;  // the caller left: discard
  if (i == 0 ? !e.conn->stdoutOn : !e.conn->stderrOn) return;
  std::string& framed = framed_;
  framed.clear();
  appendFrame(framed, i == 0 ? FrameType::kStdout : FrameType::kStderr,
              std::string_view(buf, static_cast<size_t>(n)));
  send(*e.conn, framed);
}

void Shim::execExited(ExecProc& e, int status) {
  e.running = false;
  e.exitCode = exitCodeOf(status);
  e.exitedAtNanos = nowNanos();
  e.pidfd.reset();
  maybeFinishExec(e);
}

void Shim::maybeFinishExec(ExecProc& e) {
  if (e.running || e.out[0] || e.out[1]) return;
  e.stdinW.reset();
  e.pendingStdin.clear();
  std::string code = std::to_string(e.exitCode);
  if (e.conn) {
    std::string framed;
    appendFrame(framed, FrameType::kExit, code);
    send(*e.conn, framed);
    Conn& c = *e.conn;
    e.conn = nullptr;
    if (!c.dead) {
      c.phase = Conn::Phase::kClosing;
      if (c.out.empty()) dropConn(c);
    }
  }
  for (auto& c : conns_) {
    if (c->dead || c->phase != Conn::Phase::kWait || c->execId != e.id) continue;
    TaskReply r;
    r.exitCode = e.exitCode;
    reply(*c, r, true);
  }
  if (std::find(finishedOrder_.begin(), finishedOrder_.end(), e.id) == finishedOrder_.end())
    finishedOrder_.push_back(e.id);
}

void Shim::forgetOldExecs() {
  while (finishedOrder_.size() > kMaxFinishedExecs) {
    execs_.erase(finishedOrder_.front());
    finishedOrder_.pop_front();
  }
}

}  // namespace wharf::shim
