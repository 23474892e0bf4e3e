#pragma once
// engine::ContainerManager: containers behind the API (ContainerBackend): create, lifecycle
// (start, stop, kill, pause, restart policy), live restore, logs and attach. One state
// machine owns every status change (container_state.cpp: it persists, wakes waiters and log
// readers, and publishes the event).
//
// Files it owns (DESIGN.md's layout):
//   <data-root>/containers/<id>/   hostname hosts resolv.conf <id>-json.log upper/ work/
//                                  merged/ (the overlay rootfs, mounted while running)
//   <exec-root>/containers/<id>/   the bundle: config.json, exit (the shim's exit file)
// The truth about each container is its record (engine/container_record.h) in the DB; the
// in-memory table is a cache of it, plus waiters and watchers.
//
// Seams: images (container_images.h), the shim (shim_launcher.h), the rootfs mount
// (rootfs.h), events (EventPublisher), and the components that prepare networks and volumes
// (container_resources.h). Everything runs on the io_context thread; the loop never waits on
// an unpack (ContainerImages::unpackImage calls back) or on a process (ShimLauncher).

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/container_images.h"
#include "engine/container_resources.h"
#include "engine/internal/container.h"
#include "engine/network_service.h"
#include "engine/rootfs.h"
#include "engine/shim_launcher.h"
#include "runtime/cgroup/attach_warmup.h"

namespace wharf::store {
class MetadataDb;
}

namespace wharf::engine {

class ContainerFsService;
class ContainerNetworking;

struct ContainerManagerConfig {
  std::filesystem::path dataRoot = "/var/lib/wharf";
  std::filesystem::path execRoot = "/run/wharf";
};

// Counts for /info.
struct ContainerCounts {
  int total = 0, running = 0, paused = 0, stopped = 0;
};

// The state machine's transition table (moby's container/state.go as the model). "Starting"
// is not a status docker shows: it is the record's `starting` mark on a created, exited or
// restarting container. Conflict (with what was asked and the current status) when refused.
enum class Transition {
  kBeginStart,     // created | exited | restarting (not starting)  -> starting mark
  kRunning,        // starting                                      -> running
  kStartFailed,    // starting                                      -> (status kept), error
  kExited,         // running | paused | starting (restore)          -> exited
  kRestarting,     // exited                                        -> restarting
  kCancelRestart,  // restarting                                  -> exited
  kPaused,         // running                                       -> paused
  kUnpaused,       // paused                                        -> running
  kRemoving,       // created | exited | dead (not starting)        -> removing
  kDead,           // removing                                      -> dead (removal failed)
  kRemoved,        // removing                                      -> gone
};
Status checkTransition(ContainerStatus from, bool starting, Transition t);
const char* transitionName(Transition t);

class ContainerManager final : public ContainerBackend, public ContainerEndpointUpdater {
 public:
  ContainerManager(boost::asio::io_context& io, store::MetadataDb& db, ContainerImages& images,
                   ShimLauncher& shims, RootfsMounter& rootfs, EventPublisher& events,
                   ContainerManagerConfig cfg);
  ~ContainerManager() override;
  ContainerManager(const ContainerManager&) = delete;
  ContainerManager& operator=(const ContainerManager&) = delete;

  // A network or volume component (container_resources.h); before restore().
  void addResources(ContainerResources* r) { resources_.push_back(r); }
  // Networks (engine/container_network.h), for what is not a start/exit hook: checks at
  // create, NetworkSettings in inspect and list, connect/disconnect. Without it a user
  // network does not exist and inspect shows no endpoints.
  void setNetworking(ContainerNetworking* networking) { networking_ = networking; }
  // prune and diff (engine/container_fs.h); without it they answer NotImplemented.
  void setFilesystem(ContainerFsService* fs) { fs_ = fs; }

  // Loads every container record and reconciles it with reality (container_restore.cpp).
  Status restore();

  ContainerCounts counts() const;
  // Image ids some container was created from (an image they use is not deleted).
  std::set<std::string> imagesInUse() const;

  // ContainerBackend
  Result<std::string> createContainer(const ContainerSpec& spec,
                                      std::vector<std::string>* warnings) override;
  Result<ContainerInfo> inspectContainer(const std::string& idOrName) override;
  Result<std::vector<ContainerInfo>> listContainers(const ListOptions& opts) override;
  void startContainer(const std::string& idOrName,
                      std::function<void(Status, bool alreadyRunning)> done) override;
  void waitContainer(const std::string& idOrName, WaitCondition cond,
                     std::function<void(Result<WaitResult>)> done) override;
  void stopContainer(const std::string& idOrName, std::optional<int> timeoutSeconds,
                     std::function<void(Status)> done) override;
  Status killContainer(const std::string& idOrName, const std::string& signal) override;
  void removeContainer(const std::string& idOrName, bool force, bool removeVolumes,
                       std::function<void(Status)> done) override;
  Result<std::unique_ptr<LogReader>> readLogs(const std::string& idOrName,
                                              const LogOptions& opts) override;
  Result<std::unique_ptr<LogReader>> attachOutput(const std::string& idOrName, bool stdoutOn,
                                                  bool stderrOn) override;
  Result<std::unique_ptr<StdinWriter>> attachStdin(const std::string& idOrName) override;
  Status resizeTty(const std::string& idOrName, int height, int width) override;
  Status renameContainer(const std::string& idOrName, const std::string& newName) override;
  Status pauseContainer(const std::string& idOrName) override;
  Status unpauseContainer(const std::string& idOrName) override;
  void restartContainer(const std::string& idOrName, std::optional<int> timeoutSeconds,
                        std::function<void(Status)> done) override;
  // container_update.cpp
  Status updateContainer(const std::string& idOrName, const ContainerUpdate& u,
                         std::vector<std::string>* warnings) override;

  // container_exec.cpp: exec (moby's daemon/exec.go) through the shim's task API.
  Result<std::string> createExec(const std::string& idOrName, const ExecConfig& cfg) override;
  Result<ExecInfo> inspectExec(const std::string& execId) override;
  void startExec(const std::string& execId, bool detach,
                 std::function<void(Result<ExecStreams>)> done) override;
  Status resizeExec(const std::string& execId, int height, int width) override;

  // container_stats.cpp: one sample through the shim's task API (its `stats` op).
  void containerStats(const std::string& idOrName,
                      std::function<void(Result<ContainerStatsReport>)> done) override;

  // container_prune.cpp: forwarded to the ContainerFsService.
  void pruneContainers(const std::map<std::string, std::vector<std::string>>& filters,
                       std::function<void(Result<ContainerPruneReport>)> done) override;
  void containerChanges(const std::string& idOrName,
                        std::function<void(Result<std::vector<FilesystemChange>>)> done) override;
  void containerTop(const std::string& idOrName, const std::string& psArgs,
                    std::function<void(Result<ContainerTop>)> done) override;
  void exportContainer(const std::string& idOrName,
                       std::function<void(Result<UniqueFd>)> done) override;

  // ContainerEndpointUpdater (network connect/disconnect; container_manager.cpp)
  Status updateEndpoint(const std::string& container, const std::string& networkName,
                        const std::string& networkId,
                        const std::optional<NetworkBackend::ConnectRequest>& req,
                        bool force) override;

  // Tests: the container's record as it is now.
  Result<ContainerRecord> record(const std::string& idOrName);

 private:
  using StartDone = std::function<void(Status, bool)>;
  Result<ContainerPtr> find(const std::string& idOrName);
  Status persist(const Container& c);
  std::filesystem::path containerDir(const std::string& id) const;
  std::filesystem::path bundleDir(const std::string& id) const;
  ShimStart shimStartFor(const Container& c) const;

  // container_state.cpp: the only writers of a container's status.
  Status transition(Container& c, Transition t);
  void publish(const Container& c, const std::string& action,
               const std::map<std::string, std::string>& extra = {});
  Status beginStart(Container& c);
  void setRunning(const ContainerPtr& c, std::unique_ptr<ShimHandle> shim, bool keepStartedAt);
  void adoptRunning(const ContainerPtr& c, std::unique_ptr<ShimHandle> shim);
  void watchOom(const ContainerPtr& c);  // publishes "oom" as the shim reports kills
  void setStartFailed(const ContainerPtr& c, const Error& e);
  void setExited(const ContainerPtr& c, const shim::ExitStatus& st);
  void setRestarting(Container& c);
  void cancelRestart(Container& c);
  void setPaused(Container& c, bool paused);
  void setManuallyStopped(Container& c, bool stopped);
  void endRun(Container& c, const WaitResult& r);  // wakes exit waiters and attaches
  void wakeReaders(Container& c);

  // container_start.cpp
  void doStart(const ContainerPtr& c, StartDone done);
  void continueStart(const ContainerPtr& c, std::vector<std::string> lowerDirs, StartDone done);
  void failStart(const ContainerPtr& c, Error e, const StartDone& done);
  // After a run ended and its resources were released: a pending forced remove, a restart by
  // policy, or --rm.
  void afterRun(const ContainerPtr& c, bool startFailed);
  void prepareResources(const ContainerPtr& c, std::shared_ptr<oci::Spec> spec, size_t next,
                        StartDone done);
  void launchShim(const ContainerPtr& c, StartDone done);
  void onShimExit(const ContainerPtr& c, const shim::ExitStatus& st);
  void releaseResources(const ContainerPtr& c, std::function<void()> done);
  Status unmountRootfs(Container& c);
  // container_stop.cpp: restart policies
  bool shouldRestart(const Container& c) const;
  void scheduleRestart(const ContainerPtr& c);
  // container_restore.cpp
  void reconcile(const ContainerPtr& c, pid_t liveShimPid);
  void removeOrphans(const std::set<std::string>& known, const std::map<std::string, pid_t>& shims);
  // container_exec.cpp: attaches and execs go through the shim's task API.
  Result<std::unique_ptr<LogReader>> attachSession(const ContainerPtr& c, shim::TaskRequest req,
                                                   std::shared_ptr<ShimSession>* session);
  void connectWaitingAttaches(Container& c, ShimHandle& shim);
  void endWaitingAttaches(Container& c);
  void forgetExecs(Container& c);
  void publishExec(const std::string& execId, const std::string& action,
                   const std::map<std::string, std::string>& extra = {});
  void execExited(const std::string& execId, int code);
  // container_manager.cpp
  void doRemove(const ContainerPtr& c, bool removeVolumes, const std::function<void(Status)>& done);
  // Calls fn(resource, next) for each registered component in order, then done.
  void forEachResource(size_t n, std::function<void(ContainerResources*, std::function<void()>)> fn,
                       std::function<void()> done);

  boost::asio::io_context& io_;
  store::MetadataDb& db_;
  ContainerImages& images_;
  ShimLauncher& shims_;
  RootfsMounter& rootfs_;
  EventPublisher& events_;
  ContainerManagerConfig cfg_;
  std::vector<ContainerResources*> resources_;
  ContainerNetworking* networking_ = nullptr;
  ContainerFsService* fs_ = nullptr;
  std::map<std::string, ContainerPtr> containers_;  // by id
  struct ExecRecord {
    ExecInfo info;
    std::shared_ptr<ShimStream> waiter;  // a detached exec's wait for its exit
  };
  std::map<std::string, ExecRecord> execs_;  // by exec id
  // Pays the kernel's first-cgroup-attach wait while a container's start is on its way
  // (create, start), so the shim's init does not (runtime/cgroup/attach_warmup.h).
  runtime::CgroupAttachPrewarmer cgroupPrewarm_;
};

}  // namespace wharf::engine
