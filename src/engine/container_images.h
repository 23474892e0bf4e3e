#pragma once
// What the ContainerManager needs of images (ImageManager implements it; tests fake it):
// resolving the image a container is created from, and unpacking its layers for a start.

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/config_merge.h"

namespace wharf::engine {

struct ResolvedImage {
  std::string id;  // "sha256:..."
  ImageDefaults defaults;
};

class ContainerImages {
 public:
  virtual ~ContainerImages() = default;
  // On the loop: a metadata lookup only. NotFound "No such image: x".
  virtual Result<ResolvedImage> resolveImage(const std::string& ref) = 0;
  // Unpacks what is not unpacked yet, off the loop; `done` on the loop with the overlay lower
  // dirs, top-most first.
  virtual void unpackImage(const std::string& imageId,
                           std::function<void(Result<std::vector<std::string>>)> done) = 0;
};

}  // namespace wharf::engine
