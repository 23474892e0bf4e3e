// ContainerManager::containerStats: one sample of a container's resource usage, asked of its
// shim (the task API's `stats` op) over an asynchronous request, so that twenty `docker stats`
// streams cost the loop twenty short socket round trips a second and no blocking read. The
// daemon keeps nothing per container for it (docs/decisions.md).
#include "common/log.h"
#include "engine/container_manager.h"

namespace wharf::engine {

void ContainerManager::containerStats(const std::string& idOrName,
                                      std::function<void(Result<ContainerStatsReport>)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  const ContainerPtr& c = *found;
  const ContainerInfo& i = c->rec.info;
  ContainerStatsReport report{i.id, i.name, std::nullopt};
  // Paused counts as running (docker's IsRunning); a restarting container has no sample.
  bool running =
      (i.state.status == ContainerStatus::kRunning || i.state.status == ContainerStatus::kPaused) &&
      c->shim;
  if (!running) return done(std::move(report));

  shim::TaskRequest req;
  req.op = "stats";
  // The stream holds itself while its read is pending; `keep` holds it until the reply, and
  // the callback drops it (the reply is the whole answer: the shim then closes).
  auto keep = std::make_shared<std::shared_ptr<ShimStream>>();
  auto s = c->shim->stream(req, [keep, report, done](Result<shim::TaskReply> r) mutable {
    auto self = std::move(*keep);  // released when this callback returns
    if (r.ok()) {
      report.sample = std::move(r->stats);
      return done(std::move(report));
    }
    // It stopped between the check and the read: docker's answer for a stopped container.
    if (r.error().category() == ErrorCategory::kConflict) return done(std::move(report));
    if (shim::isUnknownOp(r.error()))
      return done(notImplemented("the shim of container " + report.id +
                                 " was started by an older wharf and has no stats; restart the "
                                 "container to see them"));
    log::warn("stats of {}: {}", report.id, r.error().message());
    done(std::move(r).error());
  });
  if (!s.ok()) {
    // No shim to talk to any more (it is exiting): not running.
    if (s.error().category() == ErrorCategory::kConflict) return done(std::move(report));
    return done(std::move(s).error());
  }
  *keep = std::move(*s);
}

}  // namespace wharf::engine
