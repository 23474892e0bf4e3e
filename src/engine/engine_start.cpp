// Engine: start (unpack, mount, bundle, shim), the shim's lifecycle, wait, stop, kill, and
// live restore.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>

#include "common/fs.h"
#include "common/log.h"
#include "common/memory.h"
#include "common/unique_fd.h"
#include "engine/container_network.h"
#include "engine/engine.h"
#include "engine/shim/json_log.h"
#include "engine/shim_scan.h"
#include "engine/signals.h"
#include "engine/spec_builder.h"
#include "engine/workdir.h"
#include "image/image_service.h"
#include "oci/runtime_spec.h"
#include "runtime/runtime.h"
#include "store/metadata.h"
#include "store/snapshotter.h"

extern char** environ;

namespace wharf::engine {

namespace asio = boost::asio;
namespace stdfs = std::filesystem;
using StartDone = std::function<void(Status, bool)>;

namespace {

int exitCodeForStartError(const Error& e) {
  if (e.category() == ErrorCategory::kNotFound) return 127;
  if (e.category() == ErrorCategory::kForbidden ||
      e.message().find("permission denied") != std::string::npos) {
    return 126;
  }
  return 128;
}

}  // namespace

void Engine::startContainer(const std::string& idOrName, StartDone done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error(), false);
  ContainerPtr c = *found;
  ContainerInfo& i = c->rec.info;
  if (i.state.status == ContainerStatus::kRunning) return done(okStatus(), true);
  if (c->starting) return done(okStatus(), true);
  if (c->removing) return done(conflict("container " + i.id + " is marked for removal"), false);
  // A user's start overrides a pending restart and an earlier manual stop.
  cancelRestart(*c);
  c->rec.manuallyStopped = false;
  c->starting = true;
  cgroupPrewarm_.kick();

  // The fast path: the layers were unpacked for an earlier start.
  bool haveLowers =
      !i.lowerDirs.empty() && std::all_of(i.lowerDirs.begin(), i.lowerDirs.end(),
                                          [](const std::string& d) { return fs::exists(d); });
  if (haveLowers) return continueStart(c, i.lowerDirs, std::move(done));

  Result<image::Image> img = [&]() -> Result<image::Image> {
    std::lock_guard lock(storeMu_);
    return images_.resolve(i.imageId);
  }();
  if (!img.ok()) {
    c->starting = false;
    return done(std::move(img).error(), false);
  }
  // Unpacking is slow (decompression, many files): on the worker pool, never on the loop.
  asio::post(pool_, [this, c, img = std::move(*img), done = std::move(done)]() mutable {
    Result<std::vector<std::string>> lowers = [&] {
      std::lock_guard lock(storeMu_);
      return images_.ensureUnpacked(img);
    }();
    wharf::returnFreedMemory();
    asio::post(io_, [this, c, lowers = std::move(lowers), done = std::move(done)]() mutable {
      if (!lowers.ok()) {
        c->starting = false;
        return done(std::move(lowers).error(), false);
      }
      continueStart(c, std::move(*lowers), std::move(done));
    });
  });
}

void Engine::continueStart(ContainerPtr c, std::vector<std::string> lowerDirs, StartDone done) {
  ContainerInfo& i = c->rec.info;
  i.lowerDirs = std::move(lowerDirs);
  if (!c->rec.mounted) {
    store::OverlayMount m{i.lowerDirs, i.upperDir, i.workDir};
    Status st = store::mountOverlay(m, i.rootfsPath);
    if (!st.ok()) {
      c->starting = false;
      return done(std::move(st).error().context("mount rootfs"), false);
    }
    c->rec.mounted = true;
  }
  // A working directory the image lacks is created, as dockerd does.
  Status st = ensureDirInRoot(i.rootfsPath, i.spec.workingDir);
  if (!st.ok()) {
    startFailed(c, st.error());
    return done(std::move(st).error(), false);
  }
  st = prepareBundle(*c);
  // The record says "starting" (and "mounted") before a shim exists: a daemon killed from
  // here on finds the shim again at restore (engine_restore.cpp). No record, no shim.
  if (st.ok()) {
    c->rec.starting = true;
    st = persist(*c);
  }
  if (!st.ok()) {
    startFailed(c, st.error());
    return done(std::move(st).error(), false);
  }
  spawnShim(c, std::move(done));
}

Status Engine::prepareBundle(Container& c) {
  const ContainerInfo& i = c.rec.info;
  WHARF_TRY(fs::mkdirAll(c.rec.bundle, 0711));
  SpecContext ctx{i.rootfsPath, daemonCapabilityBounding()};
  if (networking_) {
    // container:<x> joins x's namespace, which exists only while x runs (as docker).
    std::string join;
    if (i.spec.networkMode.rfind("container:", 0) == 0) {
      WHARF_ASSIGN_OR_RETURN(ContainerPtr other, find(i.spec.networkMode.substr(10)));
      if (other->rec.info.state.status != ContainerStatus::kRunning)
        return conflict("cannot join network namespace of a non running container: container " +
                        other->rec.info.id + " is " + statusName(other->rec.info.state.status));
      join = "/proc/" + std::to_string(other->rec.info.state.pid) + "/ns/net";
    }
    WHARF_ASSIGN_OR_RETURN(ctx.netnsPath, networking_->prepare(i, join));
  }
  WHARF_ASSIGN_OR_RETURN(oci::Spec spec, buildSpec(i, ctx));
  WHARF_TRY(fs::writeFileAtomic(stdfs::path(c.rec.bundle) / "config.json", oci::serializeSpec(spec),
                                0600));
  ::unlink(c.rec.exitFile.c_str());
  return okStatus();
}

void Engine::spawnShim(ContainerPtr c, StartDone done) {
  const ContainerInfo& i = c->rec.info;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    Error e = sysError("pipe");
    startFailed(c, e);
    return done(std::move(e), false);
  }
  UniqueFd readEnd(p[0]), writeEnd(p[1]);
  // `-i`: the init reads the pipe the shim gets as fd 4; the daemon writes what attach sends.
  UniqueFd stdinRead, stdinWrite;
  if (i.spec.openStdin) {
    int sp[2];
    if (::pipe2(sp, O_CLOEXEC) != 0) {
      Error e = sysError("pipe");
      startFailed(c, e);
      return done(std::move(e), false);
    }
    stdinRead.reset(sp[0]);
    stdinWrite.reset(sp[1]);
  }
  std::string runtimeRoot = (cfg_.execRoot / "runtime").string();
  std::string shimLog = (stdfs::path(c->rec.bundle) / "shim.log").string();
  std::vector<std::string> args = {
      cfg_.shimPath.string(), "--id",       i.id,    "--bundle", c->rec.bundle,
      "--runtime-root",       runtimeRoot,  "--log", i.logPath,  "--exit-file",
      c->rec.exitFile,        "--ready-fd", "3"};
  if (stdinRead) {
    args.push_back("--stdin-fd");
    args.push_back("4");
  }
  if (i.spec.tty) {
    args.push_back("--tty");
    args.push_back("1");
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  // The shim's own complaints (it has nowhere else to say them once detached).
  posix_spawn_file_actions_addopen(&fa, 2, shimLog.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, writeEnd.get(), 3);
  if (stdinRead) posix_spawn_file_actions_adddup2(&fa, stdinRead.get(), 4);
  // The shim's executable: our read-only copy, reached as /proc/self/fd/N in the child (the
  // shim closes it first thing), so the shim starts protected (runtime/sealed_exe.h).
  int firstFree = stdinRead ? 5 : 4;
  std::string exePath = cfg_.shimPath.string();
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
  stdinRead.reset();
  if (rc != 0) {
    Error e = sysError("start " + cfg_.shimPath.string(), rc);
    startFailed(c, e);
    return done(std::move(e), false);
  }

  if (stdinWrite) {
    if (!c->stdinPipe) c->stdinPipe = std::make_shared<StdinPipe>(io_);
    c->stdinPipe->connect(std::move(stdinWrite));
  }
  auto pipe = std::make_shared<asio::posix::stream_descriptor>(io_, readEnd.release());
  auto buf = std::make_shared<std::string>();
  asio::async_read(*pipe, asio::dynamic_buffer(*buf),
                   [this, c, child, pipe, buf, done = std::move(done)](
                       const boost::system::error_code&, size_t) mutable {
                     // EOF (or any error) ends the message: the shim closed its end.
                     onReady(c, child, *buf, std::move(done));
                   });
}

void Engine::onReady(ContainerPtr c, pid_t child, const std::string& msg, StartDone done) {
  int ws = 0;
  ::waitpid(child, &ws, 0);  // the shim's first process exits right after its fork
  ContainerInfo& i = c->rec.info;
  if (msg.rfind("ok ", 0) == 0) {
    int initPid = 0, shimPid = 0;
    if (std::sscanf(msg.c_str(), "ok %d %d", &initPid, &shimPid) == 2) {
      i.state.status = ContainerStatus::kRunning;
      i.state.pid = initPid;
      i.state.exitCode = 0;
      i.state.error.clear();
      i.state.startedAt = shim::formatTime(shim::nowNanos());
      c->rec.shimPid = shimPid;
      c->rec.starting = false;
      c->starting = false;
      Status st = persist(*c);
      if (!st.ok()) log::warn("persist container {}: {}", i.id, st.error().message());
      st = watchShim(c);
      if (!st.ok()) log::warn("watch shim of {}: {}", i.id, st.error().message());
      log::info("started container {} (init {}, shim {})", i.id.substr(0, 12), initPid, shimPid);
      // A forced remove arrived while it was starting: it is waiting for this exit.
      if (c->removing) (void)killInit(*c, SIGKILL);
      return done(okStatus(), false);
    }
  }
  Error e = internalError("wharf-shim failed to start the container (see " + c->rec.bundle +
                          "/shim.log)");
  if (msg.rfind("err ", 0) == 0) {
    int cat = 0;
    size_t sp = msg.find(' ', 4);
    cat = std::atoi(msg.substr(4, sp - 4).c_str());
    std::string text = sp == std::string::npos ? "" : msg.substr(sp + 1);
    e = Error(static_cast<ErrorCategory>(cat), text);
  }
  startFailed(c, e);
  done(std::move(e), false);
}

void Engine::startFailed(ContainerPtr c, const Error& e) {
  ContainerInfo& i = c->rec.info;
  c->starting = false;
  c->rec.starting = false;
  releaseNetwork(i.id);
  Status st = unmountRootfs(*c);
  if (!st.ok()) log::warn("unmount {}: {}", i.rootfsPath, st.error().message());
  // As docker: the container stays "created" with the error and a shell-like exit code.
  i.state.error = e.message();
  i.state.exitCode = exitCodeForStartError(e);
  st = persist(*c);
  if (!st.ok()) log::warn("persist container {}: {}", i.id, st.error().message());
  notifyExit(*c, WaitResult{i.state.exitCode, i.state.error});
  if (i.spec.autoRemove) doRemove(c, [](Status) {});
}

Status Engine::watchShim(ContainerPtr c) {
  auto fd = openPidfd(c->rec.shimPid);
  if (!fd.ok() || !isShimOf(c->rec.shimPid, c->rec.info.id)) {
    // Already gone (or the pid is someone else's now): what it left says how it ended.
    asio::post(io_, [this, c] { onShimExit(c); });
    return okStatus();
  }
  // Reports only a verified exit: a stale epoll event must never pass for the shim's death
  // (engine/exit_watch.h).
  c->shimWatch = std::make_unique<ProcessExitWatch>(io_, std::move(*fd));
  c->shimWatch->wait([this, c] { onShimExit(c); });
  return okStatus();
}

void Engine::onShimExit(ContainerPtr c) {
  c->shimWatch.reset();
  if (c->rec.info.state.status != ContainerStatus::kRunning) return;
  auto st = shim::readExitFile(c->rec.exitFile);
  if (st.ok()) return markExited(c, *st);
  // The shim died without a word (it was killed, or crashed): make sure the container is not
  // left running unwatched. Only reached once the shim's exit is verified.
  log::warn("shim of {} exited without an exit file: {}", c->rec.info.id, st.error().message());
  (void)killInit(*c, SIGKILL);
  (void)runtime_.remove(c->rec.info.id, true);
  shim::ExitStatus es;
  es.exitCode = 255;
  es.finishedAtNanos = shim::nowNanos();
  es.error = "wharf-shim exited without recording the container's exit";
  markExited(c, es);
}

void Engine::markExited(ContainerPtr c, const shim::ExitStatus& es) {
  ContainerInfo& i = c->rec.info;
  releaseNetwork(i.id);
  Status st = unmountRootfs(*c);
  if (!st.ok()) log::warn("unmount {}: {}", i.rootfsPath, st.error().message());
  i.state.status = ContainerStatus::kExited;
  i.state.exitCode = es.exitCode;
  i.state.pid = 0;
  i.state.error = es.error;
  i.state.finishedAt = shim::formatTime(es.finishedAtNanos ? es.finishedAtNanos : shim::nowNanos());
  c->rec.shimPid = 0;
  st = persist(*c);
  if (!st.ok()) log::warn("persist container {}: {}", i.id, st.error().message());
  log::info("container {} exited with {}", i.id.substr(0, 12), es.exitCode);
  if (es.logDroppedBytes > 0) {
    log::warn(
        "container {}: {} bytes of its output were dropped: the log could not be written "
        "(disk full?)",
        i.id.substr(0, 12), es.logDroppedBytes);
  }
  notifyExit(*c, WaitResult{es.exitCode, es.error});
  if (shouldRestart(*c)) {
    scheduleRestart(c);
  } else if (i.spec.autoRemove && !c->removing) {
    doRemove(c, [](Status) {});
  }
}

void Engine::notifyExit(Container& c, const WaitResult& r) {
  // This run's stdin is over; a later attach and start get a fresh pipe.
  if (c.stdinPipe) {
    c.stdinPipe->disconnect();
    c.stdinPipe.reset();
  }
  ++c.epoch;
  wakeReaders(c);
  auto waiters = std::move(c.exitWaiters);
  c.exitWaiters.clear();
  for (auto& w : waiters) w(r);
}

Status Engine::unmountRootfs(Container& c) {
  if (!c.rec.mounted) return okStatus();
  WHARF_TRY(store::unmountPath(c.rec.info.rootfsPath));
  c.rec.mounted = false;
  return okStatus();
}

Status Engine::killInit(Container& c, int signal) {
  Status st = runtime_.kill(c.rec.info.id, signal);
  if (st.ok()) return st;
  // The runtime's state may be gone while the process is not (a crashed shim).
  int pid = c.rec.info.state.pid;
  if (pid > 0 && ::kill(pid, signal) == 0) return okStatus();
  return st;
}

void Engine::waitContainer(const std::string& idOrName, WaitCondition cond,
                           std::function<void(Result<WaitResult>)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  const ContainerState& s = c->rec.info.state;
  switch (cond) {
    case WaitCondition::kNotRunning:
      if (s.status != ContainerStatus::kRunning && !c->starting) {
        return done(WaitResult{s.exitCode, s.error});
      }
      c->exitWaiters.push_back(std::move(done));
      return;
    case WaitCondition::kNextExit:
      c->exitWaiters.push_back(std::move(done));
      return;
    case WaitCondition::kRemoved:
      c->removeWaiters.push_back(std::move(done));
      return;
  }
}

void Engine::stopContainer(const std::string& idOrName, std::optional<int> timeoutSeconds,
                           std::function<void(Status)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  const ContainerInfo& i = c->rec.info;
  if (!c->rec.manuallyStopped || i.state.status == ContainerStatus::kRestarting) {
    c->rec.manuallyStopped = true;
    cancelRestart(*c);
    Status st = persist(*c);
    if (!st.ok()) log::warn("persist container {}: {}", i.id, st.error().message());
  }
  if (i.state.status != ContainerStatus::kRunning) return done(okStatus());
  int sig = SIGTERM;
  if (!i.spec.stopSignal.empty()) {
    auto parsed = parseSignal(i.spec.stopSignal);
    if (parsed.ok()) sig = *parsed;
  }
  int timeout = timeoutSeconds.value_or(i.spec.stopTimeout.value_or(10));
  auto timer = std::make_shared<asio::steady_timer>(io_);
  c->exitWaiters.push_back([timer, done](Result<WaitResult>) {
    timer->cancel();
    done(okStatus());
  });
  Status st = killInit(*c, timeout == 0 ? SIGKILL : sig);
  if (!st.ok()) log::warn("stop {}: {}", i.id, st.error().message());
  if (timeout > 0) {
    timer->expires_after(std::chrono::seconds(timeout));
    std::weak_ptr<Container> weak = c;
    timer->async_wait([this, weak](const boost::system::error_code& ec) {
      auto c = weak.lock();
      if (ec || !c || c->rec.info.state.status != ContainerStatus::kRunning) return;
      log::info("container {} did not stop in time: SIGKILL", c->rec.info.id.substr(0, 12));
      (void)killInit(*c, SIGKILL);
    });
  }
}

Status Engine::killContainer(const std::string& idOrName, const std::string& signal) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  int sig = SIGKILL;
  if (!signal.empty()) {
    WHARF_ASSIGN_OR_RETURN(sig, parseSignal(signal));
  }
  if (c->rec.info.state.status != ContainerStatus::kRunning) {
    return conflict("cannot kill container: " + idOrName + ": container " + c->rec.info.id +
                    " is not running");
  }
  c->rec.manuallyStopped = true;  // no restart by policy after a kill
  return killInit(*c, sig);
}

}  // namespace wharf::engine
