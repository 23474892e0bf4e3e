#pragma once
// The seam in front of the container's root filesystem mount (overlayfs over the image's
// unpacked layers): the ContainerManager mounts before a start and unmounts after an exit or
// a failed start; tests use a fake that records calls.

#include <string>
#include <vector>

#include "common/error.h"

namespace wharf::engine {

class RootfsMounter {
 public:
  virtual ~RootfsMounter() = default;
  // Mounts `lowerDirs` (top-most first) + upper/work at `target`.
  virtual Status mount(const std::vector<std::string>& lowerDirs, const std::string& upperDir,
                       const std::string& workDir, const std::string& target) = 0;
  virtual Status unmount(const std::string& target) = 0;
  // What the kernel says (/proc/self/mountinfo).
  virtual Result<bool> isMounted(const std::string& target) = 0;
};

// overlayfs, as store::mountOverlay does it.
class OverlayRootfs final : public RootfsMounter {
 public:
  Status mount(const std::vector<std::string>& lowerDirs, const std::string& upperDir,
               const std::string& workDir, const std::string& target) override;
  Status unmount(const std::string& target) override;
  Result<bool> isMounted(const std::string& target) override;
};

}  // namespace wharf::engine
