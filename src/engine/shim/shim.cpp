// wharf-shim: the container's init, its log and the poll loop (shim_tasks.cpp serves the task
// API). See engine/shim/shim.h.
#include "engine/shim/shim.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "common/error.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "engine/shim/exit_file.h"
#include "engine/shim/json_log.h"
#include "engine/shim/shim_internal.h"
#include "runtime/runtime.h"

namespace wharf::shim {

size_t writeAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return s.size();
    s.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

int receiveFd(int sock) {
  char data[1];
  struct iovec iov = {data, sizeof data};
  alignas(struct cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  if (::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) return -1;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  }
  errno = EBADMSG;
  return -1;
}

namespace {

void reportError(int readyFd, const Error& e) {
  writeAll(readyFd, "err " + std::to_string(static_cast<int>(e.category())) + " " + e.message());
}

Status listenUnix(UniqueFd* out, const char* name, int backlog) {
  ::unlink(name);
  out->reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!*out) return sysError("socket");
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, name);
  // Only root (the daemon) may talk to the shim.
  mode_t old = ::umask(0077);
  int rc = ::bind(out->get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0 || ::listen(out->get(), backlog) != 0)
    return sysError(std::string("listen on ") + name);
  return okStatus();
}

}  // namespace

int Shim::run() {
  UniqueFd ready(opts_.readyFd);
  UniqueFd outW, errW, inR;
  Status st = setUp(&outW, &errW, &inR);
  if (!st.ok()) {
    reportError(ready.get(), st.error());
    return 1;
  }
  runtime::CreateOptions co;
  co.id = opts_.id;
  co.bundle = opts_.bundle;
  if (opts_.tty) {
    // The init's stdio is the pty; the shim copies stdin into its master.
    co.consoleSocket = kConsoleSocket;
  } else {
    co.stdio.in = inR ? inR.get() : devNull_.get();
    co.stdio.out = outW.get();
    co.stdio.err = errW.get();
  }
  auto created = runtime_.create(co);
  if (!created.ok()) {
    reportError(ready.get(), created.error());
    return 1;
  }
  initPid_ = created->pid;
  // OOM kills are counted from the container's memory cgroup, new with the container (so
  // its counter starts at 0). Without one there is nothing to report, which is no error.
  if (auto w = runtime_.oomWatch(opts_.id); w.ok())
    oom_.emplace(std::move(*w));
  else
    std::fprintf(stderr, "wharf-shim %s: OOM kills will not be reported: %s\n", opts_.id.c_str(),
                 w.error().message().c_str());
  // The init was forked with the dispositions the shim got (defaults): only now may the shim
  // ignore the signals a detached process must survive.
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  // A pidfd, not SIGCHLD: blocking SIGCHLD for a signalfd would be inherited by the init.
  initFd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, initPid_, 0)));
  if (!initFd_) {
    Error e = sysError("pidfd_open");
    abandon();
    reportError(ready.get(), e);
    return 1;
  }
  // Only the init keeps the write ends: EOF on the pipes then means its output is done.
  outW.reset();
  errW.reset();
  inR.reset();
  if (opts_.tty) {
    st = receiveConsole();
    if (!st.ok()) {
      abandon();
      reportError(ready.get(), st.error());
      return 1;
    }
  }
  // "created": the daemon now attaches what waits for the container's first bytes, then
  // sends "start" over the task socket (task_protocol.h).
  writeAll(ready.get(),
           "created " + std::to_string(initPid_) + " " + std::to_string(::getpid()) + "\n");
  ready.reset();
  loop();
  flushAllAndClose();
  ExitStatus es = exitStatusFromWait(initStatus_, nowNanos());
  if (!started_) es.error = "the container was never started";
  es.logDroppedBytes = droppedBytes_;
  es.oomKills = oomKills_;  // final: checkOom(true) read it after the init was gone
  Status removed = runtime_.remove(opts_.id, false);
  if (!removed.ok()) removed = runtime_.remove(opts_.id, true);
  if (!removed.ok()) es.error = "runtime remove: " + removed.error().message();
  (void)writeExitFile(opts_.exitFile, es);
  listen_.reset();
  ::unlink(kTaskSocketName);
  return 0;
}

void Shim::abandon() {
  ::kill(initPid_, SIGKILL);
  int ws = 0;
  ::waitpid(initPid_, &ws, 0);
  (void)runtime_.remove(opts_.id, true);
}

Status Shim::setUp(UniqueFd* outW, UniqueFd* errW, UniqueFd* inR) {
  devNull_.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull_) return sysError("open /dev/null");
  log_.reset(::open(opts_.logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!log_) return sysError("open log " + opts_.logPath);
  // The task socket exists before the init does: whoever attaches first sees every byte.
  WHARF_TRY(listenUnix(&listen_, kTaskSocketName, 64));
  if (opts_.tty) {
    // The runtime connects here during create(); the connection waits in the backlog.
    WHARF_TRY(listenUnix(&consoleListen_, kConsoleSocket, 1));
    int fl = ::fcntl(consoleListen_.get(), F_GETFL);
    ::fcntl(consoleListen_.get(), F_SETFL, fl & ~O_NONBLOCK);
    return okStatus();
  }
  for (int i = 0; i < 2; ++i) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return sysError("pipe");
    streams_[i].reset(p[0]);
    (i == 0 ? outW : errW)->reset(p[1]);
  }
  if (opts_.openStdin) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return sysError("pipe");
    inR->reset(p[0]);
    stdinW_.reset(p[1]);
    ::fcntl(p[1], F_SETFL, O_NONBLOCK);
  }
  return okStatus();
}

Status Shim::receiveConsole() {
  UniqueFd conn(::accept4(consoleListen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  consoleListen_.reset();
  ::unlink(kConsoleSocket);
  if (!conn) return sysError("accept the console");
  int master = receiveFd(conn.get());
  if (master < 0) return sysError("receive the console");
  // With a TTY everything the container writes is one stream, logged as stdout (docker).
  streams_[0].reset(master);
  ::fcntl(master, F_SETFL, O_NONBLOCK);
  if (opts_.openStdin) stdinW_.reset(::fcntl(master, F_DUPFD_CLOEXEC, 0));
  return okStatus();
}

void Shim::appendLog(int i, std::string_view bytes, bool eof) {
  static constexpr const char* kNames[2] = {"stdout", "stderr"};
  std::string& batch = logBatch_;
  batch.clear();
  int64_t now = nowNanos();
  auto emit = [&](std::string_view m) { appendLogLine(batch, m, kNames[i], now); };
  splitters_[i].feed(bytes, emit);
  if (eof) splitters_[i].flush(emit);
  // One write per batch: O_APPEND keeps lines of the two streams whole.
  if (batch.empty()) return;
  size_t lost = writeAll(log_.get(), batch);
  if (lost == 0) return;
  // Disk full (or the like): the log loses it, never silently. Counted for the exit file
  // (the daemon reports it) and said once in shim.log. Attached readers still get it.
  if (droppedBytes_ == 0) {
    std::fprintf(stderr, "wharf-shim %s: log write failed (%s): dropping output\n",
                 opts_.id.c_str(), std::strerror(errno));
  }
  droppedBytes_ += static_cast<int64_t>(lost);
}

void Shim::readInitOutput(int i) {
  char buf[65536];
  ssize_t r = ::read(streams_[i].get(), buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0) {
    // A pty master reads EIO once the last slave fd is closed: that is its EOF.
    appendLog(i, {}, true);
    streams_[i].reset();
    if (opts_.tty) stdinW_.reset();
    return;
  }
  std::string_view data(buf, static_cast<size_t>(r));
  // Attached readers first (they wait on it), then the log.
  std::string& framed = framed_;
  framed.clear();
  appendFrame(framed, i == 0 ? FrameType::kStdout : FrameType::kStderr, data);
  for (auto& c : conns_) {
    if (c->phase != Conn::Phase::kAttach || c->dead) continue;
    if (i == 0 ? c->stdoutOn : c->stderrOn) send(*c, framed);
  }
  appendLog(i, data, false);
}

void Shim::reap() {
  for (;;) {
    int ws = 0;
    pid_t p = ::waitpid(-1, &ws, WNOHANG);
    if (p <= 0) return;
    if (p == initPid_) {
      initStatus_ = ws;
      initExited_ = true;
      continue;
    }
    for (auto& [id, e] : execs_) {
      if (e->pid == p && e->running) {
        execExited(*e, ws);
        break;
      }
    }
  }
}

void Shim::checkOom(bool final) {
  if (oom_) {
    auto n = oom_->kills();
    if (n.ok() && *n > oomKills_) {
      oomKills_ = *n;
      oomRechecks_ = 0;
    } else if (oomRechecks_ > 0) {
      --oomRechecks_;
    }
  }
  std::vector<Conn*> waiting;
  for (Conn* c : oomWaiters_) {
    if (c->dead) continue;
    if (!final && oomKills_ <= c->oomSeen) {
      waiting.push_back(c);
      continue;
    }
    TaskReply r;
    r.oomKills = oomKills_;
    reply(*c, r, true);
  }
  oomWaiters_ = std::move(waiting);
}

bool Shim::finished() const {
  if (!initExited_ || streams_[0] || streams_[1]) return false;
  for (const auto& [id, e] : execs_)
    if (e->running || e->out[0] || e->out[1]) return false;
  return true;
}

void Shim::loop() {
  std::vector<struct pollfd> pfds;
  enum Kind { kInitPid, kListen, kInitOut, kStdinW, kExecPid, kExecOut, kExecIn, kConn, kOom };
  struct Slot {
    Kind kind;
    int index;
    ExecProc* exec;
    Conn* conn;
  };
  std::vector<Slot> slots;
  int idleTimeouts = 0;
  for (;;) {
    if (finished()) return;
    pfds.clear();
    slots.clear();
    auto add = [&](int fd, short ev, Slot s) {
      pfds.push_back({fd, ev, 0});
      slots.push_back(s);
    };
    if (!initExited_) add(initFd_.get(), POLLIN, {kInitPid, 0, nullptr, nullptr});
    if (oom_ && !initExited_) add(oom_->fd(), POLLIN, {kOom, 0, nullptr, nullptr});
    if (conns_.size() < kMaxConnections) add(listen_.get(), POLLIN, {kListen, 0, nullptr, nullptr});
    bool blocked = outputBlocked();
    for (int i = 0; i < 2; ++i)
      if (streams_[i] && !blocked) add(streams_[i].get(), POLLIN, {kInitOut, i, nullptr, nullptr});
    if (stdinW_ && (!pendingStdin_.empty() || closeStdinRequested_))
      add(stdinW_.get(), POLLOUT, {kStdinW, 0, nullptr, nullptr});
    for (auto& [id, e] : execs_) {
      if (e->running) add(e->pidfd.get(), POLLIN, {kExecPid, 0, e.get(), nullptr});
      bool eblocked = e->conn && e->conn->out.size() > kMaxConnBuffer;
      for (int i = 0; i < 2; ++i)
        if (e->out[i] && !eblocked) add(e->out[i].get(), POLLIN, {kExecOut, i, e.get(), nullptr});
      if (e->stdinW && (!e->pendingStdin.empty() || e->closeStdin))
        add(e->stdinW.get(), POLLOUT, {kExecIn, 0, e.get(), nullptr});
    }
    for (auto& c : conns_) {
      short ev = POLLIN;
      if (!c->out.empty()) ev |= POLLOUT;
      // A peer that sends stdin faster than the process reads it waits.
      if (c->phase == Conn::Phase::kAttach && pendingStdin_.size() > kMaxConnBuffer) ev &= ~POLLIN;
      add(c->fd.get(), ev, {kConn, 0, nullptr, c.get()});
    }
    // Once the init is gone the pid namespace is dead too; if an output still has a writer
    // (a process that escaped into another namespace) give up on it after a while.
    int timeout = initExited_ ? 2000 : -1;
    // An OOM notification can come before the kill is counted: look again a little later.
    if (oomRechecks_ > 0 && !initExited_) timeout = 50;
    int n = ::poll(pfds.data(), pfds.size(), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (n == 0 && oomRechecks_ > 0 && !initExited_) {
      checkOom(false);
      continue;
    }
    if (n == 0) {
      if (++idleTimeouts < 2) continue;
      for (int i = 0; i < 2; ++i) {
        if (streams_[i]) appendLog(i, {}, true);
        streams_[i].reset();
      }
      for (auto& [id, e] : execs_) {
        e->out[0].reset();
        e->out[1].reset();
        maybeFinishExec(*e);
      }
      continue;
    }
    idleTimeouts = 0;
    for (size_t k = 0; k < pfds.size(); ++k) {
      short re = pfds[k].revents;
      if (re == 0) continue;
      const Slot& s = slots[k];
      switch (s.kind) {
        case kInitPid:
        case kExecPid:
          reap();
          break;
        case kListen:
          acceptConnections();
          break;
        case kInitOut:
          if (streams_[s.index]) readInitOutput(s.index);
          break;
        case kStdinW:
          writeStdin();
          break;
        case kExecOut:
          readExecOutput(*s.exec, s.index);
          break;
        case kExecIn:
          writeExecStdin(*s.exec);
          break;
        case kConn:
          if (!s.conn->dead) handleConn(*s.conn, re);
          break;
        case kOom:
          oom_->drain();
          oomRechecks_ = 10;
          checkOom(false);
          break;
      }
    }
    sweepConns();
    forgetOldExecs();
  }
}

void Shim::flushAllAndClose() {
  // The init is gone: the OOM kill count is final. Its waiters learn it (the end of their
  // watch); the replies go out with the rest below.
  checkOom(true);
  // The container is gone: what attached readers are owed goes out (blocking, bounded in
  // time), then the connections close, which ends their streams.
  for (auto& c : conns_) {
    if (c->dead || c->out.empty()) continue;
    int fl = ::fcntl(c->fd.get(), F_GETFL);
    ::fcntl(c->fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    struct timeval tv = {5, 0};
    ::setsockopt(c->fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    writeAll(c->fd.get(), c->out.view());
    c->out.clear();
  }
  // Waiters for the init learn its exit code.
  ExitStatus es = exitStatusFromWait(initStatus_, nowNanos());
  for (Conn* w : initWaiters_) {
    TaskReply r;
    r.exitCode = es.exitCode;
    writeAll(w->fd.get(), encodeReply(r));
  }
  initWaiters_.clear();
  conns_.clear();
}

bool parseShimArgs(int argc, char** argv, ShimOptions* out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "wharf-shim: %s needs a value\n", argv[i]);
      return false;
    }
    std::string v = argv[++i];
    if (a == "--id") {
      out->id = v;
    } else if (a == "--bundle") {
      out->bundle = v;
    } else if (a == "--runtime-root") {
      out->runtimeRoot = v;
    } else if (a == "--log") {
      out->logPath = v;
    } else if (a == "--exit-file") {
      out->exitFile = v;
    } else if (a == "--ready-fd") {
      out->readyFd = std::atoi(v.c_str());
    } else if (a == "--tty") {
      out->tty = v == "1" || v == "true";
    } else if (a == "--stdin") {
      out->openStdin = v == "1" || v == "true";
    } else {
      std::fprintf(stderr, "wharf-shim: unknown flag %s\n", argv[i - 1]);
      return false;
    }
  }
  if (out->id.empty() || out->bundle.empty() || out->runtimeRoot.empty() || out->logPath.empty() ||
      out->exitFile.empty() || out->readyFd < 0) {
    std::fprintf(stderr,
                 "usage: wharf-shim --id ID --bundle DIR --runtime-root DIR --log FILE "
                 "--exit-file FILE [--ready-fd N] [--tty 1] [--stdin 1]\n");
    return false;
  }
  return true;
}

int runShim(const ShimOptions& opts) {
  // Its own session, then fork: the daemon's child exits at once, and the shim proper is
  // nobody's child in the daemon's process tree, so it survives wharfd restarts.
  if (::setsid() < 0 && errno != EPERM) return 1;
  pid_t p = ::fork();
  if (p < 0) {
    reportError(opts.readyFd, sysError("fork"));
    return 1;
  }
  if (p > 0) _exit(0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // The bundle is the working directory: the sockets' paths are relative to it.
  if (::chdir(opts.bundle.c_str()) != 0) {
    reportError(opts.readyFd, sysError("chdir " + opts.bundle));
    return 1;
  }
  Shim shim(opts);
  return shim.run();
}

}  // namespace wharf::shim
