// OverlayRootfs: the container rootfs mount through the store's overlay helpers.
#include "engine/rootfs.h"

#include "common/mountinfo.h"
#include "store/snapshotter.h"

namespace wharf::engine {

Status OverlayRootfs::mount(const std::vector<std::string>& lowerDirs, const std::string& upperDir,
                            const std::string& workDir, const std::string& target) {
  store::OverlayMount m{lowerDirs, upperDir, workDir};
  return store::mountOverlay(m, target);
}

Status OverlayRootfs::unmount(const std::string& target) { return store::unmountPath(target); }

Result<bool> OverlayRootfs::isMounted(const std::string& target) { return isMountPoint(target); }

}  // namespace wharf::engine
