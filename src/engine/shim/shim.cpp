#include "engine/shim/shim.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"
#include "engine/shim/exit_file.h"
#include "engine/shim/json_log.h"
#include "runtime/runtime.h"

namespace wharf::shim {

namespace {

void writeAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

void reportError(int readyFd, const Error& e) {
  writeAll(readyFd, "err " + std::to_string(static_cast<int>(e.category())) + " " + e.message());
}

// One output pipe of the container, turned into log lines.
struct Stream {
  UniqueFd fd;
  const char* name;
  LineSplitter splitter;
};

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
    co.stdio.in = stdinFd ? stdinFd.get() : devNull_.get();
    co.stdio.out = outW.get();
    co.stdio.err = errW.get();
    auto created = runtime_.create(co);
    if (!created.ok()) {
      reportError(ready.get(), created.error());
      return 1;
    }
    initPid_ = created->pid;
    // Only the init keeps the write ends: EOF on the pipes then means its output is done.
    outW.reset();
    errW.reset();
    stdinFd.reset();
    Status started = runtime_.start(opts_.id);
    if (!started.ok()) {
      ::kill(initPid_, SIGKILL);
      int ws = 0;
      ::waitpid(initPid_, &ws, 0);
      (void)runtime_.remove(opts_.id, true);
      reportError(ready.get(), started.error());
      return 1;
    }
    writeAll(ready.get(),
             "ok " + std::to_string(initPid_) + " " + std::to_string(::getpid()) + "\n");
    ready.reset();
    loop();
    ExitStatus es = exitStatusFromWait(initStatus_, nowNanos());
    Status removed = runtime_.remove(opts_.id, false);
    if (!removed.ok()) removed = runtime_.remove(opts_.id, true);
    if (!removed.ok()) es.error = "runtime remove: " + removed.error().message();
    (void)writeExitFile(opts_.exitFile, es);
    return 0;
  }

 private:
  Status setUp(UniqueFd* outW, UniqueFd* errW) {
    devNull_.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!devNull_) return sysError("open /dev/null");
    log_.reset(::open(opts_.logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!log_) return sysError("open log " + opts_.logPath);
    for (int i = 0; i < 2; ++i) {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) return sysError("pipe");
      streams_[i].fd.reset(p[0]);
      (i == 0 ? outW : errW)->reset(p[1]);
    }
    streams_[0].name = "stdout";
    streams_[1].name = "stderr";
    // SIGCHLD through a signalfd, so the one poll loop sees output and exits alike.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return sysError("sigprocmask");
    sigFd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sigFd_) return sysError("signalfd");
    return okStatus();
  }

  void appendLog(Stream& s, std::string_view bytes, bool eof) {
    std::string batch;
    int64_t now = nowNanos();
    auto emit = [&](std::string_view m) { batch += encodeLogLine(m, s.name, now); };
    s.splitter.feed(bytes, emit);
    if (eof) s.splitter.flush(emit);
    // One write per batch: O_APPEND keeps lines of the two streams whole.
    if (!batch.empty()) writeAll(log_.get(), batch);
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

  void loop() {
    char buf[65536];
    for (;;) {
      bool open0 = streams_[0].fd.valid(), open1 = streams_[1].fd.valid();
      if (initExited_ && !open0 && !open1) return;
      struct pollfd pfds[3] = {{sigFd_.get(), POLLIN, 0},
                               {streams_[0].fd.get(), POLLIN, 0},
                               {streams_[1].fd.get(), POLLIN, 0}};
      // Once the init is gone the pid namespace is dead too; if a pipe still has a writer
      // (a process that escaped into another namespace) give up on it after a while.
      int timeout = initExited_ ? 2000 : -1;
      int n = ::poll(pfds, 3, timeout);
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
        struct signalfd_siginfo si;
        while (::read(sigFd_.get(), &si, sizeof si) > 0) {
        }
        reap();
      }
      for (int i = 0; i < 2; ++i) {
        if (!(pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t r = ::read(streams_[i].fd.get(), buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          appendLog(streams_[i], {}, true);
          streams_[i].fd.reset();
        } else {
          appendLog(streams_[i], std::string_view(buf, static_cast<size_t>(r)), false);
        }
      }
    }
  }

  const ShimOptions& opts_;
  runtime::Runtime runtime_;
  UniqueFd devNull_, log_, sigFd_;
  Stream streams_[2];
  pid_t initPid_ = -1;
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
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  if (::chdir("/") != 0) {
    reportError(opts.readyFd, sysError("chdir /"));
    return 1;
  }
  Shim shim(opts);
  return shim.run();
}

}  // namespace wharf::shim
