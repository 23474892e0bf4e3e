// ImageService::usagePlan / measureUsage: the image half of `docker system df`.
//
// Every byte the image store holds is counted: the blobs (compressed layers, configs,
// manifests) and the unpacked snapshots. An image's Size is its blobs plus its snapshots;
// its SharedSize the part of that which another image also refers to (a shared base layer);
// LayersSize everything in the store once, including what no image refers to (garbage that
// the next GC pass removes).

#include <map>
#include <set>

#include "image/image_service.h"

namespace wharf::image {

Result<ImageService::UsagePlan> ImageService::usagePlan() {
  UsagePlan plan;
  WHARF_ASSIGN_OR_RETURN(std::vector<Image> images, list());
  for (auto& img : images) {
    UsagePlan::Entry e;
    e.blobs = {img.manifestDigest, img.id};
    if (auto m = content_.read(img.manifestDigest); m.ok()) {
      if (auto parsed = oci::parseManifest(*m); parsed.ok())
        for (const auto& l : parsed->layers) e.blobs.push_back(l.digest);
    }
    e.chains = img.chainIds;
    e.image = std::move(img);
    plan.images.push_back(std::move(e));
  }
  WHARF_ASSIGN_OR_RETURN(plan.allBlobs, content_.list());
  WHARF_ASSIGN_OR_RETURN(plan.allChains, snapshots_.list());
  return plan;
}

ImageService::UsageReport ImageService::measureUsage(const UsagePlan& plan) {
  // Sizes, each resource measured once. A resource removed since the plan was made counts 0.
  std::map<std::string, int64_t> blobSize, chainSize;
  auto blob = [&](const std::string& d) {
    auto it = blobSize.find(d);
    if (it != blobSize.end()) return it->second;
    auto s = content_.size(d);
    return blobSize[d] = s.ok() ? *s : 0;
  };
  auto chain = [&](const std::string& c) {
    auto it = chainSize.find(c);
    if (it != chainSize.end()) return it->second;
    auto s = snapshots_.usage(c);
    return chainSize[c] = s.ok() ? *s : 0;
  };
  // How many images refer to each resource.
  std::map<std::string, int> blobUsers, chainUsers;
  std::vector<std::set<std::string>> imageBlobs, imageChains;
  for (const auto& e : plan.images) {
    imageBlobs.emplace_back(e.blobs.begin(), e.blobs.end());
    imageChains.emplace_back(e.chains.begin(), e.chains.end());
    for (const auto& b : imageBlobs.back()) ++blobUsers[b];
    for (const auto& c : imageChains.back()) ++chainUsers[c];
  }

  UsageReport out;
  for (size_t i = 0; i < plan.images.size(); ++i) {
    ImageUsage u;
    u.image = plan.images[i].image;
    for (const auto& b : imageBlobs[i]) {
      int64_t n = blob(b);
      u.size += n;
      if (blobUsers[b] > 1) u.sharedSize += n;
    }
    for (const auto& c : imageChains[i]) {
      int64_t n = chain(c);
      u.size += n;
      u.unpackedSize += n;
      if (chainUsers[c] > 1) u.sharedSize += n;
    }
    out.images.push_back(std::move(u));
  }
  for (const auto& b : plan.allBlobs) out.layersSize += blob(b);
  for (const auto& c : plan.allChains) out.layersSize += chain(c);
  return out;
}

}  // namespace wharf::image
