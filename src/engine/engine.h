#pragma once
// engine::Engine: the container manager behind the API (ContainerBackend, ImageBackend,
// SystemBackend). It composes the image service, the metadata DB and the runtime; each
// container runs under its own wharf-shim (engine/shim/shim.h), which outlives the daemon.
//
// Files it owns (DESIGN.md's layout):
//   <data-root>/containers/<id>/   hostname hosts resolv.conf <id>-json.log upper/ work/
//                                  merged/ (the overlay rootfs, mounted while running)
//   <exec-root>/containers/<id>/   the bundle: config.json, exit (the shim's exit file)
//   <exec-root>/runtime/<id>/      the runtime's state (runtime::Runtime's root)
// The truth about each container is its record (engine/container_record.h) in the DB;
// the in-memory table is a cache of it, plus waiters and watchers.
//
// Threading: everything runs on the io_context thread, except image unpacking and
// bootstrap, which run on the worker pool; the store is used under storeMu_.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "engine/backend.h"
#include "engine/container_record.h"
#include "engine/exit_watch.h"
#include "engine/network_service.h"
#include "engine/shim/exit_file.h"
#include "engine/stdin_pipe.h"
#include "runtime/cgroup/attach_warmup.h"

namespace wharf::store {
class MetadataDb;
}
namespace wharf::image {
class ImageService;
struct Image;
}  // namespace wharf::image
namespace wharf::runtime {
class Runtime;
}

namespace wharf::engine {

class ContainerNetworking;

struct EngineConfig {
  std::filesystem::path dataRoot = "/var/lib/wharf";
  std::filesystem::path execRoot = "/run/wharf";
  std::filesystem::path shimPath;  // wharf-shim; default: next to /proc/self/exe
  std::string serverVersion = WHARF_VERSION;
  // Registries reached over plain HTTP or unverified TLS besides 127.0.0.0/8 (dockerd's
  // --insecure-registry): "host:port", "host" or a CIDR.
  std::vector<std::string> insecureRegistries;
};

class Engine final : public ContainerBackend,
                     public ImageBackend,
                     public SystemBackend,
                     public ContainerEndpointUpdater {
 public:
  Engine(boost::asio::io_context& io, boost::asio::thread_pool& pool, store::MetadataDb& db,
         image::ImageService& images, runtime::Runtime& runtime, EngineConfig cfg);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Loads every container record and reconciles it with reality (engine_restore.cpp): live
  // shims are adopted, exit files read, mounts judged from /proc/self/mountinfo, leftovers
  // of interrupted creates and --rm containers removed (see docs/daemon.md).
  Status restore();
  // Networks (engine/container_network.h): without it, every container gets a namespace of
  // its own with only loopback, whatever its network mode (but host).
  void setNetworking(ContainerNetworking* networking) { networking_ = networking; }

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

  // ImageBackend
  Result<std::vector<ImageSummary>> listImages(bool all) override;
  Result<ImageDetail> inspectImage(const std::string& nameOrId) override;
  void bootstrapImage(const std::string& name,
                      std::function<void(Result<ImageSummary>)> done) override;
  // engine_images.cpp
  void tagImage(const std::string& nameOrId, const std::string& ref,
                std::function<void(Status)> done) override;
  void removeImage(const std::string& nameOrId, bool force,
                   std::function<void(Result<std::vector<ImageDeleteItem>>)> done) override;
  void loadImages(std::string archive,
                  std::function<void(Result<std::vector<ImageSummary>>)> done) override;
  void importImage(std::string tarball, ImageImportOptions opts,
                   std::function<void(Result<ImageSummary>)> done) override;
  void saveImages(std::vector<std::string> names,
                  std::function<void(Result<UniqueFd>)> done) override;
  void pullImage(ImagePullOptions opts, std::function<void(const ImagePullProgress&)> progress,
                 std::function<void(Result<ImagePullResult>)> done) override;
  void pushImage(ImagePullOptions opts, std::function<void(const ImagePullProgress&)> progress,
                 std::function<void(Result<PushResult>)> done) override;

  // SystemBackend
  Result<SystemInfo> info() override;

  // ContainerEndpointUpdater (network connect/disconnect; engine.cpp)
  Status updateEndpoint(const std::string& container, const std::string& networkName,
                        const std::string& networkId,
                        const std::optional<NetworkBackend::ConnectRequest>& req,
                        bool force) override;

 private:
  // One container: its record plus what only lives while the daemon runs.
  struct Container {
    ContainerRecord rec;
    std::unique_ptr<ProcessExitWatch> shimWatch;  // the shim's pidfd
    std::vector<std::function<void(Result<WaitResult>)>> exitWaiters;
    std::vector<std::function<void(Result<WaitResult>)>> removeWaiters;
    std::vector<std::function<bool()>> logWakers;
    std::shared_ptr<StdinPipe> stdinPipe;  // with OpenStdin, from attach or start to exit
    uint64_t epoch = 0;  // bumped at every exit, failed start and removal (ends attaches)
    std::unique_ptr<boost::asio::steady_timer> restartTimer;  // a restart by policy is due
    bool starting = false;
    bool removing = false;
  };
  using ContainerPtr = std::shared_ptr<Container>;

  Result<ContainerPtr> find(const std::string& idOrName);
  Status persist(const Container& c);
  std::filesystem::path containerDir(const std::string& id) const;
  std::filesystem::path bundleDir(const std::string& id) const;

  // engine_start.cpp
  void continueStart(ContainerPtr c, std::vector<std::string> lowerDirs,
                     std::function<void(Status, bool)> done);
  Status prepareBundle(Container& c);
  void spawnShim(ContainerPtr c, std::function<void(Status, bool)> done);
  void onReady(ContainerPtr c, pid_t child, const std::string& msg,
               std::function<void(Status, bool)> done);
  void startFailed(ContainerPtr c, const Error& e);
  Status watchShim(ContainerPtr c);
  void onShimExit(ContainerPtr c);
  void markExited(ContainerPtr c, const shim::ExitStatus& st);
  void notifyExit(Container& c, const WaitResult& r);
  void wakeReaders(Container& c);
  Status unmountRootfs(Container& c);
  Status killInit(Container& c, int signal);
  // engine_restart.cpp
  bool shouldRestart(const Container& c) const;
  void scheduleRestart(ContainerPtr c);
  void cancelRestart(Container& c);
  // engine_restore.cpp
  void reconcile(ContainerPtr c, pid_t liveShimPid);
  void adoptShim(ContainerPtr c, pid_t shimPid);
  void removeOrphans(const std::set<std::string>& known, const std::map<std::string, pid_t>& shims);
  // engine_images.cpp: runs `work` on the pool under storeMu_, `done` on the loop.
  template <typename T, typename Fn>
  void onWorker(Fn work, std::function<void(T)> done);
  std::filesystem::path imageTmpDir() const;  // <data-root>/tmp: uploads being read
  // engine.cpp
  void doRemove(ContainerPtr c, std::function<void(Status)> done);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  store::MetadataDb& db_;
  image::ImageService& images_;
  runtime::Runtime& runtime_;
  EngineConfig cfg_;
  // A read-only copy of wharf-shim (runtime/sealed_exe.h), made once: every shim is spawned
  // from it and so starts protected, without a re-exec of its own. Invalid: spawn by path.
  UniqueFd shimExe_;
  std::mutex storeMu_;                              // the store is shared with worker-pool jobs
  std::map<std::string, ContainerPtr> containers_;  // by id
  std::string engineId_;
  // Pays the kernel's first-cgroup-attach wait while a container's start is on its way
  // (create, start), so the shim's init does not (runtime/cgroup/attach_warmup.h).
  runtime::CgroupAttachPrewarmer cgroupPrewarm_;
  ContainerNetworking* networking_ = nullptr;
  // Releases the container's network resources (namespace, addresses), if any.
  void releaseNetwork(const std::string& id);
};

}  // namespace wharf::engine
