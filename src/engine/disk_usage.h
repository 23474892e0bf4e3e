#pragma once
// engine::DiskUsageService: `docker system df` (GET /system/df). What each kind of object
// takes on disk:
//
//   images      blobs + unpacked snapshots (ImageService::measureUsage; snapshot sizes are
//               measured once and cached, layers being immutable), SharedSize, and how many
//               containers use each image
//   containers  SizeRw: du of the container's upper dir; SizeRootFs: SizeRw + its image's
//               unpacked layers
//   volumes     du of each local volume's _data dir; -1 for volumes of other drivers, as
//               docker reports volumes it does not measure
//
// The records are read on the loop (cheap); every du runs on the worker pool, so a
// container with a million files delays only its own answer, never the API loop. Requests
// that arrive while a measurement runs wait for the next one, which serves them all: a
// client polling `system df` cannot pile up walks of the same trees.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <vector>

#include "engine/backend.h"

namespace wharf::engine {

class ContainerManager;
class ImageManager;
class VolumeManager;

class DiskUsageService {
 public:
  // volumes may be null (no volume component): Volumes is then empty.
  DiskUsageService(boost::asio::io_context& io, boost::asio::thread_pool& pool,
                   ContainerManager& containers, ImageManager& images, VolumeManager* volumes);

  // On the loop; `done` runs on the loop.
  void collect(const DiskUsageOptions& opts, std::function<void(Result<DiskUsage>)> done);

 private:
  struct Waiter {
    DiskUsageOptions opts;
    std::function<void(Result<DiskUsage>)> done;
  };
  void start(std::vector<Waiter> batch);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ContainerManager& containers_;
  ImageManager& images_;
  VolumeManager* volumes_;
  bool running_ = false;
  std::vector<Waiter> queued_;  // arrived while a measurement ran
};

}  // namespace wharf::engine
