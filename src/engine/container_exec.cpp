// ContainerManager: attach, TTY resize and exec through the shim's task API (engine/shim/
// task_protocol.h, reached through ShimHandle). The shim owns the container's stdin and every
// exec'd process; the daemon only holds streams to it, so both survive a daemon restart.
#include <signal.h>

#include <boost/asio/post.hpp>

#include "common/log.h"
#include "common/random.h"
#include "engine/container_manager.h"
#include "engine/spec_builder.h"

namespace wharf::engine {

namespace {

// How many exec instances a container keeps for inspect (moby keeps them until the
// container is removed; a bound keeps a container exec'd into in a loop from growing).
constexpr size_t kMaxExecsPerContainer = 256;

// moby's translateContainerdStartErr: a missing command is 127, a non-executable one 126.
int execStartExitCode(const Error& e) {
  if (e.category() == ErrorCategory::kNotFound) return 127;
  if (e.category() == ErrorCategory::kForbidden ||
      e.message().find("permission denied") != std::string::npos)
    return 126;
  return 126;
}

}  // namespace

Result<std::unique_ptr<LogReader>> ContainerManager::attachSession(
    const ContainerPtr& c, shim::TaskRequest req, std::shared_ptr<ShimSession>* out) {
  auto session = std::make_shared<ShimSession>();
  const ContainerInfo& i = c->rec.info;
  bool live =
      (i.state.status == ContainerStatus::kRunning || i.state.status == ContainerStatus::kPaused) &&
      !c->rec.starting && c->shim;
  if (live) {
    auto stream = c->shim->stream(req, [](const Result<shim::TaskReply>&) {});
    if (!stream.ok()) {
      // The shim just went away: the attach sees the end of a container that stopped.
      log::warn("attach {}: {}", i.id.substr(0, 12), stream.error().message());
      session->end();
    } else {
      session->connect(std::move(*stream));
    }
  } else if (i.state.status == ContainerStatus::kRemoving ||
             i.state.status == ContainerStatus::kDead) {
    session->end();
  } else {
    c->waitingAttaches.push_back({session, std::move(req)});
  }
  if (out) *out = session;
  return session->reader();
}

void ContainerManager::connectWaitingAttaches(Container& c, ShimHandle& shim) {
  auto waiting = std::move(c.waitingAttaches);
  c.waitingAttaches.clear();
  for (auto& w : waiting) {
    auto s = w.session.lock();
    if (!s) continue;
    auto stream = shim.stream(w.request, [](const Result<shim::TaskReply>&) {});
    if (!stream.ok()) {
      log::warn("attach {}: {}", c.rec.info.id.substr(0, 12), stream.error().message());
      s->end();
      continue;
    }
    s->connect(std::move(*stream));
  }
}

void ContainerManager::endWaitingAttaches(Container& c) {
  auto waiting = std::move(c.waitingAttaches);
  c.waitingAttaches.clear();
  for (auto& w : waiting)
    if (auto s = w.session.lock()) s->end();
}

Result<std::unique_ptr<LogReader>> ContainerManager::attachOutput(const std::string& idOrName,
                                                                  bool stdoutOn, bool stderrOn) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  shim::TaskRequest req;
  req.op = "attach";
  req.stdoutOn = stdoutOn;
  req.stderrOn = stderrOn;
  WHARF_ASSIGN_OR_RETURN(auto reader, attachSession(c, std::move(req), nullptr));
  publish(*c, "attach");
  return reader;
}

Result<std::unique_ptr<StdinWriter>> ContainerManager::attachStdin(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  if (!c->rec.info.spec.openStdin) {
    return invalidArgument("container " + c->rec.info.id + " was not created with OpenStdin");
  }
  shim::TaskRequest req;
  req.op = "attach";
  req.stdinOn = true;
  std::shared_ptr<ShimSession> session;
  // The reader of a stdin-only attach is never read: the writer keeps the session alive.
  WHARF_TRY(attachSession(c, std::move(req), &session));
  return session->writer();
}

Status ContainerManager::resizeTty(const std::string& idOrName, int height, int width) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  const ContainerInfo& i = c->rec.info;
  if ((i.state.status != ContainerStatus::kRunning && i.state.status != ContainerStatus::kPaused) ||
      !c->shim) {
    return conflict("Container " + i.id + " is not running");
  }
  if (!i.spec.tty || height <= 0 || width <= 0) return okStatus();
  return c->shim->resize(height, width);
}

// ---- exec -------------------------------------------------------------------------------------

Result<std::string> ContainerManager::createExec(const std::string& idOrName,
                                                 const ExecConfig& cfg) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  const ContainerInfo& i = c->rec.info;
  if (i.state.status == ContainerStatus::kPaused)
    return conflict("container " + i.id + " is paused, unpause the container before exec");
  if (i.state.status == ContainerStatus::kRestarting)
    return conflict("container " + i.id + " is restarting, wait until the container is running");
  if (i.state.status != ContainerStatus::kRunning || c->rec.starting || !c->shim)
    return conflict("container " + i.id + " is not running");
  if (cfg.cmd.empty()) return invalidArgument("No exec command specified");
  if (c->execIds.size() >= kMaxExecsPerContainer) {
    // Forget the oldest finished one.
    for (const auto& id : c->execIds) {
      auto it = execs_.find(id);
      if (it != execs_.end() && !it->second.info.running) {
        execs_.erase(it);
        c->execIds.erase(id);
        break;
      }
    }
    if (c->execIds.size() >= kMaxExecsPerContainer)
      return conflict("container " + i.id + " has too many exec instances running");
  }
  // The exec's process joins the container's cgroups a few milliseconds from now (after the
  // client's start request): pay the kernel's first-attach wait in the background meanwhile
  // (runtime/cgroup/attach_warmup.h), as create and start do.
  cgroupPrewarm_.kick();
  ExecRecord rec;
  rec.info.id = randomHex(32);
  rec.info.containerId = i.id;
  rec.info.config = cfg;
  std::string id = rec.info.id;
  c->execIds.insert(id);
  execs_[id] = std::move(rec);
  publishExec(id, "exec_create");
  return id;
}

Result<ExecInfo> ContainerManager::inspectExec(const std::string& execId) {
  auto it = execs_.find(execId);
  if (it != execs_.end()) return it->second.info;
  // An exec started before a daemon restart: its shim still knows it.
  for (auto& [cid, c] : containers_) {
    if (!c->shim) continue;
    shim::TaskRequest req;
    req.op = "exec-state";
    req.execId = execId;
    auto rep = c->shim->call(req);
    if (!rep.ok()) continue;
    ExecInfo info;
    info.id = execId;
    info.containerId = cid;
    info.started = true;
    info.running = rep->running;
    info.pid = rep->pid;
    if (!rep->running) info.exitCode = rep->exitCode;
    return info;
  }
  return notFound("No such exec instance: " + execId);
}

void ContainerManager::startExec(const std::string& execId, bool detach,
                                 std::function<void(Result<ExecStreams>)> done) {
  auto it = execs_.find(execId);
  if (it == execs_.end()) return done(notFound("No such exec instance: " + execId));
  ExecInfo& info = it->second.info;
  if (info.running) return done(conflict("Error: Exec command " + execId + " is already running"));
  if (info.started) return done(conflict("Error: Exec command " + execId + " has already run"));
  auto found = find(info.containerId);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  const ContainerInfo& ci = c->rec.info;
  if (ci.state.status != ContainerStatus::kRunning || !c->shim)
    return done(conflict("container " + ci.id + " is not running"));
  const ExecConfig& cfg = info.config;
  info.started = true;

  shim::TaskRequest req;
  req.op = "exec";
  req.execId = execId;
  req.args = cfg.cmd;
  req.env = cfg.env;
  req.cwd = cfg.workingDir;
  req.tty = cfg.tty;
  req.privileged = cfg.privileged;
  req.detach = detach;
  req.stdinOn = cfg.attachStdin && !detach;
  req.stdoutOn = cfg.attachStdout;
  req.stderrOn = cfg.attachStderr;
  if (cfg.consoleHeight > 0 && cfg.consoleWidth > 0) {
    req.rows = static_cast<unsigned>(std::min(cfg.consoleHeight, 65535));
    req.cols = static_cast<unsigned>(std::min(cfg.consoleWidth, 65535));
  }
  auto user = resolveUser(cfg.user.empty() ? ci.spec.user : cfg.user, ci.rootfsPath);
  if (!user.ok()) {
    info.exitCode = 126;
    return done(std::move(user).error());
  }
  req.uid = user->uid;
  req.gid = user->gid;
  req.gids = user->additionalGids;

  // The exec's exit: from its stream (attached) or from a wait request (detached).
  auto onExit = [this, execId](int code) { execExited(execId, code); };
  auto session = std::make_shared<ShimSession>(onExit);
  auto doneP = std::make_shared<std::function<void(Result<ExecStreams>)>>(std::move(done));
  auto onReply = [this, execId, detach, session, c, doneP](Result<shim::TaskReply> rep) mutable {
    auto done = std::move(*doneP);
    auto it = execs_.find(execId);
    if (it == execs_.end()) return done(notFound("No such exec instance: " + execId));
    ExecRecord& rec = it->second;
    if (!rep.ok()) {
      rec.info.exitCode = execStartExitCode(rep.error());
      return done(std::move(rep).error());
    }
    rec.info.running = true;
    rec.info.pid = rep->pid;
    publishExec(execId, "exec_start");
    if (detach) {
      shim::TaskRequest w;
      w.op = "wait";
      w.execId = execId;
      if (!c->shim) return done(ExecStreams{});  // the container ended meanwhile
      auto ws = c->shim->stream(w, [this, execId](Result<shim::TaskReply> r) {
        // Posted: this callback runs inside the stream being released.
        boost::asio::post(
            io_, [this, execId, code = r.ok() ? r->exitCode : -1] { execExited(execId, code); });
      });
      if (ws.ok()) rec.waiter = std::move(*ws);
      return done(ExecStreams{});
    }
    ExecStreams streams;
    streams.output = session->reader();
    if (rec.info.config.attachStdin) streams.input = session->writer();
    done(std::move(streams));
  };
  auto stream = c->shim->exec(req, std::move(onReply));
  if (!stream.ok()) {
    // onReply was not called: the shim is gone (the container is stopping).
    info.exitCode = 126;
    return (*doneP)(std::move(stream).error());
  }
  session->connect(std::move(*stream));
}

Status ContainerManager::resizeExec(const std::string& execId, int height, int width) {
  auto it = execs_.find(execId);
  if (it == execs_.end()) return notFound("No such exec instance: " + execId);
  const ExecInfo& info = it->second.info;
  if (!info.running) return conflict("Exec " + execId + " is not running");
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(info.containerId));
  if (!info.config.tty || height <= 0 || width <= 0) return okStatus();
  if (!c->shim) return conflict("container " + c->rec.info.id + " is not running");
  shim::TaskRequest req;
  req.op = "resize";
  req.execId = execId;
  req.rows = static_cast<unsigned>(std::min(height, 65535));
  req.cols = static_cast<unsigned>(std::min(width, 65535));
  WHARF_TRY(c->shim->call(req));
  return okStatus();
}

void ContainerManager::execExited(const std::string& execId, int code) {
  auto it = execs_.find(execId);
  if (it == execs_.end() || !it->second.info.running) return;
  it->second.info.running = false;
  it->second.info.exitCode = code;
  it->second.waiter.reset();
  log::info("exec {} exited with {}", execId.substr(0, 12), code);
  publishExec(execId, "exec_die", {{"exitCode", std::to_string(code)}});
}

// docker's exec events: "exec_create: <cmd>", "exec_start: <cmd>", "exec_die" (exitCode), each
// with the container's attributes and execID (moby's daemon/exec.go).
void ContainerManager::publishExec(const std::string& execId, const std::string& action,
                                   const std::map<std::string, std::string>& extra) {
  auto it = execs_.find(execId);
  if (it == execs_.end()) return;
  auto c = containers_.find(it->second.info.containerId);
  if (c == containers_.end()) return;
  std::string name = action;
  if (action != "exec_die") {
    std::string cmd;
    for (const auto& a : it->second.info.config.cmd) cmd += (cmd.empty() ? "" : " ") + a;
    name += ": " + cmd;
  }
  auto attrs = extra;
  attrs["execID"] = execId;
  publish(*c->second, name, attrs);
}

void ContainerManager::forgetExecs(Container& c) {
  for (const auto& id : c.execIds) execs_.erase(id);
  c.execIds.clear();
}

}  // namespace wharf::engine
