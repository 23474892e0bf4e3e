// DiskUsageService: `docker system df` (engine/disk_usage.h).
#include "engine/disk_usage.h"

#include <boost/asio/post.hpp>
#include <map>
#include <memory>

#include "engine/container_manager.h"
#include "engine/image_manager.h"
#include "engine/volume_manager.h"
#include "image/image_service.h"
#include "store/usage.h"

namespace wharf::engine {

namespace asio = boost::asio;

DiskUsageService::DiskUsageService(asio::io_context& io, asio::thread_pool& pool,
                                   ContainerManager& containers, ImageManager& images,
                                   VolumeManager* volumes)
    : io_(io), pool_(pool), containers_(containers), images_(images), volumes_(volumes) {}

void DiskUsageService::collect(const DiskUsageOptions& opts,
                               std::function<void(Result<DiskUsage>)> done) {
  if (running_) {
    queued_.push_back({opts, std::move(done)});
    return;
  }
  std::vector<Waiter> batch;
  batch.push_back({opts, std::move(done)});
  start(std::move(batch));
}

void DiskUsageService::start(std::vector<Waiter> batch) {
  DiskUsageOptions want{false, false, false, false};
  for (const auto& w : batch) {
    want.images = want.images || w.opts.images;
    want.containers = want.containers || w.opts.containers;
    want.volumes = want.volumes || w.opts.volumes;
  }
  auto fail = [&](const Error& e) {
    for (auto& w : batch) w.done(e);
  };
  // The records, on the loop: image rows and their blobs, containers, volumes. Images are
  // needed for containers too (SizeRootFs, and each image's container count).
  struct Job {
    image::ImageService::UsagePlan images;
    std::vector<ContainerInfo> containers;
    std::vector<VolumeDetail> volumes;
    image::ImageService::UsageReport imageSizes;
    std::vector<int64_t> rwSizes;
  };
  auto job = std::make_shared<Job>();
  if (want.images || want.containers) {
    auto plan = images_.usagePlan();
    if (!plan.ok()) return fail(std::move(plan).error());
    job->images = std::move(*plan);
  }
  if (want.containers) {
    ListOptions all;
    all.all = true;
    auto list = containers_.listContainers(all);
    if (!list.ok()) return fail(std::move(list).error());
    job->containers = std::move(*list);
  }
  if (want.volumes && volumes_) {
    auto list = volumes_->listVolumes({});
    if (!list.ok()) return fail(std::move(list).error());
    job->volumes = std::move(*list);
  }
  running_ = true;
  asio::post(pool_, [this, job, want, batch = std::move(batch)]() mutable {
    job->imageSizes = images_.measureUsage(job->images);
    for (const auto& c : job->containers) {
      auto n = c.upperDir.empty() ? Result<int64_t>(0) : store::directorySize(c.upperDir);
      job->rwSizes.push_back(n.ok() ? *n : 0);  // not created yet, or gone meanwhile
    }
    for (auto& v : job->volumes) {
      if (v.volume.driver != "local") continue;  // stays -1: not measured
      auto n = store::directorySize(v.volume.mountpoint);
      v.size = n.ok() ? *n : 0;
    }
    asio::post(io_, [this, job, want, batch = std::move(batch)]() mutable {
      DiskUsage out;
      std::map<std::string, int> users;
      for (const auto& c : job->containers) ++users[c.imageId];
      std::map<std::string, int64_t> unpacked;
      if (want.images) out.layersSize = job->imageSizes.layersSize;
      for (auto& u : job->imageSizes.images) {
        unpacked[u.image.id] = u.unpackedSize;
        if (!want.images) continue;
        ImageDiskUsage d;
        d.summary.id = u.image.id;
        d.summary.repoTags = u.image.repoTags;
        d.summary.repoDigests = u.image.repoDigests;
        d.summary.created = u.image.created;
        d.summary.size = u.size;
        d.summary.labels = u.image.config.labels;
        d.size = u.size;
        d.sharedSize = u.sharedSize;
        d.containers = users.count(u.image.id) ? users[u.image.id] : 0;
        out.images.push_back(std::move(d));
      }
      for (size_t i = 0; i < job->containers.size(); ++i) {
        ContainerDiskUsage c;
        c.container = std::move(job->containers[i]);
        c.sizeRw = job->rwSizes[i];
        c.sizeRootFs = c.sizeRw + unpacked[c.container.imageId];
        out.containers.push_back(std::move(c));
      }
      out.volumes = std::move(job->volumes);
      for (auto& w : batch) w.done(out);
      running_ = false;
      if (!queued_.empty()) start(std::exchange(queued_, {}));
    });
  });
}

}  // namespace wharf::engine
