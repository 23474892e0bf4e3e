// ImageService::remove: docker rmi's rules, and the blobs and snapshots that go with an image.

#include <set>

#include "image/image_service.h"
#include "image/reference.h"

namespace wharf::image {
namespace {

std::string shortId(const std::string& id) {
  return id.substr(id.rfind(':') == std::string::npos ? 0 : id.rfind(':') + 1, 12);
}

bool isDigestRef(const std::string& normalized) {
  return normalized.find('@') != std::string::npos;
}

std::string repositoryOf(const std::string& normalized) {
  auto r = parseReference(normalized);
  return r.ok() ? r->repository() : normalized;
}

std::string familiarOf(const std::string& normalized) {
  auto r = parseReference(normalized);
  return r.ok() ? r->familiar() : normalized;
}

}  // namespace

Result<std::vector<ImageService::DeleteItem>> ImageService::remove(const std::string& refOrId,
                                                                   bool force) {
  // By name when the name is a tag we have (docker's order), else by id or id prefix.
  std::string id, byRef;
  if (auto ref = parseReference(refOrId); ref.ok() && refOrId.rfind("sha256:", 0) != 0) {
    if (auto tagged = db_.resolveTag(ref->normalized()); tagged.ok()) {
      id = *tagged;
      byRef = ref->normalized();
    }
  }
  if (id.empty()) {
    WHARF_ASSIGN_OR_RETURN(Image img, resolve(refOrId));
    id = img.id;
  }
  // Its references: tags ("docker.io/library/busybox:latest") and, for pulled images, repo
  // digests ("docker.io/library/busybox@sha256:..."), both rows of the tags table.
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> refs, db_.tagsFor(id));
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ContainerRow> containers, db_.listContainers());
  std::string user;
  for (const auto& c : containers)
    if (c.imageId == id) user = c.id;

  std::vector<DeleteItem> out;
  if (!byRef.empty()) {
    // Removing a tag also drops the digest references of that repository once no tag of it is
    // left (moby's rule), so that a pulled image can go with one `rmi name`.
    std::vector<std::string> going = {byRef};
    if (!isDigestRef(byRef)) {
      const std::string repo = repositoryOf(byRef);
      bool otherTag = false;
      for (const auto& r : refs)
        if (r != byRef && !isDigestRef(r) && repositoryOf(r) == repo) otherTag = true;
      if (!otherTag)
        for (const auto& r : refs)
          if (isDigestRef(r) && repositoryOf(r) == repo) going.push_back(r);
    }
    bool last = going.size() >= refs.size();
    if (!user.empty() && last && !force)
      return conflict("conflict: unable to remove repository reference \"" + refOrId +
                      "\" (must force) - container " + shortId(user) +
                      " is using its referenced image " + shortId(id));
    for (const auto& r : going) {
      WHARF_TRY(db_.removeTag(r));
      out.push_back({familiarOf(r), ""});
    }
    if (!last || !user.empty()) return out;  // other names, or a container, keep it
  } else {
    if (!user.empty() && !force)
      return conflict("conflict: unable to delete " + shortId(id) +
                      " (must be forced) - image is being used by container " + shortId(user));
    std::set<std::string> repos;
    for (const auto& r : refs) repos.insert(repositoryOf(r));
    if (repos.size() > 1 && !force)
      return conflict("conflict: unable to delete " + shortId(id) +
                      " (must be forced) - image is referenced in multiple repositories");
    for (const auto& r : refs) {
      WHARF_TRY(db_.removeTag(r));
      out.push_back({familiarOf(r), ""});
    }
    if (!user.empty()) return out;
  }
  WHARF_TRY(deleteImageData(id));
  out.push_back({"", id});
  return out;
}

Status ImageService::deleteImageData(const std::string& id) {
  WHARF_ASSIGN_OR_RETURN(store::ImageRow row, db_.getImage(id));
  // What this image holds, read before its row goes.
  std::vector<std::string> blobs = {row.manifestDigest, row.configDigest};
  std::vector<std::string> chains;
  if (auto m = content_.read(row.manifestDigest); m.ok()) {
    if (auto parsed = oci::parseManifest(*m); parsed.ok())
      for (const auto& l : parsed->layers) blobs.push_back(l.digest);
  }
  if (auto cfg = content_.read(row.configDigest); cfg.ok()) {
    if (auto parsed = oci::parseImageConfig(*cfg); parsed.ok())
      chains = oci::chainIds(parsed->diffIds);
  }
  // The row first: from here on the image is gone, and a crash only leaves garbage behind
  // (the next GC pass sweeps it).
  WHARF_TRY(db_.deleteImage(id));

  std::set<std::string> keepBlobs, keepChains;
  bool complete = true;
  WHARF_TRY(referenced(&keepBlobs, &keepChains, &complete));
  // Some image's references are unknown: keep everything (a GC pass retries later).
  if (!complete) return okStatus();
  // Top-most snapshot first, so a parent never goes before its child. What a lease holds (a
  // pull that found the blob already there) stays.
  for (auto it = chains.rbegin(); it != chains.rend(); ++it)
    if (!keepChains.count(*it)) WHARF_TRY(removeSnapshot(*it));
  for (const auto& b : blobs)
    if (!keepBlobs.count(b)) WHARF_TRY(removeBlob(b));
  return okStatus();
}

Status ImageService::referenced(std::set<std::string>* blobs, std::set<std::string>* chains,
                                bool* complete) {
  auto incomplete = [&] {
    if (complete) *complete = false;
  };
  // An image's references: its manifest and config, the manifest's layers, its config's
  // chain ids. The config digest is the image id, so a container's image is reachable even if
  // its row were gone.
  auto markImage = [&](const std::string& manifestDigest, const std::string& configDigest) {
    if (!manifestDigest.empty()) {
      blobs->insert(manifestDigest);
      auto m = content_.read(manifestDigest);
      auto parsed = m.ok() ? oci::parseManifest(*m) : Result<oci::Manifest>(std::move(m).error());
      if (parsed.ok()) {
        for (const auto& l : parsed->layers) blobs->insert(l.digest);
      } else {
        incomplete();
      }
    }
    blobs->insert(configDigest);
    auto cfg = content_.read(configDigest);
    auto parsed =
        cfg.ok() ? oci::parseImageConfig(*cfg) : Result<oci::ImageConfig>(std::move(cfg).error());
    if (parsed.ok()) {
      for (auto& c : oci::chainIds(parsed->diffIds)) chains->insert(std::move(c));
    } else {
      incomplete();
    }
  };
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ImageRow> rows, db_.listImages());
  std::set<std::string> imageIds;
  for (const auto& r : rows) {
    markImage(r.manifestDigest, r.configDigest);
    imageIds.insert(r.id);
  }
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ContainerRow> containers, db_.listContainers());
  for (const auto& c : containers)
    if (!c.imageId.empty() && !imageIds.count(c.imageId)) markImage("", c.imageId);
  return okStatus();
}

Result<bool> ImageService::removeBlob(const std::string& digest) {
  return leases_.removeUnlessLeased(store::LeaseManager::Kind::kBlob, digest,
                                    [&] { return content_.remove(digest); });
}

Result<bool> ImageService::removeSnapshot(const std::string& chainId) {
  return leases_.removeUnlessLeased(store::LeaseManager::Kind::kSnapshot, chainId,
                                    [&] { return snapshots_.removeSnapshot(chainId); });
}

void ImageService::removeUnreferenced(const std::vector<std::string>& blobs,
                                      const std::vector<std::string>& chainIds) {
  std::set<std::string> keepBlobs, keepChains;
  bool complete = true;
  // Without the full picture nothing is removed: garbage is better than a lost shared blob
  // (the next GC pass takes it once the picture is whole).
  if (!referenced(&keepBlobs, &keepChains, &complete).ok() || !complete) return;
  for (auto it = chainIds.rbegin(); it != chainIds.rend(); ++it)
    if (!keepChains.count(*it)) (void)removeSnapshot(*it);
  for (const auto& b : blobs)
    if (!keepBlobs.count(b)) (void)removeBlob(b);
}

}  // namespace wharf::image
