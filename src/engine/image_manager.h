#pragma once
// engine::ImageManager: images behind the API (ImageBackend) and for containers
// (ContainerImages). It owns its worker jobs: every unpack, import, load, save, pull, push and
// bootstrap runs on the worker pool and answers on the io_context thread.
//
// Locking: the loop and the workers use separate SQLite connections to the metadata DB (WAL:
// readers never wait for the writer, and a write holds the database for one statement or one
// short transaction). The loop reads through `loopImages` with no lock at all. Worker jobs
// that write image metadata share `workerImages` and its connection, so they run one at a
// time under jobMu_, a lock the loop never takes: an unpack, a pull's download or a push's
// upload never stalls the API. Unpacking for a container start needs no metadata and takes
// no lock.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/container_images.h"
#include "image/image_service.h"

namespace wharf::engine {

struct ImageManagerConfig {
  std::filesystem::path dataRoot = "/var/lib/wharf";  // <data-root>/tmp: uploads being read
  // Registries reached over plain HTTP or unverified TLS besides 127.0.0.0/8 (dockerd's
  // --insecure-registry): "host:port", "host" or a CIDR.
  std::vector<std::string> insecureRegistries;
  // Docker Hub pull mirrors (dockerd's --registry-mirror), normalised, tried in order.
  std::vector<std::string> registryMirrors;
  int maxConcurrentDownloads = 3;  // layers a pull downloads at once (dockerd's flag)
};

class ImageManager final : public ImageBackend, public ContainerImages {
 public:
  // loopImages: used on the loop thread only; workerImages: by worker jobs (under jobMu_).
  ImageManager(boost::asio::io_context& io, boost::asio::thread_pool& pool,
               image::ImageService& loopImages, image::ImageService& workerImages,
               EventPublisher& events, ImageManagerConfig cfg);

  int imageCount();

  // Garbage collection (ImageService::collectGarbage) now, on the calling thread: for the
  // daemon's start, before the loop and the pool run (what a crash left behind goes before
  // the API serves). rmi and image prune run a pass themselves after they removed images.
  void collectGarbageAtStart();

  // `system df`, in two steps (engine/disk_usage.h): usagePlan reads the records on the loop;
  // measureUsage sizes them and may run on any thread (it reads no metadata).
  Result<image::ImageService::UsagePlan> usagePlan();
  image::ImageService::UsageReport measureUsage(const image::ImageService::UsagePlan& plan);

  // ContainerImages
  Result<ResolvedImage> resolveImage(const std::string& ref) override;
  void unpackImage(const std::string& imageId,
                   std::function<void(Result<std::vector<std::string>>)> done) override;

  // ImageBackend
  Result<std::vector<ImageSummary>> listImages(bool all) override;
  Result<ImageDetail> inspectImage(const std::string& nameOrId) override;
  Result<std::vector<ImageHistoryItem>> imageHistory(const std::string& nameOrId) override;
  void bootstrapImage(const std::string& name,
                      std::function<void(Result<ImageSummary>)> done) override;
  void tagImage(const std::string& nameOrId, const std::string& ref,
                std::function<void(Status)> done) override;
  void removeImage(const std::string& nameOrId, bool force,
                   std::function<void(Result<std::vector<ImageDeleteItem>>)> done) override;
  void loadImages(UniqueFd archive,
                  std::function<void(Result<std::vector<ImageSummary>>)> done) override;
  void importImage(UniqueFd tarball, ImageImportOptions opts,
                   std::function<void(Result<ImageSummary>)> done) override;
  void saveImages(std::vector<std::string> names,
                  std::function<void(Result<UniqueFd>)> done) override;
  void pullImage(ImagePullOptions opts, std::function<void(const ImagePullProgress&)> progress,
                 std::function<void(Result<ImagePullResult>)> done) override;
  void login(RegistryLogin req, std::function<void(Status)> done) override;
  void pruneImages(std::map<std::string, std::vector<std::string>> filters,
                   std::function<void(Result<PruneReport>)> done) override;
  void pushImage(ImagePullOptions opts, std::function<void(const ImagePullProgress&)> progress,
                 std::function<void(Result<PushResult>)> done) override;

 private:
  // Runs `work` on the pool under jobMu_, `done` on the loop.
  template <typename T, typename Fn>
  void onWorker(Fn work, std::function<void(T)> done);
  std::filesystem::path tmpDir() const { return cfg_.dataRoot / "tmp"; }
  void publish(const std::string& action, const std::string& actor, const std::string& name);
  // A GC pass after images were removed (on a worker, under jobMu_); logs what went.
  void collectGarbage(const char* why);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  image::ImageService& loopImages_;
  image::ImageService& workerImages_;
  EventPublisher& events_;
  ImageManagerConfig cfg_;
  std::mutex jobMu_;  // worker jobs that use workerImages_' DB connection; never the loop
};

}  // namespace wharf::engine
