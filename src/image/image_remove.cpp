// ImageService::remove: docker rmi's rules, and the blobs and snapshots that go with an image.

#include <set>

#include "image/image_service.h"
#include "image/reference.h"

namespace wharf::image {
namespace {

std::string shortId(const std::string& id) {
  return id.substr(id.rfind(':') == std::string::npos ? 0 : id.rfind(':') + 1, 12);
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
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> tags, db_.tagsFor(id));
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ContainerRow> containers, db_.listContainers());
  std::string user;
  for (const auto& c : containers)
    if (c.imageId == id) user = c.id;

  std::vector<DeleteItem> out;
  if (!byRef.empty()) {
    if (!user.empty() && tags.size() == 1 && !force)
      return conflict("conflict: unable to remove repository reference \"" + refOrId +
                      "\" (must force) - container " + shortId(user) +
                      " is using its referenced image " + shortId(id));
    WHARF_TRY(db_.removeTag(byRef));
    out.push_back({familiarOf(byRef), ""});
    if (tags.size() > 1 || !user.empty()) return out;  // other names, or a container, keep it
  } else {
    if (!user.empty() && !force)
      return conflict("conflict: unable to delete " + shortId(id) +
                      " (must be forced) - image is being used by container " + shortId(user));
    if (tags.size() > 1 && !force)
      return conflict("conflict: unable to delete " + shortId(id) +
                      " (must be forced) - image is referenced in multiple repositories");
    for (const auto& t : tags) {
      WHARF_TRY(db_.removeTag(t));
      out.push_back({familiarOf(t), ""});
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
  // The row first: from here on the image is gone, and a crash only leaves garbage behind.
  WHARF_TRY(db_.deleteImage(id));

  std::set<std::string> keepBlobs, keepChains;
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ImageRow> rest, db_.listImages());
  for (const auto& r : rest) {
    keepBlobs.insert(r.manifestDigest);
    keepBlobs.insert(r.configDigest);
    if (auto m = content_.read(r.manifestDigest); m.ok()) {
      if (auto parsed = oci::parseManifest(*m); parsed.ok())
        for (const auto& l : parsed->layers) keepBlobs.insert(l.digest);
    }
    if (auto cfg = content_.read(r.configDigest); cfg.ok()) {
      if (auto parsed = oci::parseImageConfig(*cfg); parsed.ok())
        for (auto& c : oci::chainIds(parsed->diffIds)) keepChains.insert(std::move(c));
    }
  }
  // Top-most snapshot first, so a parent never goes before its child.
  for (auto it = chains.rbegin(); it != chains.rend(); ++it)
    if (!keepChains.count(*it)) WHARF_TRY(snapshots_.removeSnapshot(*it));
  for (const auto& b : blobs)
    if (!keepBlobs.count(b)) WHARF_TRY(content_.remove(b));
  return okStatus();
}

}  // namespace wharf::image
