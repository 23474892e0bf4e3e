// ContainerManager: the state machine. Every change of a container's status goes through
// here (moby's container/state.go as the model): each transition is checked against the
// table, then the record changes, is persisted, waiters and log readers are woken and the
// event is published. Nothing else in the engine writes a status, the `starting` mark or
// `manuallyStopped`.
#include <algorithm>

#include "common/log.h"
#include "common/time.h"
#include "engine/container_manager.h"
#include "engine/events.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {

namespace {

using S = ContainerStatus;

bool oneOf(S s, std::initializer_list<S> set) {
  for (S x : set)
    if (x == s) return true;
  return false;
}

}  // namespace

const char* transitionName(Transition t) {
  switch (t) {
    case Transition::kBeginStart:
      return "start";
    case Transition::kRunning:
      return "run";
    case Transition::kStartFailed:
      return "fail the start of";
    case Transition::kExited:
      return "record the exit of";
    case Transition::kRestarting:
      return "restart";
    case Transition::kCancelRestart:
      return "cancel the restart of";
    case Transition::kPaused:
      return "pause";
    case Transition::kUnpaused:
      return "unpause";
    case Transition::kRemoving:
      return "remove";
    case Transition::kDead:
      return "mark dead";
    case Transition::kRemoved:
      return "finish removing";
  }
  return "change";
}

Status checkTransition(S from, bool starting, Transition t) {
  bool ok = false;
  switch (t) {
    case Transition::kBeginStart:
      ok = !starting && oneOf(from, {S::kCreated, S::kExited, S::kRestarting});
      break;
    case Transition::kRunning:
    case Transition::kStartFailed:
      ok = starting;
      break;
    case Transition::kExited:
      // Starting: the run began and ended while no daemon watched (live restore).
      ok = starting || oneOf(from, {S::kRunning, S::kPaused});
      break;
    case Transition::kRestarting:
      ok = !starting && from == S::kExited;
      break;
    case Transition::kCancelRestart:
      ok = !starting && from == S::kRestarting;
      break;
    case Transition::kPaused:
      ok = !starting && from == S::kRunning;
      break;
    case Transition::kUnpaused:
      ok = from == S::kPaused;
      break;
    case Transition::kRemoving:
      ok = !starting && oneOf(from, {S::kCreated, S::kExited, S::kDead});
      break;
    case Transition::kDead:
    case Transition::kRemoved:
      ok = from == S::kRemoving;
      break;
  }
  if (ok) return okStatus();
  return conflict(std::string("cannot ") + transitionName(t) + " a container that is " +
                  (starting ? "starting" : statusName(from)));
}

Status ContainerManager::transition(Container& c, Transition t) {
  ContainerState& s = c.rec.info.state;
  WHARF_TRY(checkTransition(s.status, c.rec.starting, t));
  switch (t) {
    case Transition::kBeginStart:
      c.rec.starting = true;
      break;
    case Transition::kRunning:
      c.rec.starting = false;
      s.status = S::kRunning;
      break;
    case Transition::kStartFailed:
      c.rec.starting = false;
      break;
    case Transition::kExited:
      c.rec.starting = false;
      s.status = S::kExited;
      break;
    case Transition::kRestarting:
      s.status = S::kRestarting;
      break;
    case Transition::kCancelRestart:
      s.status = S::kExited;
      break;
    case Transition::kPaused:
      s.status = S::kPaused;
      break;
    case Transition::kUnpaused:
      s.status = S::kRunning;
      break;
    case Transition::kRemoving:
      s.status = S::kRemoving;
      break;
    case Transition::kDead:
      s.status = S::kDead;
      break;
    case Transition::kRemoved:
      break;
  }
  return okStatus();
}

void ContainerManager::publish(const Container& c, const std::string& action,
                               const std::map<std::string, std::string>& extra) {
  events_.publish(containerEvent(c.rec.info, action, extra));
}

Status ContainerManager::beginStart(Container& c) {
  WHARF_TRY(transition(c, Transition::kBeginStart));
  cgroupPrewarm_.kick();
  // Not persisted yet: the record says "starting" once the bundle is ready, right before the
  // shim is launched (container_start.cpp), so a daemon death finds the shim again.
  return okStatus();
}

void ContainerManager::setRunning(const ContainerPtr& c, std::unique_ptr<ShimHandle> shim,
                                  bool keepStartedAt) {
  ContainerInfo& i = c->rec.info;
  if (Status st = transition(*c, Transition::kRunning); !st.ok()) {
    log::warn("container {}: {}", i.id, st.error().message());
    return;
  }
  i.state.pid = shim->initPid();
  i.state.exitCode = 0;
  i.state.error.clear();
  i.state.oomKilled = false;
  c->rec.oomKillsReported = 0;
  if (!keepStartedAt) i.state.startedAt = formatRfc3339Nano(nowNanos());
  c->rec.shimPid = shim->shimPid();
  c->shim = std::move(shim);
  if (Status st = persist(*c); !st.ok())
    log::warn("persist container {}: {}", i.id, st.error().message());
  std::weak_ptr<Container> weak = c;
  c->shim->watchExit([this, weak](const shim::ExitStatus& es) {
    if (auto c = weak.lock()) onShimExit(c, es);
  });
  watchOom(c);
  if (!keepStartedAt) publish(*c, "start");
  log::info("container {} running (init {}, shim {})", i.id.substr(0, 12), i.state.pid,
            c->rec.shimPid);
}

void ContainerManager::adoptRunning(const ContainerPtr& c, std::unique_ptr<ShimHandle> shim) {
  // Live restore of a container the record already says runs: no transition, no event.
  ContainerInfo& i = c->rec.info;
  if (shim->initPid() > 0) i.state.pid = shim->initPid();
  c->rec.shimPid = shim->shimPid();
  c->shim = std::move(shim);
  if (Status st = persist(*c); !st.ok())
    log::warn("persist container {}: {}", i.id, st.error().message());
  std::weak_ptr<Container> weak = c;
  c->shim->watchExit([this, weak](const shim::ExitStatus& es) {
    if (auto c = weak.lock()) onShimExit(c, es);
  });
  watchOom(c);
}

void ContainerManager::watchOom(const ContainerPtr& c) {
  // docker's "oom" event when the kernel OOM-kills a process of the container; the exit that
  // follows (if the init was the one) shows State.OOMKilled.
  std::weak_ptr<Container> weak = c;
  c->shim->watchOom(c->rec.oomKillsReported, [this, weak](uint64_t kills) {
    auto c = weak.lock();
    if (!c || kills <= c->rec.oomKillsReported) return;
    c->rec.oomKillsReported = kills;
    c->rec.info.state.oomKilled = true;
    if (Status st = persist(*c); !st.ok())
      log::warn("persist container {}: {}", c->rec.info.id, st.error().message());
    publish(*c, "oom");
  });
}

void ContainerManager::setStartFailed(const ContainerPtr& c, const Error& e) {
  ContainerInfo& i = c->rec.info;
  if (Status st = transition(*c, Transition::kStartFailed); !st.ok()) {
    log::warn("container {}: {}", i.id, st.error().message());
    return;
  }
  // As docker: the container keeps its status (created) with the error and a shell-like
  // exit code: 127 for a missing command, 126 when it cannot be run.
  i.state.error = e.message();
  i.state.exitCode = 128;
  if (e.category() == ErrorCategory::kNotFound) i.state.exitCode = 127;
  if (e.category() == ErrorCategory::kForbidden ||
      e.message().find("permission denied") != std::string::npos)
    i.state.exitCode = 126;
  if (Status st = persist(*c); !st.ok())
    log::warn("persist container {}: {}", i.id, st.error().message());
  publish(*c, "die", {{"exitCode", std::to_string(i.state.exitCode)}});
  endRun(*c, WaitResult{i.state.exitCode, i.state.error});
}

void ContainerManager::setExited(const ContainerPtr& c, const shim::ExitStatus& es) {
  ContainerInfo& i = c->rec.info;
  if (Status st = transition(*c, Transition::kExited); !st.ok()) {
    log::warn("container {}: {}", i.id, st.error().message());
    return;
  }
  i.state.exitCode = es.exitCode;
  i.state.pid = 0;
  i.state.error = es.error;
  i.state.finishedAt = formatRfc3339Nano(es.finishedAtNanos ? es.finishedAtNanos : nowNanos());
  // Kills the shim counted that no "oom" event told yet (the last one races the exit, or no
  // daemon was there): told now, before "die", as docker orders them.
  bool unreported = es.oomKills > c->rec.oomKillsReported;
  if (es.oomKills > 0) i.state.oomKilled = true;
  c->rec.oomKillsReported = std::max(c->rec.oomKillsReported, es.oomKills);
  c->rec.shimPid = 0;
  c->shim.reset();
  if (Status st = persist(*c); !st.ok())
    log::warn("persist container {}: {}", i.id, st.error().message());
  if (unreported) publish(*c, "oom");
  publish(*c, "die", {{"exitCode", std::to_string(es.exitCode)}});
  endRun(*c, WaitResult{es.exitCode, es.error});
}

void ContainerManager::setRestarting(Container& c) {
  if (Status st = transition(c, Transition::kRestarting); !st.ok()) {
    log::warn("container {}: {}", c.rec.info.id, st.error().message());
    return;
  }
  if (Status st = persist(c); !st.ok())
    log::warn("persist container {}: {}", c.rec.info.id, st.error().message());
}

void ContainerManager::cancelRestart(Container& c) {
  if (c.restartTimer) {
    c.restartTimer->cancel();
    c.restartTimer.reset();
  }
  if (c.rec.info.state.status != S::kRestarting || c.rec.starting) return;
  (void)transition(c, Transition::kCancelRestart);
  if (Status st = persist(c); !st.ok())
    log::warn("persist container {}: {}", c.rec.info.id, st.error().message());
}

void ContainerManager::setPaused(Container& c, bool paused) {
  if (Status st = transition(c, paused ? Transition::kPaused : Transition::kUnpaused); !st.ok())
    return;
  if (Status st = persist(c); !st.ok())
    log::warn("persist container {}: {}", c.rec.info.id, st.error().message());
  publish(c, paused ? "pause" : "unpause");
}

void ContainerManager::setManuallyStopped(Container& c, bool stopped) {
  if (c.rec.manuallyStopped == stopped) return;
  c.rec.manuallyStopped = stopped;
  if (Status st = persist(c); !st.ok())
    log::warn("persist container {}: {}", c.rec.info.id, st.error().message());
}

void ContainerManager::endRun(Container& c, const WaitResult& r) {
  // Attaches waiting for a start that failed (or a removal) end now; live ones end with the
  // shim's stream.
  endWaitingAttaches(c);
  ++c.runsEnded;
  wakeReaders(c);
  auto waiters = std::move(c.exitWaiters);
  c.exitWaiters.clear();
  for (auto& w : waiters) w(r);
}

void ContainerManager::wakeReaders(Container& c) {
  auto& w = c.logWakers;
  w.erase(std::remove_if(w.begin(), w.end(), [](const std::function<bool()>& f) { return !f(); }),
          w.end());
}

}  // namespace wharf::engine
