// ContainerManager: wait, stop (signal, timeout, SIGKILL), kill, pause/unpause, restart, and
// restart policies (docker's --restart no|always|unless-stopped|on-failure[:N]).
//
// When a container exits, a policy may start it again after a back-off that doubles from
// 100 ms up to 1 minute, and starts over once a run lasted at least 10 seconds (as dockerd's
// restart manager). A container stopped or killed by a user is not restarted (until the
// daemon restarts, for "always"). While waiting the container shows as "restarting".
#include <signal.h>

#include <boost/asio/steady_timer.hpp>

#include "common/log.h"
#include "common/signals.h"
#include "common/time.h"
#include "engine/container_manager.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {

namespace asio = boost::asio;

namespace {

constexpr int64_t kBaseDelayMs = 100;
constexpr int64_t kMaxDelayMs = 60LL * 1000;
constexpr int64_t kResetAfterNs = 10LL * 1000 * 1000 * 1000;

bool isLive(const Container& c) {
  auto s = c.rec.info.state.status;
  return s == ContainerStatus::kRunning || s == ContainerStatus::kPaused;
}

}  // namespace

void ContainerManager::waitContainer(const std::string& idOrName, WaitCondition cond,
                                     std::function<void(Result<WaitResult>)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  const ContainerState& s = c->rec.info.state;
  switch (cond) {
    case WaitCondition::kNotRunning:
      if (!isLive(*c) && !c->rec.starting) return done(WaitResult{s.exitCode, s.error});
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

void ContainerManager::stopContainer(const std::string& idOrName, std::optional<int> timeoutSeconds,
                                     std::function<void(Status)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  const ContainerInfo& i = c->rec.info;
  setManuallyStopped(*c, true);
  cancelRestart(*c);
  if (!isLive(*c) || !c->shim) return done(okStatus());
  int sig = SIGTERM;
  if (!i.spec.stopSignal.empty()) {
    auto parsed = parseSignal(i.spec.stopSignal);
    if (parsed.ok()) sig = *parsed;
  }
  int timeout = timeoutSeconds.value_or(i.spec.stopTimeout.value_or(10));
  if (timeout < 0) timeout = -1;  // docker: -1 waits forever
  auto timer = std::make_shared<asio::steady_timer>(io_);
  c->exitWaiters.push_back([this, c, timer, done](const Result<WaitResult>&) {
    timer->cancel();
    publish(*c, "stop");
    done(okStatus());
  });
  // A paused container gets the signal once thawed (docker thaws it, then signals).
  bool paused = i.state.status == ContainerStatus::kPaused;
  int first = timeout == 0 ? SIGKILL : sig;
  publish(*c, "kill", {{"signal", std::to_string(first)}});
  if (Status st = c->shim->kill(first); !st.ok())
    log::warn("stop {}: {}", i.id, st.error().message());
  if (paused) {
    if (Status st = c->shim->resume(); !st.ok())
      log::warn("unpause {} to stop it: {}", i.id, st.error().message());
    else
      setPaused(*c, false);
  }
  if (timeout > 0) {
    timer->expires_after(std::chrono::seconds(timeout));
    std::weak_ptr<Container> weak = c;
    timer->async_wait([this, weak](const boost::system::error_code& ec) {
      auto c = weak.lock();
      if (ec || !c || !isLive(*c) || !c->shim) return;
      log::info("container {} did not stop in time: SIGKILL", c->rec.info.id.substr(0, 12));
      publish(*c, "kill", {{"signal", std::to_string(SIGKILL)}});
      (void)c->shim->kill(SIGKILL);
    });
  }
}

Status ContainerManager::killContainer(const std::string& idOrName, const std::string& signal) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  int sig = SIGKILL;
  if (!signal.empty()) {
    WHARF_ASSIGN_OR_RETURN(sig, parseSignal(signal));
  }
  if (!isLive(*c) || !c->shim) {
    return conflict("cannot kill container: " + idOrName + ": container " + c->rec.info.id +
                    " is not running");
  }
  setManuallyStopped(*c, true);  // no restart by policy after a kill
  publish(*c, "kill", {{"signal", std::to_string(sig)}});
  WHARF_TRY(c->shim->kill(sig));
  // SIGKILL reaches a frozen process only once thawed (docker does the same).
  if (sig == SIGKILL && c->rec.info.state.status == ContainerStatus::kPaused) {
    WHARF_TRY(c->shim->resume());
    setPaused(*c, false);
  }
  return okStatus();
}

Status ContainerManager::pauseContainer(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  const ContainerInfo& i = c->rec.info;
  if (i.state.status == ContainerStatus::kPaused)
    return conflict("Container " + i.id + " is already paused");
  if (i.state.status != ContainerStatus::kRunning || !c->shim)
    return conflict("Container " + i.id + " is not running");
  WHARF_TRY_CTX(c->shim->pause(), "Cannot pause container " + i.id);
  setPaused(*c, true);
  return okStatus();
}

Status ContainerManager::unpauseContainer(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  const ContainerInfo& i = c->rec.info;
  if (i.state.status != ContainerStatus::kPaused || !c->shim)
    return conflict("Container " + i.id + " is not paused");
  WHARF_TRY_CTX(c->shim->resume(), "Cannot unpause container " + i.id);
  setPaused(*c, false);
  return okStatus();
}

void ContainerManager::restartContainer(const std::string& idOrName,
                                        std::optional<int> timeoutSeconds,
                                        std::function<void(Status)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  std::string id = (*found)->rec.info.id;
  stopContainer(id, timeoutSeconds, [this, id, done](Status st) {
    if (!st.ok()) return done(std::move(st));
    startContainer(id, [this, id, done](Status st2, bool) {
      if (st2.ok()) {
        if (auto c = find(id); c.ok()) publish(**c, "restart");
      }
      done(std::move(st2));
    });
  });
}

bool ContainerManager::shouldRestart(const Container& c) const {
  const ContainerInfo& i = c.rec.info;
  const std::string& p = i.spec.restartPolicy;
  if (c.pendingRemove || c.rec.manuallyStopped || i.spec.autoRemove) return false;
  if (i.state.status == ContainerStatus::kRemoving || i.state.status == ContainerStatus::kDead)
    return false;
  if (p == "always" || p == "unless-stopped") return true;
  if (p == "on-failure") {
    if (i.state.exitCode == 0) return false;
    return i.spec.restartMaxRetries <= 0 || i.restartCount < i.spec.restartMaxRetries;
  }
  return false;
}

void ContainerManager::scheduleRestart(const ContainerPtr& c) {
  ContainerInfo& i = c->rec.info;
  // Runs that lasted long enough reset the back-off.
  auto started = parseRfc3339(i.state.startedAt);
  auto finished = parseRfc3339(i.state.finishedAt);
  bool longRun = started.ok() && finished.ok() && *finished - *started >= kResetAfterNs;
  int attempt = longRun ? 0 : std::min(i.restartCount, 20);
  int64_t delay = std::min(kMaxDelayMs, kBaseDelayMs << attempt);
  if (i.state.status != ContainerStatus::kRestarting) setRestarting(*c);
  log::info("container {} exited ({}): restarting in {} ms (policy {})", i.id.substr(0, 12),
            i.state.exitCode, delay, i.spec.restartPolicy);
  c->restartTimer = std::make_unique<asio::steady_timer>(io_);
  c->restartTimer->expires_after(std::chrono::milliseconds(delay));
  std::weak_ptr<Container> weak = c;
  c->restartTimer->async_wait([this, weak](const boost::system::error_code& ec) {
    auto c = weak.lock();
    if (ec || !c || c->rec.info.state.status != ContainerStatus::kRestarting) return;
    c->restartTimer.reset();
    ++c->rec.info.restartCount;
    c->policyStart = true;
    doStart(c, [c](const Status& st, bool) {
      if (!st.ok()) log::warn("restart of {} failed: {}", c->rec.info.id, st.error().message());
    });
  });
}

}  // namespace wharf::engine
