#include "engine/shim/shim.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "common/error.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "engine/shim/exit_file.h"
#include "engine/shim/json_log.h"
#include "runtime/runtime.h"

namespace wharf::shim {

namespace {

// Returns how many bytes could not be written (0 when all were).
size_t writeAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return s.size();
    s.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

void reportError(int readyFd, const Error& e) {
  writeAll(readyFd, "err " + std::to_string(static_cast<int>(e.category())) + " " + e.message());
}

// One output of the container (a pipe, or the pty master with a TTY), turned into log lines.
struct Stream {
  UniqueFd fd;
  const char* name;
  LineSplitter splitter;
};

// Receives one fd sent with SCM_RIGHTS (the runtime's init sends the pty master so).
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

class Shim {
 public:
  explicit Shim(const ShimOptions& opts) : opts_(opts), runtime_(opts.runtimeRoot) {}

  int run() {
    UniqueFd ready(opts_.readyFd);
    UniqueFd outW, errW;
    Status st = setUp(&outW, &errW);
    if (!st.ok()) {
      reportError(ready.get(), st.error());
      return 1;
    }
    runtime::CreateOptions co;
    co.id = opts_.id;
    co.bundle = opts_.bundle;
    UniqueFd stdinFd(opts_.stdinFd);
    if (opts_.tty) {
      // The init's stdio is the pty; the shim copies stdin into its master.
      co.consoleSocket = kConsoleSocket;
      stdin_ = std::move(stdinFd);
    } else {
      co.stdio.in = stdinFd ? stdinFd.get() : devNull_.get();
      co.stdio.out = outW.get();
      co.stdio.err = errW.get();
    }
    auto created = runtime_.create(co);
    if (!created.ok()) {
      reportError(ready.get(), created.error());
      return 1;
    }
    initPid_ = created->pid;
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
    stdinFd.reset();
    if (opts_.tty) {
      st = receiveConsole();
      if (!st.ok()) {
        abandon();
        reportError(ready.get(), st.error());
        return 1;
      }
    }
    Status started = runtime_.start(opts_.id);
    if (!started.ok()) {
      abandon();
      reportError(ready.get(), started.error());
      return 1;
    }
    writeAll(ready.get(),
             "ok " + std::to_string(initPid_) + " " + std::to_string(::getpid()) + "\n");
    ready.reset();
    loop();
    ExitStatus es = exitStatusFromWait(initStatus_, nowNanos());
    es.logDroppedBytes = droppedBytes_;
    Status removed = runtime_.remove(opts_.id, false);
    if (!removed.ok()) removed = runtime_.remove(opts_.id, true);
    if (!removed.ok()) es.error = "runtime remove: " + removed.error().message();
    (void)writeExitFile(opts_.exitFile, es);
    ::unlink(kControlFifo);
    return 0;
  }

 private:
  // Relative to the bundle (the shim's cwd): a unix socket path must fit in 108 bytes.
  static constexpr const char* kConsoleSocket = "console.sock";
  static constexpr const char* kControlFifo = "control";

  void abandon() {
    ::kill(initPid_, SIGKILL);
    int ws = 0;
    ::waitpid(initPid_, &ws, 0);
    (void)runtime_.remove(opts_.id, true);
  }

  Status setUp(UniqueFd* outW, UniqueFd* errW) {
    devNull_.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!devNull_) return sysError("open /dev/null");
    log_.reset(::open(opts_.logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!log_) return sysError("open log " + opts_.logPath);
    streams_[0].name = "stdout";
    streams_[1].name = "stderr";
    if (opts_.tty) {
      // The runtime connects here during create(); the connection waits in the backlog.
      ::unlink(kConsoleSocket);
      consoleListen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!consoleListen_) return sysError("socket");
      struct sockaddr_un addr {};
      addr.sun_family = AF_UNIX;
      std::strcpy(addr.sun_path, kConsoleSocket);
      if (::bind(consoleListen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
          ::listen(consoleListen_.get(), 1) != 0) {
        return sysError("listen on console socket");
      }
      // Resize requests from the daemon: "resize <rows> <cols>\n" lines. Opened read-write
      // so that it never reports EOF between writers.
      ::unlink(kControlFifo);
      if (::mkfifo(kControlFifo, 0600) != 0) return sysError("mkfifo control");
      control_.reset(::open(kControlFifo, O_RDWR | O_NONBLOCK | O_CLOEXEC));
      if (!control_) return sysError("open control fifo");
    } else {
      for (int i = 0; i < 2; ++i) {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) return sysError("pipe");
        streams_[i].fd.reset(p[0]);
        (i == 0 ? outW : errW)->reset(p[1]);
      }
    }
    return okStatus();
  }

  Status receiveConsole() {
    UniqueFd conn(::accept4(consoleListen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    consoleListen_.reset();
    ::unlink(kConsoleSocket);
    if (!conn) return sysError("accept the console");
    int master = receiveFd(conn.get());
    if (master < 0) return sysError("receive the console");
    // With a TTY everything the container writes is one stream, logged as stdout (docker).
    streams_[0].fd.reset(master);
    return okStatus();
  }

  void appendLog(Stream& s, std::string_view bytes, bool eof) {
    std::string batch;
    int64_t now = nowNanos();
    auto emit = [&](std::string_view m) { batch += encodeLogLine(m, s.name, now); };
    s.splitter.feed(bytes, emit);
    if (eof) s.splitter.flush(emit);
    // One write per batch: O_APPEND keeps lines of the two streams whole.
    if (batch.empty()) return;
    size_t lost = writeAll(log_.get(), batch);
    if (lost == 0) return;
    // Disk full (or the like): the output is lost, but never silently. Counted for the exit
    // file (the daemon reports it) and said once in shim.log.
    if (droppedBytes_ == 0) {
      std::fprintf(stderr, "wharf-shim %s: log write failed (%s): dropping output\n",
                   opts_.id.c_str(), std::strerror(errno));
    }
    droppedBytes_ += static_cast<int64_t>(lost);
  }

  void reap() {
    for (;;) {
      int ws = 0;
      pid_t p = ::waitpid(-1, &ws, WNOHANG);
      if (p <= 0) return;
      if (p == initPid_) {
        initStatus_ = ws;
        initExited_ = true;
      }
    }
  }

  void handleControl() {
    char buf[256];
    ssize_t n = ::read(control_.get(), buf, sizeof buf - 1);
    if (n <= 0) return;
    buf[n] = '\0';
    unsigned rows = 0, cols = 0;
    // Only the last complete request matters.
    for (char* line = std::strtok(buf, "\n"); line; line = std::strtok(nullptr, "\n")) {
      std::sscanf(line, "resize %u %u", &rows, &cols);
    }
    if (rows > 0 && cols > 0 && streams_[0].fd) {
      struct winsize ws {};
      ws.ws_row = static_cast<unsigned short>(rows);
      ws.ws_col = static_cast<unsigned short>(cols);
      ::ioctl(streams_[0].fd.get(), TIOCSWINSZ, &ws);
    }
  }

  void handleStdin() {
    char buf[16384];
    ssize_t n = ::read(stdin_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      stdin_.reset();  // the client closed stdin; the TTY itself stays open
      return;
    }
    if (streams_[0].fd) writeAll(streams_[0].fd.get(), std::string_view(buf, n));
  }

  void loop() {
    char buf[65536];
    for (;;) {
      bool open0 = streams_[0].fd.valid(), open1 = streams_[1].fd.valid();
      if (initExited_ && !open0 && !open1) return;
      // Invalid fds (-1) are ignored by poll.
      struct pollfd pfds[5] = {{initExited_ ? -1 : initFd_.get(), POLLIN, 0},
                               {streams_[0].fd.get(), POLLIN, 0},
                               {streams_[1].fd.get(), POLLIN, 0},
                               {stdin_.get(), POLLIN, 0},
                               {control_.get(), POLLIN, 0}};
      // Once the init is gone the pid namespace is dead too; if an output still has a writer
      // (a process that escaped into another namespace) give up on it after a while.
      int timeout = initExited_ ? 2000 : -1;
      int n = ::poll(pfds, 5, timeout);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (n == 0) {
        for (auto& s : streams_) {
          if (s.fd.valid()) appendLog(s, {}, true);
          s.fd.reset();
        }
        continue;
      }
      if (pfds[0].revents & POLLIN) {
        reap();
      }
      for (int i = 0; i < 2; ++i) {
        if (!(pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t r = ::read(streams_[i].fd.get(), buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          // A pty master reads EIO once the last slave fd is closed: that is its EOF.
          appendLog(streams_[i], {}, true);
          streams_[i].fd.reset();
        } else {
          appendLog(streams_[i], std::string_view(buf, static_cast<size_t>(r)), false);
        }
      }
      if (pfds[3].revents & (POLLIN | POLLHUP | POLLERR)) handleStdin();
      if (pfds[4].revents & POLLIN) handleControl();
    }
  }

  const ShimOptions& opts_;
  runtime::Runtime runtime_;
  UniqueFd devNull_, log_, initFd_, consoleListen_, control_, stdin_;
  Stream streams_[2];
  pid_t initPid_ = -1;
  int64_t droppedBytes_ = 0;
  int initStatus_ = 0;
  bool initExited_ = false;
};

}  // namespace

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
    } else if (a == "--stdin-fd") {
      out->stdinFd = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "wharf-shim: unknown flag %s\n", argv[i - 1]);
      return false;
    }
  }
  if (out->id.empty() || out->bundle.empty() || out->runtimeRoot.empty() || out->logPath.empty() ||
      out->exitFile.empty() || out->readyFd < 0) {
    std::fprintf(stderr,
                 "usage: wharf-shim --id ID --bundle DIR --runtime-root DIR --log FILE "
                 "--exit-file FILE [--ready-fd N]\n");
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
  // The bundle is the working directory: the console socket's path is relative to it.
  if (::chdir(opts.bundle.c_str()) != 0) {
    reportError(opts.readyFd, sysError("chdir " + opts.bundle));
    return 1;
  }
  Shim shim(opts);
  return shim.run();
}

}  // namespace wharf::shim
