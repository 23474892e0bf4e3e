#pragma once
// engine::VolumeManager: volumes as the API sees them (VolumeBackend) and the container
// lifecycle's hooks into the volume module. Each hook is called at one point of a container's
// life and undoes itself on error, so the container manager only has to call them:
//
//   create   prepareCreate     parse Binds/Mounts/Tmpfs/VolumesFrom + the image's VOLUMEs into
//                              mount points; create named and anonymous volumes; the container
//                              becomes a user of each volume (nothing stays on error)
//   start    prepareStart      mount volume devices, create missing `-v` host directories,
//                              copy image content into empty volumes, `:U` chown, check that a
//                              file is not mounted on a directory; returns the OCI mounts
//   exit     releaseStart      unmount volume devices no running container needs
//   remove   releaseContainer  the container stops being a user; its anonymous volumes are
//                              removed with `rm -v` and `--rm`
//   restore  restoreContainer  users (and mounts of running containers) registered again
//
// Threading: the io_context thread, like the rest of the engine.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/container_resources.h"
#include "oci/runtime_spec.h"
#include "volume/volume_service.h"

namespace wharf::engine {

class VolumeManager final : public VolumeBackend, public ContainerResources {
 public:
  explicit VolumeManager(volume::VolumeService& volumes) : volumes_(volumes) {}

  // VolumeBackend
  Result<VolumeDetail> createVolume(const volume::CreateRequest& req) override;
  Result<std::vector<VolumeDetail>> listVolumes(const volume::Filters& filters) override;
  Result<VolumeDetail> inspectVolume(const std::string& name) override;
  Status removeVolume(const std::string& name, bool force) override;
  Result<volume::PruneReport> pruneVolumes(const volume::Filters& filters) override;

  // ContainerResources: the hooks above, in the container manager's terms.
  Status create(ContainerInfo& c, const ImageDefaults& image,
                const ContainerLookup& lookup) override;
  void undoCreate(const ContainerInfo& c) override;
  void prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
               std::function<void(Status)> done) override;
  void release(const ContainerInfo& c, std::function<void()> done) override;
  void remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) override;
  void restore(const ContainerInfo& c, bool running) override { restoreContainer(c, running); }

  // The steps, also for tests.

  // Parses and checks every mount without creating anything: a create that will fail does so
  // before any side effect (the engine calls this first).
  Result<std::vector<volume::MountPoint>> planMounts(const ContainerSpec& spec,
                                                     const std::vector<std::string>& imageVolumes,
                                                     const ContainerLookup& lookup);
  // Creates the volumes of planned mount points and registers the container as their user.
  // Returns the names of the volumes it created, for undoCreate.
  Result<std::vector<std::string>> prepareCreate(const std::string& containerId,
                                                 std::vector<volume::MountPoint>& mounts);
  // A create that failed after prepareCreate: forget the user, remove what it created.
  void undoCreate(const std::string& containerId, const std::vector<volume::MountPoint>& mounts,
                  const std::vector<std::string>& created);
  Result<std::vector<oci::Mount>> prepareStart(const ContainerInfo& c, const std::string& rootfs);
  void releaseStart(const ContainerInfo& c);
  void releaseContainer(const ContainerInfo& c, bool removeAnonymous);
  void restoreContainer(const ContainerInfo& c, bool running);

 private:
  VolumeDetail detail(const volume::Volume& v) const;

  volume::VolumeService& volumes_;
  // Volumes a create made, until the create is known to have succeeded (undoCreate).
  std::map<std::string, std::vector<std::string>> createdBy_;
};

}  // namespace wharf::engine
