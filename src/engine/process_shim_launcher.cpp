// ProcessShimLauncher: every direct interaction of the daemon with wharf-shim processes.
#include "engine/process_shim_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>

#include "common/fs.h"
#include "common/log.h"
#include "common/time.h"
#include "engine/exit_watch.h"
#include "engine/shim/json_log.h"
#include "engine/shim_client.h"
#include "engine/shim_scan.h"
#include "runtime/runtime.h"
#include "runtime/sealed_exe.h"

extern char** environ;

namespace wharf::engine {

namespace asio = boost::asio;
namespace stdfs = std::filesystem;

namespace {

// How long adopting a shim that was still starting its container may take (it only has to
// finish the runtime's create and start), polled without blocking the loop.
constexpr int kAdoptPolls = 1000;
constexpr auto kAdoptPollEvery = std::chrono::milliseconds(10);

shim::ExitStatus lostShimExit() {
  shim::ExitStatus es;
  es.exitCode = 255;
  es.finishedAtNanos = nowNanos();
  es.error = "wharf-shim exited without recording the container's exit";
  return es;
}

}  // namespace

class ProcessShimLauncher::Handle final : public ShimHandle {
 public:
  Handle(ProcessShimLauncher& l, ShimStart s, pid_t init, pid_t shimPid)
      : l_(l), s_(std::move(s)), init_(init), shim_(shimPid) {}

  pid_t shimPid() const override { return shim_; }
  pid_t initPid() const override { return init_; }

  void watchExit(std::function<void(shim::ExitStatus)> onExit) override {
    auto fd = openPidfd(shim_);
    auto finish = [&l = l_, s = s_, init = init_, onExit = std::move(onExit)] {
      l.collectExit(s, init, onExit);
    };
    if (!fd.ok() || !::wharf::engine::isShimOf(shim_, s_.id)) {
      // Already gone (or the pid is someone else's now): what it left says how it ended.
      asio::post(l_.io_, std::move(finish));
      return;
    }
    // Reports only a verified exit: a stale epoll event must never pass for the shim's death
    // (engine/exit_watch.h).
    watch_ = std::make_unique<ProcessExitWatch>(l_.io_, std::move(*fd));
    watch_->wait(std::move(finish));
  }

  Status kill(int signal) override {
    Status st = l_.runtime_.kill(s_.id, signal);
    if (st.ok()) return st;
    // The runtime's state may be gone while the process is not (a crashed shim).
    if (init_ > 0 && ::kill(init_, signal) == 0) return okStatus();
    return st;
  }
  ~Handle() override {
    *alive_ = false;
    if (oomStream_) oomStream_->cancel();
  }

  Status pause() override { return l_.runtime_.pause(s_.id); }
  Status update(const oci::Resources& r) override { return l_.runtime_.update(s_.id, r); }

  void watchOom(uint64_t seen, std::function<void(uint64_t)> onOom) override {
    oomSeen_ = seen;
    onOom_ = std::move(onOom);
    armOom();
  }
  Status resume() override { return l_.runtime_.resume(s_.id); }

  Status resize(int height, int width) override {
    shim::TaskRequest req;
    req.op = "resize";
    req.rows = static_cast<unsigned>(std::min(height, 65535));
    req.cols = static_cast<unsigned>(std::min(width, 65535));
    WHARF_TRY(call(req));
    return okStatus();
  }

  Result<shim::TaskReply> call(const shim::TaskRequest& r) override {
    return callShim(s_.bundle, r);
  }

  Result<std::shared_ptr<ShimStream>> stream(const shim::TaskRequest& r,
                                             ShimStream::ReplyFn onReply) override {
    return ShimStream::open(l_.io_, s_.bundle, r, std::move(onReply));
  }

 private:
  // One `oom-wait` at a time; each answer above what was seen is reported, then the next is
  // asked (from a fresh loop turn: a stream is not dropped inside its own callback). An
  // answer at the count already seen, or an error (a shim without the op), ends the watch.
  void armOom() {
    shim::TaskRequest r;
    r.op = "oom-wait";
    r.oomSeen = oomSeen_;
    std::weak_ptr<bool> alive = alive_;
    auto st = ShimStream::open(l_.io_, s_.bundle, r, [this, alive](Result<shim::TaskReply> rep) {
      if (alive.expired() || !*alive.lock()) return;
      if (!rep.ok() || rep->oomKills <= oomSeen_) return;
      oomSeen_ = rep->oomKills;
      onOom_(oomSeen_);
      asio::post(l_.io_, [this, alive] {
        if (auto a = alive.lock(); a && *a) armOom();
      });
    });
    if (st.ok()) {
      if (oomStream_) oomStream_->cancel();
      oomStream_ = std::move(*st);
    }
  }

  ProcessShimLauncher& l_;
  ShimStart s_;
  pid_t init_, shim_;
  std::unique_ptr<ProcessExitWatch> watch_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  uint64_t oomSeen_ = 0;
  std::function<void(uint64_t)> onOom_;
  std::shared_ptr<ShimStream> oomStream_;
};

ProcessShimLauncher::ProcessShimLauncher(asio::io_context& io, asio::thread_pool& pool,
                                         runtime::Runtime& runtime, stdfs::path shimPath)
    : io_(io), pool_(pool), runtime_(runtime), shimPath_(std::move(shimPath)) {
  if (shimPath_.empty()) {
    std::error_code ec;
    stdfs::path self = stdfs::read_symlink("/proc/self/exe", ec);
    shimPath_ = self.parent_path() / "wharf-shim";
  }
  if (auto copy = runtime::openReadOnlyCopy(shimPath_.string()); copy.ok())
    shimExe_ = std::move(*copy);
  else
    log::warn("{}: every shim will make its own read-only copy", copy.error().message());
}

void ProcessShimLauncher::launch(const ShimStart& s, BeforeStart beforeStart, LaunchDone done) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return done(sysError("pipe"));
  UniqueFd readEnd(p[0]), writeEnd(p[1]);
  std::string runtimeRoot = runtime_.root().string();
  std::string shimLog = (stdfs::path(s.bundle) / "shim.log").string();
  std::vector<std::string> args = {
      shimPath_.string(), "--id",       s.id,    "--bundle", s.bundle,
      "--runtime-root",   runtimeRoot,  "--log", s.logPath,  "--exit-file",
      s.exitFile,         "--ready-fd", "3"};
  // `-i`: the shim owns the container's stdin; attaches write it over the task socket.
  if (s.openStdin) {
    args.push_back("--stdin");
    args.push_back("1");
  }
  if (s.tty) {
    args.push_back("--tty");
    args.push_back("1");
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  // The shim's own complaints (it has nowhere else to say them once detached).
  posix_spawn_file_actions_addopen(&fa, 2, shimLog.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, writeEnd.get(), 3);
  // The shim's executable: our read-only copy, reached as /proc/self/fd/N in the child (the
  // shim closes it first thing), so the shim starts protected (runtime/sealed_exe.h).
  int firstFree = 4;
  std::string exePath = shimPath_.string();
  if (shimExe_) {
    posix_spawn_file_actions_adddup2(&fa, shimExe_.get(), firstFree);
    exePath = "/proc/self/fd/" + std::to_string(firstFree++);
  }
  // Client sockets and the lock file must not leak into a process that outlives us.
  posix_spawn_file_actions_addclosefrom_np(&fa, firstFree);
  // The shim, and through it the container's init, starts with default signal dispositions
  // and nothing blocked, whatever the daemon ignores (SIGPIPE, SIGHUP).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t child = -1;
  int rc = ::posix_spawn(&child, exePath.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  writeEnd.reset();
  if (rc != 0) return done(sysError("start " + shimPath_.string(), rc));

  auto pipe = std::make_shared<asio::posix::stream_descriptor>(io_, readEnd.release());
  auto buf = std::make_shared<std::string>();
  asio::async_read(*pipe, asio::dynamic_buffer(*buf),
                   [this, s, child, pipe, buf, beforeStart = std::move(beforeStart),
                    done = std::move(done)](const boost::system::error_code&, size_t) mutable {
                     // EOF (or any error) ends the message: the shim closed its end.
                     onReady(s, child, *buf, beforeStart, done);
                   });
}

void ProcessShimLauncher::onReady(const ShimStart& s, pid_t child, const std::string& msg,
                                  const BeforeStart& beforeStart, const LaunchDone& done) {
  int ws = 0;
  ::waitpid(child, &ws, 0);  // the shim's first process exits right after its fork
  if (msg.rfind("created ", 0) == 0) {
    int initPid = 0, shimPid = 0;
    if (std::sscanf(msg.c_str(), "created %d %d", &initPid, &shimPid) != 2)
      return done(internalError("wharf-shim's ready message is malformed: " + msg));
    auto handle = std::make_unique<Handle>(*this, s, initPid, shimPid);
    // Whoever attached before the start gets the first byte: connected while the init still
    // waits before its execve, then the init starts (engine/shim/task_protocol.h).
    if (beforeStart) beforeStart(*handle);
    shim::TaskRequest req;
    req.op = "start";
    auto rep = handle->call(req);
    if (rep.ok()) return done(std::unique_ptr<ShimHandle>(std::move(handle)));
    // The shim is there but the init did not start: it must not run unwatched. The shim
    // exits once its init is gone; wait for it (bounded) so its exit file is final.
    ::kill(initPid, SIGKILL);
    if (auto fd = openPidfd(shimPid); fd.ok()) {
      struct pollfd pfd = {fd->get(), POLLIN, 0};
      ::poll(&pfd, 1, 2000);
    }
    return done(std::move(rep).error());
  }
  Error e =
      internalError("wharf-shim failed to start the container (see " + s.bundle + "/shim.log)");
  if (msg.rfind("err ", 0) == 0) {
    size_t sp = msg.find(' ', 4);
    int cat = std::atoi(msg.substr(4, sp - 4).c_str());
    std::string text = sp == std::string::npos ? "" : msg.substr(sp + 1);
    e = Error(static_cast<ErrorCategory>(cat), text);
  }
  done(std::move(e));
}

std::map<std::string, pid_t> ProcessShimLauncher::liveShims() { return findShims(); }

bool ProcessShimLauncher::isShimOf(pid_t pid, const std::string& id) {
  return ::wharf::engine::isShimOf(pid, id);
}

bool ProcessShimLauncher::runtimeHas(const std::string& id) { return runtime_.state(id).ok(); }

void ProcessShimLauncher::adopt(const ShimStart& s, pid_t shimPid, LaunchDone done) {
  pollAdopt(s, shimPid, kAdoptPolls, std::move(done));
}

void ProcessShimLauncher::pollAdopt(const ShimStart& s, pid_t shimPid, int triesLeft,
                                    LaunchDone done) {
  auto st = runtime_.state(s.id);
  if (st.ok() && st->status == "created" && ::wharf::engine::isShimOf(shimPid, s.id)) {
    // The old daemon died between the shim's "created" and its "start": start it now
    // (attaches that waited for it died with that daemon).
    shim::TaskRequest req;
    req.op = "start";
    if (auto rep = callShim(s.bundle, req, std::chrono::milliseconds(1000)); !rep.ok())
      log::warn("restore: start container {}: {}", s.id.substr(0, 12), rep.error().message());
    st = runtime_.state(s.id);
  }
  bool settled =
      st.ok() && (st->status == "running" || st->status == "paused" || st->status == "stopped");
  bool shimAlive = ::wharf::engine::isShimOf(shimPid, s.id);
  if (settled || !shimAlive || fs::exists(s.exitFile) || triesLeft <= 0) {
    if (!settled && !shimAlive && !fs::exists(s.exitFile) && !st.ok()) {
      return done(internalError("wharf-shim failed to start the container (see " + s.bundle +
                                "/shim.log)"));
    }
    int init = st.ok() ? st->pid : 0;
    return done(std::unique_ptr<ShimHandle>(new Handle(*this, s, init, shimPid)));
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, kAdoptPollEvery);
  timer->async_wait([this, timer, s, shimPid, triesLeft,
                     done = std::move(done)](const boost::system::error_code&) mutable {
    pollAdopt(s, shimPid, triesLeft - 1, std::move(done));
  });
}

void ProcessShimLauncher::collectExit(const ShimStart& s, pid_t initPid,
                                      std::function<void(shim::ExitStatus)> done) {
  auto st = shim::readExitFile(s.exitFile);
  if (st.ok()) return done(*st);
  // The shim died without a word (it was killed, or crashed): make sure the container is not
  // left running unwatched. Only reached once the shim's exit is verified.
  log::warn("shim of {} exited without an exit file: {}", s.id, st.error().message());
  if (Status k = runtime_.kill(s.id, SIGKILL); !k.ok() && initPid > 0) ::kill(initPid, SIGKILL);
  asio::post(pool_, [this, id = s.id, done = std::move(done)]() mutable {
    (void)runtime_.remove(id, true);  // waits for the init to die: never on the loop
    asio::post(io_, [done = std::move(done)] { done(lostShimExit()); });
  });
}

void ProcessShimLauncher::cleanup(const std::string& id, std::function<void()> done) {
  asio::post(pool_, [this, id, done = std::move(done)]() mutable {
    (void)runtime_.remove(id, true);
    asio::post(io_, std::move(done));
  });
}

}  // namespace wharf::engine
