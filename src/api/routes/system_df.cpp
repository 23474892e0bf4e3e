// GET /system/df (swagger: SystemDataUsage, the legacy shape docker CLIs up to 28 read):
// {LayersSize, Images, Containers, Volumes, BuildCache}. From API 1.42 `type=` (repeatable:
// container, image, volume, build-cache) limits the answer to those kinds; the others are
// null, as moby leaves them.

#include <ctime>

#include "api/internal/container_json.h"
#include "api/internal/routes.h"

namespace wharf::api {

namespace {

Result<engine::DiskUsageOptions> optionsOf(const Request& req) {
  engine::DiskUsageOptions o;
  auto types = req.queryParams.equal_range("type");
  if (!req.versionAtLeast("1.42") || types.first == types.second) return o;
  o = {false, false, false, false};
  for (auto it = types.first; it != types.second; ++it) {
    const std::string& t = it->second;
    if (t == "container") {
      o.containers = true;
    } else if (t == "image") {
      o.images = true;
    } else if (t == "volume") {
      o.volumes = true;
    } else if (t == "build-cache") {
      o.buildCache = true;
    } else {
      return invalidArgument("unknown object type: " + t);
    }
  }
  return o;
}

Json diskUsageJson(const engine::DiskUsage& du, const engine::DiskUsageOptions& o,
                   const Request& req) {
  Json out{{"LayersSize", o.images ? du.layersSize : 0},
           {"Images", nullptr},
           {"Containers", nullptr},
           {"Volumes", nullptr},
           {"BuildCache", nullptr}};
  if (o.images) {
    Json images = Json::array();
    for (const auto& i : du.images) {
      Json j = imageSummaryJson(i.summary, req);
      j["Size"] = i.size;
      j["SharedSize"] = i.sharedSize;
      j["Containers"] = i.containers;
      if (j.contains("VirtualSize")) j["VirtualSize"] = i.size;
      images.push_back(std::move(j));
    }
    out["Images"] = std::move(images);
  }
  if (o.containers) {
    Json containers = Json::array();
    const int64_t now = std::time(nullptr);
    for (const auto& c : du.containers) {
      Json j = containerSummaryJson(c.container, now);
      j["SizeRw"] = c.sizeRw;
      j["SizeRootFs"] = c.sizeRootFs;
      containers.push_back(std::move(j));
    }
    out["Containers"] = std::move(containers);
  }
  if (o.volumes) {
    Json volumes = Json::array();
    for (const auto& v : du.volumes) volumes.push_back(volumeJson(v, true));
    out["Volumes"] = std::move(volumes);
  }
  // wharf has no builder yet: an empty build cache, as dockerd answers with no cache records.
  if (o.buildCache) out["BuildCache"] = Json::array();
  return out;
}

}  // namespace

void addDiskUsageRoutes(Router& router, RouteContextPtr ctx) {
  router.add("GET", "/system/df", "SystemDataUsage", [ctx](const Request& req, ResponderPtr r) {
    auto opts = optionsOf(req);
    if (!opts.ok()) return replyError(*r, opts.error());
    ctx->system.diskUsage(*opts, [r, o = *opts, req](Result<engine::DiskUsage> du) {
      if (!du.ok()) return replyError(*r, du.error());
      replyJson(*r, 200, diskUsageJson(*du, o, req));
    });
  });
}

}  // namespace wharf::api
