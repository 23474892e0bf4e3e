// `docker container prune` (engine/container_fs.h): moby's daemon/prune.go ContainersPrune.
#include <boost/asio/post.hpp>
#include <map>
#include <memory>
#include <utility>

#include "common/log.h"
#include "common/time.h"
#include "engine/container_fs.h"
#include "engine/container_manager.h"
#include "engine/disk_usage.h"

namespace wharf::engine {

namespace {

// filters.Args.MatchKVList for one value: "k" needs the key, "k=v" the value too.
bool pruneLabelMatches(const std::map<std::string, std::string>& labels, const std::string& f) {
  size_t eq = f.find('=');
  if (eq == std::string::npos) return labels.count(f) > 0;
  auto it = labels.find(f.substr(0, eq));
  return it != labels.end() && it->second == f.substr(eq + 1);
}

}  // namespace

Result<ContainerPruneFilter> parseContainerPruneFilters(const Filters& filters, int64_t nowNanos) {
  ContainerPruneFilter out;
  for (const auto& [key, values] : filters) {
    if (key != "until" && key != "label" && key != "label!")
      return invalidArgument("invalid filter '" + key + "'");
  }
  for (const auto& [key, values] : filters) {
    for (const auto& v : values) {
      if (key == "until") {
        // moby's getUntilFromPruneFilters: one value only.
        if (values.size() > 1) return invalidArgument("more than one until filter specified");
        WHARF_ASSIGN_OR_RETURN(int64_t t, parseTimestamp(v, nowNanos));
        out.untilNanos = t;
      } else if (key == "label") {
        out.labels.push_back(v);
      } else {
        out.notLabels.push_back(v);
      }
    }
  }
  return out;
}

bool containerPrunable(const ContainerInfo& c, const ContainerPruneFilter& f) {
  switch (c.state.status) {
    case ContainerStatus::kCreated:
    case ContainerStatus::kExited:
    case ContainerStatus::kDead:
      break;
    default:
      return false;
  }
  if (f.untilNanos) {
    auto created = parseRfc3339(c.created);
    int64_t createdNanos = created.ok() ? *created : c.createdUnix * 1'000'000'000;
    if (createdNanos > *f.untilNanos) return false;
  }
  for (const auto& l : f.labels) {
    if (!pruneLabelMatches(c.spec.labels, l)) return false;
  }
  if (!f.notLabels.empty()) {
    bool all = true;
    for (const auto& l : f.notLabels) all = all && pruneLabelMatches(c.spec.labels, l);
    if (all) return false;
  }
  return true;
}

ContainerFsService::ContainerFsService(boost::asio::io_context& io, boost::asio::thread_pool& pool,
                                       ContainerManager& containers, ContainerImages& images,
                                       DiskUsageService& diskUsage, EventPublisher& events,
                                       std::filesystem::path tmpDir)
    : io_(io),
      pool_(pool),
      containers_(containers),
      images_(images),
      diskUsage_(diskUsage),
      events_(events),
      tmpDir_(std::move(tmpDir)) {}

struct ContainerFsService::PruneJob {
  ContainerPruneFilter filter;
  std::vector<ContainerDiskUsage> candidates;
  size_t next = 0;
  ContainerPruneReport report;
  std::function<void(Result<ContainerPruneReport>)> done;
};

void ContainerFsService::prune(const Filters& filters,
                               std::function<void(Result<ContainerPruneReport>)> done) {
  if (pruneRunning_) return done(conflict("a prune operation is already running"));
  auto f = parseContainerPruneFilters(filters, nowNanos());
  if (!f.ok()) return done(std::move(f).error());
  pruneRunning_ = true;
  auto job = std::make_shared<PruneJob>();
  job->filter = std::move(*f);
  job->done = std::move(done);
  // The writable layers are measured before anything goes (moby: GetContainerLayerSize, then
  // containerRm), off the loop by the same service as system df.
  DiskUsageOptions opts{false, true, false, false};
  diskUsage_.collect(opts, [this, job](Result<DiskUsage> du) {
    if (!du.ok()) {
      pruneRunning_ = false;
      return job->done(std::move(du).error());
    }
    for (auto& c : du->containers) {
      if (containerPrunable(c.container, job->filter)) job->candidates.push_back(std::move(c));
    }
    pruneNext(job);
  });
}

void ContainerFsService::pruneNext(const std::shared_ptr<PruneJob>& job) {
  // Re-checked now: a container may have started or gone since it was listed.
  while (job->next < job->candidates.size()) {
    auto now = containers_.inspectContainer(job->candidates[job->next].container.id);
    if (now.ok() && containerPrunable(*now, job->filter)) break;
    ++job->next;
  }
  if (job->next >= job->candidates.size()) {
    Event e;
    e.type = "container";
    e.action = "prune";
    e.attributes["reclaimed"] = std::to_string(job->report.spaceReclaimed);
    events_.publish(std::move(e));
    pruneRunning_ = false;
    return job->done(std::move(job->report));
  }
  const ContainerDiskUsage& c = job->candidates[job->next++];
  std::string id = c.container.id;
  int64_t size = c.sizeRw;
  containers_.removeContainer(id, false, false, [this, job, id, size](const Status& st) {
    if (!st.ok()) {
      // moby logs and goes on with the others.
      log::warn("failed to prune container {}: {}", id.substr(0, 12), st.error().message());
    } else {
      if (size > 0) job->report.spaceReclaimed += size;
      job->report.deleted.push_back(id);
    }
    // Posted: a remove that completes at once must not grow the stack per container.
    boost::asio::post(io_, [this, job] { pruneNext(job); });
  });
}

void ContainerManager::pruneContainers(
    const std::map<std::string, std::vector<std::string>>& filters,
    std::function<void(Result<ContainerPruneReport>)> done) {
  if (!fs_) return done(notImplemented("container prune is not supported"));
  fs_->prune(filters, std::move(done));
}

void ContainerManager::containerChanges(
    const std::string& idOrName, std::function<void(Result<std::vector<FilesystemChange>>)> done) {
  if (!fs_) return done(notImplemented("changes of " + idOrName + " are not supported"));
  fs_->changes(idOrName, std::move(done));
}

void ContainerManager::containerTop(const std::string& idOrName, const std::string& psArgs,
                                    std::function<void(Result<ContainerTop>)> done) {
  if (!fs_) return done(notImplemented("top of " + idOrName + " is not supported"));
  fs_->top(idOrName, psArgs, std::move(done));
}

void ContainerManager::exportContainer(const std::string& idOrName,
                                       std::function<void(Result<UniqueFd>)> done) {
  if (!fs_) return done(notImplemented("export of " + idOrName + " is not supported"));
  fs_->exportFs(idOrName, std::move(done));
}

}  // namespace wharf::engine
