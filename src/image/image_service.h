#pragma once
// Images as the engine sees them: resolve a name or id, list, unpack layers into snapshots,
// and build the built-in images (docs/images.md). Synchronous and blocking (hashing,
// unpacking): callers run it on a worker thread, one thread at a time (MetadataDb's rule).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "oci/image.h"
#include "store/content_store.h"
#include "store/metadata.h"
#include "store/snapshotter.h"

namespace wharf::image {

struct Image {
  std::string id;  // "sha256:<config digest hex>"
  std::string manifestDigest;
  oci::ImageConfig config;
  std::vector<std::string> diffIds, chainIds, repoTags /* familiar */;
  int64_t size = 0, created = 0;
};

class ImageService {
 public:
  ImageService(store::ContentStore&, store::Snapshotter&, store::MetadataDb&);

  // A name[:tag], a full "sha256:..." id, or a unique id prefix. NotFound: "No such image:
  // busybox:latest"; an ambiguous prefix is InvalidArgument.
  Result<Image> resolve(const std::string& refOrId);
  Result<std::vector<Image>> list();
  // Unpacks every layer not yet unpacked; returns the overlay lower dirs, top-most first.
  Result<std::vector<std::string>> ensureUnpacked(const Image&);
  // Builds the built-in image `name` ("busybox" only for now, else InvalidArgument).
  Result<Image> bootstrap(const std::string& name);

  // Tags an image: `ref` as the user wrote it ("busybox:1"). Moves an existing tag.
  Status tag(const std::string& imageId, const std::string& ref);

  // `docker rmi` (DELETE /images/{name}), as docker decides it: a name removes that tag, and
  // the image too once no tag is left; an id removes the image with all its tags (more than
  // one tag needs force). An image that a container uses is never deleted (its snapshots are
  // that container's lower dirs): without force that is a Conflict, with force it is only
  // untagged. Blobs and snapshots no other image uses are removed with the image.
  struct DeleteItem {
    std::string untagged;  // familiar ref ("busybox:latest"), or empty
    std::string deleted;   // image id, or empty
  };
  Result<std::vector<DeleteItem>> remove(const std::string& refOrId, bool force);

  // `docker load`: a `docker save` archive (plain or compressed tar with manifest.json; the
  // OCI layout docker 25+ writes beside it is read through the same manifest.json). Layers
  // may be plain, gzip or zstd tars; each is checked against the config's diff ids as it is
  // unpacked, and its RepoTags are applied. Returns the images loaded.
  Result<std::vector<Image>> loadArchive(const std::filesystem::path& archive);

 private:
  Result<Image> load(const store::ImageRow& row);
  // Deletes the image row, then the blobs and snapshots no remaining image refers to.
  Status deleteImageData(const std::string& id);

  store::ContentStore& content_;
  store::Snapshotter& snapshots_;
  store::MetadataDb& db_;
};

}  // namespace wharf::image
