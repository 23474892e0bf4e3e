// Volume routes (swagger tag "Volume"): VolumeList, VolumeCreate, VolumeInspect, VolumeDelete,
// VolumePrune. VolumeUpdate (cluster volumes) is not implemented (routes/not_implemented.cpp).

#include "api/internal/container_json.h"
#include "api/internal/routes.h"
#include "common/json_read.h"

namespace wharf::api {

// swagger: Volume.
Json volumeJson(const engine::VolumeDetail& d, bool withUsage) {
  const volume::Volume& v = d.volume;
  Json j{{"CreatedAt", v.createdAt},
         {"Driver", v.driver},
         {"Labels", v.labels.empty() ? Json::object() : Json(v.labels)},
         {"Mountpoint", v.mountpoint},
         {"Name", v.name},
         {"Options", v.options.empty() ? Json(nullptr) : Json(v.options)},
         {"Scope", "local"}};
  if (withUsage) j["UsageData"] = {{"RefCount", d.refCount}, {"Size", d.size}};
  return j;
}

namespace {

Result<volume::Filters> filtersOf(const Request& req) {
  return parseFilters(req.query("filters").value_or(""));
}

Result<volume::CreateRequest> createRequestOf(const Request& req) {
  volume::CreateRequest out;
  if (req.body.empty()) return out;
  WHARF_ASSIGN_OR_RETURN(Json body, parseJson(req.body, "request body"));
  if (!body.is_object()) return invalidArgument("invalid JSON: the body must be an object");
  WHARF_TRY(json::read(body, "Name", "", out.name));
  WHARF_TRY(json::read(body, "Driver", "", out.driver));
  WHARF_TRY(json::read(body, "DriverOpts", "", out.options));
  WHARF_TRY(json::read(body, "Labels", "", out.labels));
  if (auto it = body.find("ClusterVolumeSpec"); it != body.end() && !it->is_null())
    return notImplemented("cluster volumes need swarm mode, which wharf does not support");
  return out;
}

}  // namespace

void addVolumeRoutes(Router& router, RouteContextPtr ctx) {
  if (!ctx->volumes) {
    // A server built without a volume backend (some tests): 501, as for other missing parts.
    for (auto [method, pattern] : {std::pair{"GET", "/volumes"},
                                   {"POST", "/volumes/create"},
                                   {"POST", "/volumes/prune"},
                                   {"GET", "/volumes/{name}"},
                                   {"DELETE", "/volumes/{name}"}}) {
      std::string what = std::string(method) + " " + pattern;
      router.add(method, pattern, "NotImplemented", [what](const Request&, ResponderPtr r) {
        replyError(*r, notImplemented("wharf does not support volumes yet (" + what + ")"));
      });
    }
    return;
  }
  engine::VolumeBackend& volumes = *ctx->volumes;
  router.add("GET", "/volumes", "VolumeList", [&volumes](const Request& req, ResponderPtr r) {
    auto filters = filtersOf(req);
    if (!filters.ok()) return replyError(*r, filters.error());
    auto list = volumes.listVolumes(*filters);
    if (!list.ok()) return replyError(*r, list.error());
    Json out = Json::array();
    for (const auto& d : *list) out.push_back(volumeJson(d, false));
    replyJson(*r, 200, Json{{"Volumes", out}, {"Warnings", Json::array()}});
  });
  router.add("POST", "/volumes/create", "VolumeCreate",
             [&volumes](const Request& req, ResponderPtr r) {
               auto create = createRequestOf(req);
               if (!create.ok()) return replyError(*r, create.error());
               auto v = volumes.createVolume(*create);
               if (!v.ok()) return replyError(*r, v.error());
               replyJson(*r, 201, volumeJson(*v, false));
             });
  router.add("POST", "/volumes/prune", "VolumePrune",
             [&volumes](const Request& req, ResponderPtr r) {
               auto filters = filtersOf(req);
               if (!filters.ok()) return replyError(*r, filters.error());
               // Before API 1.42 prune took every unused volume, named ones too.
               if (!req.versionAtLeast("1.42") && !filters->count("all"))
                 (*filters)["all"] = {"true"};
               auto report = volumes.pruneVolumes(*filters);
               if (!report.ok()) return replyError(*r, report.error());
               replyJson(*r, 200,
                         Json{{"VolumesDeleted",
                               report->deleted.empty() ? Json(nullptr) : Json(report->deleted)},
                              {"SpaceReclaimed", report->spaceReclaimed}});
             });
  router.add("GET", "/volumes/{name}", "VolumeInspect",
             [&volumes](const Request& req, ResponderPtr r) {
               auto v = volumes.inspectVolume(req.params.at("name"));
               if (!v.ok()) return replyError(*r, v.error());
               replyJson(*r, 200, volumeJson(*v, false));
             });
  router.add("DELETE", "/volumes/{name}", "VolumeDelete",
             [&volumes](const Request& req, ResponderPtr r) {
               Status st = volumes.removeVolume(req.params.at("name"), req.queryBool("force"));
               if (!st.ok()) return replyError(*r, st.error());
               replyEmpty(*r, 204);
             });
}

}  // namespace wharf::api
