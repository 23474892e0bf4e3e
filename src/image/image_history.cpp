// ImageService::history: `docker history`, from the image config's history and the
// manifest's layers, as dockerd's containerd image store answers it
// (daemon/containerd/image_history.go): newest first, the top entry carries the image id and
// its tags, the entries below it "<missing>" (wharf, like dockerd with containerd, keeps no
// intermediate images).

#include <algorithm>

#include "common/time.h"
#include "image/image_service.h"

namespace wharf::image {

namespace {

std::string stringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<ImageService::HistoryEntry>> ImageService::history(const std::string& refOrId) {
  WHARF_ASSIGN_OR_RETURN(Image img, resolve(refOrId));
  WHARF_ASSIGN_OR_RETURN(std::string manifestJson, content_.read(img.manifestDigest));
  auto manifest = oci::parseManifest(manifestJson);
  if (!manifest.ok()) return std::move(manifest).error().context("image " + img.id);
  // A layer's size is its blob's, as stored: the sizes add up to the image's Size.
  std::vector<int64_t> sizes;
  for (const auto& l : manifest->layers) sizes.push_back(l.size);

  std::vector<HistoryEntry> out;
  size_t layer = 0;
  const nlohmann::json& hist = img.config.history;
  if (hist.is_array()) {
    for (const auto& h : hist) {
      if (!h.is_object()) continue;
      HistoryEntry e;
      e.id = "<missing>";
      e.createdBy = stringField(h, "created_by");
      e.comment = stringField(h, "comment");
      std::string created = stringField(h, "created");
      if (!created.empty()) {
        // A time that cannot be read (docker's zero time among them) shows as the epoch.
        if (auto ns = parseRfc3339(created); ns.ok()) e.created = *ns / 1'000'000'000;
      }
      auto empty = h.find("empty_layer");
      bool emptyLayer = empty != h.end() && empty->is_boolean() && empty->get<bool>();
      if (!emptyLayer) {
        if (layer >= sizes.size())
          return internalError("image " + img.id +
                               ": its history names more layers than its manifest has");
        e.size = sizes[layer++];
      }
      out.push_back(std::move(e));
    }
  }
  std::reverse(out.begin(), out.end());
  if (!out.empty()) {
    out.front().id = img.id;
    out.front().tags = img.repoTags;
  }
  return out;
}

}  // namespace wharf::image
