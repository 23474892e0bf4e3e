// Engine: restart policies (docker's --restart no|always|unless-stopped|on-failure[:N]).
//
// When a container exits, a policy may start it again after a back-off that doubles from
// 100 ms up to 1 minute, and starts over once a run lasted at least 10 seconds (as dockerd's
// restart manager). A container stopped or killed by a user is not restarted (until the
// daemon restarts, for "always"). While waiting the container shows as "restarting".
#include "common/log.h"
#include "engine/engine.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {

namespace {

constexpr int64_t kBaseDelayMs = 100;
constexpr int64_t kMaxDelayMs = 60 * 1000;
constexpr int64_t kResetAfterNs = 10LL * 1000 * 1000 * 1000;

}  // namespace

bool Engine::shouldRestart(const Container& c) const {
  const ContainerInfo& i = c.rec.info;
  const std::string& p = i.spec.restartPolicy;
  if (c.removing || c.rec.manuallyStopped || i.spec.autoRemove) return false;
  if (p == "always" || p == "unless-stopped") return true;
  if (p == "on-failure") {
    if (i.state.exitCode == 0) return false;
    return i.spec.restartMaxRetries <= 0 || i.restartCount < i.spec.restartMaxRetries;
  }
  return false;
}

void Engine::scheduleRestart(ContainerPtr c) {
  ContainerInfo& i = c->rec.info;
  // Runs that lasted long enough reset the back-off.
  auto started = shim::parseTime(i.state.startedAt);
  auto finished = shim::parseTime(i.state.finishedAt);
  bool longRun = started.ok() && finished.ok() && *finished - *started >= kResetAfterNs;
  int attempt = longRun ? 0 : std::min(i.restartCount, 20);
  int64_t delay = std::min(kMaxDelayMs, kBaseDelayMs << attempt);
  i.state.status = ContainerStatus::kRestarting;
  Status st = persist(*c);
  if (!st.ok()) log::warn("persist container {}: {}", i.id, st.error().message());
  log::info("container {} exited ({}): restarting in {} ms (policy {})", i.id.substr(0, 12),
            i.state.exitCode, delay, i.spec.restartPolicy);
  c->restartTimer = std::make_unique<boost::asio::steady_timer>(io_);
  c->restartTimer->expires_after(std::chrono::milliseconds(delay));
  std::weak_ptr<Container> weak = c;
  c->restartTimer->async_wait([this, weak](const boost::system::error_code& ec) {
    auto c = weak.lock();
    if (ec || !c || c->removing || c->rec.info.state.status != ContainerStatus::kRestarting) {
      return;
    }
    c->restartTimer.reset();
    ++c->rec.info.restartCount;
    // startContainer wants a non-running status: the restart is a plain start.
    c->rec.info.state.status = ContainerStatus::kExited;
    startContainer(c->rec.info.id, [this, c](Status st, bool) {
      if (st.ok()) return;
      log::warn("restart of {} failed: {}", c->rec.info.id, st.error().message());
      if (c->rec.info.state.status != ContainerStatus::kRunning && shouldRestart(*c)) {
        scheduleRestart(c);
      }
    });
  });
}

void Engine::cancelRestart(Container& c) {
  if (c.restartTimer) {
    c.restartTimer->cancel();
    c.restartTimer.reset();
  }
  if (c.rec.info.state.status == ContainerStatus::kRestarting) {
    c.rec.info.state.status = ContainerStatus::kExited;
  }
}

}  // namespace wharf::engine
