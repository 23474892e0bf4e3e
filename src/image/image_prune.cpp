// ImageService::prune: `docker image prune`, over remove()'s rules (image_remove.cpp).

#include <sys/stat.h>

#include <map>
#include <set>

#include "image/image_service.h"

namespace wharf::image {

namespace {

// docker's label filter: "key" (present) or "key=value".
bool labelMatches(const std::map<std::string, std::string>& labels, const std::string& want) {
  size_t eq = want.find('=');
  auto it = labels.find(want.substr(0, eq));
  if (it == labels.end()) return false;
  return eq == std::string::npos || it->second == want.substr(eq + 1);
}

}  // namespace

Result<ImageService::PruneResult> ImageService::prune(const PruneOptions& opts) {
  WHARF_ASSIGN_OR_RETURN(std::vector<Image> images, list());
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ContainerRow> containers, db_.listContainers());
  std::set<std::string> used;
  for (const auto& c : containers) used.insert(c.imageId);

  PruneResult out;
  for (const auto& img : images) {
    // An image a container uses is its rootfs: never pruned, whatever the filters say.
    if (used.count(img.id)) continue;
    if (opts.danglingOnly && !img.repoTags.empty()) continue;
    if (opts.untilNanos && img.created * 1'000'000'000 > *opts.untilNanos) continue;
    bool keep = false;
    for (const auto& l : opts.labels)
      if (!labelMatches(img.config.labels, l)) keep = true;
    for (const auto& l : opts.notLabels)
      if (labelMatches(img.config.labels, l)) keep = true;
    if (keep) continue;

    // The blobs it refers to and their sizes now: those gone afterwards are the reclaimed
    // space (blobs shared with images that stay are not).
    std::map<std::string, int64_t> blobs = {{img.manifestDigest, 0}, {img.id, 0}};
    if (auto m = content_.read(img.manifestDigest); m.ok()) {
      if (auto parsed = oci::parseManifest(*m); parsed.ok())
        for (const auto& l : parsed->layers) blobs[l.digest] = 0;
    }
    for (auto& [digest, size] : blobs) {
      struct stat st {};
      if (::stat(content_.blobPath(digest).c_str(), &st) == 0) size = st.st_size;
    }
    // By id with force: every tag goes with it (no container uses it, checked above).
    auto items = remove(img.id, true);
    if (!items.ok()) return std::move(items).error().context("prune " + img.id);
    for (auto& i : *items) out.deleted.push_back(std::move(i));
    for (const auto& [digest, size] : blobs)
      if (!content_.has(digest)) out.spaceReclaimed += size;
  }
  return out;
}

}  // namespace wharf::image
