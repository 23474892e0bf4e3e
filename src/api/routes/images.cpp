// Image routes (swagger tag "Image"): list, inspect and history; and wharf's own bootstrap of a
// built-in image. Tag, delete, load, import, save and pull are in image_transfer.cpp.

#include "api/internal/container_json.h"
#include "api/internal/routes.h"

namespace wharf::api {

// GET /images/json entry (swagger: ImageSummary); /system/df sets SharedSize and Containers.
Json imageSummaryJson(const engine::ImageSummary& s, const Request& req) {
  Json j{{"Id", s.id},
         {"ParentId", ""},
         {"RepoTags", s.repoTags},
         {"RepoDigests", s.repoDigests},
         {"Created", s.created},
         {"Size", s.size},
         {"SharedSize", -1},
         {"Labels", s.labels},
         {"Containers", -1}};
  if (!req.versionAtLeast("1.44")) j["VirtualSize"] = s.size;  // removed in 1.44
  return j;
}

namespace {

// GET /images/{name}/json (swagger: ImageInspect).
Json imageInspectJson(const engine::ImageDetail& d, const Request& req) {
  Json exposed = Json::object();
  for (const auto& p : d.exposedPorts) exposed[p] = Json::object();
  Json volumes = Json::object();
  for (const auto& v : d.volumes) volumes[v] = Json::object();
  Json config{{"Hostname", ""},
              {"Domainname", ""},
              {"User", d.user},
              {"AttachStdin", false},
              {"AttachStdout", false},
              {"AttachStderr", false},
              {"Tty", false},
              {"OpenStdin", false},
              {"StdinOnce", false},
              {"Env", stringsOrNull(d.env)},
              {"Cmd", stringsOrNull(d.cmd)},
              {"Image", ""},
              {"Volumes", d.volumes.empty() ? Json(nullptr) : volumes},
              {"WorkingDir", d.workingDir},
              {"Entrypoint", stringsOrNull(d.entrypoint)},
              {"OnBuild", nullptr},
              {"Labels", d.labels.empty() ? Json(nullptr) : Json(d.labels)}};
  if (!d.exposedPorts.empty()) config["ExposedPorts"] = exposed;
  if (!d.stopSignal.empty()) config["StopSignal"] = d.stopSignal;
  Json j{{"Id", d.summary.id},
         {"RepoTags", d.summary.repoTags},
         {"RepoDigests", d.summary.repoDigests},
         {"Parent", ""},
         {"Comment", ""},
         {"Created", d.createdIso},
         {"DockerVersion", ""},
         {"Author", d.author},
         {"Config", config},
         {"Architecture", d.architecture},
         {"Os", d.os},
         {"Size", d.summary.size},
         {"GraphDriver", {{"Name", "overlay2"}, {"Data", nullptr}}},
         {"RootFS", {{"Type", "layers"}, {"Layers", d.diffIds}}},
         {"Metadata", {{"LastTagTime", "0001-01-01T00:00:00Z"}}}};
  if (!req.versionAtLeast("1.44")) j["VirtualSize"] = d.summary.size;
  return j;
}

}  // namespace

void addImageRoutes(Router& router, RouteContextPtr ctx) {
  router.add("GET", "/images/json", "ImageList", [ctx](const Request& req, ResponderPtr r) {
    auto list = ctx->images.listImages(req.queryBool("all"));
    if (!list.ok()) return replyError(*r, list.error());
    Json out = Json::array();
    for (const auto& s : *list) out.push_back(imageSummaryJson(s, req));
    replyJson(*r, 200, out);
  });
  // Names contain slashes ("localhost:5000/a/b:tag"): the capture takes the rest of the path.
  router.add("GET", "/images/{name*}/json", "ImageInspect",
             [ctx](const Request& req, ResponderPtr r) {
               auto d = ctx->images.inspectImage(req.params.at("name"));
               if (!d.ok()) return replyError(*r, d.error());
               replyJson(*r, 200, imageInspectJson(*d, req));
             });
  // swagger: HistoryResponseItem; Tags is null where docker has none (entries below the top).
  router.add("GET", "/images/{name*}/history", "ImageHistory",
             [ctx](const Request& req, ResponderPtr r) {
               auto h = ctx->images.imageHistory(req.params.at("name"));
               if (!h.ok()) return replyError(*r, h.error());
               Json out = Json::array();
               for (const auto& e : *h)
                 out.push_back({{"Id", e.id},
                                {"Created", e.created},
                                {"CreatedBy", e.createdBy},
                                {"Tags", stringsOrNull(e.tags)},
                                {"Size", e.size},
                                {"Comment", e.comment}});
               replyJson(*r, 200, out);
             });
  // swagger: ImagePrune. ImagesDeleted is null when nothing went, as dockerd answers.
  router.add("POST", "/images/prune", "ImagePrune", [ctx](const Request& req, ResponderPtr r) {
    auto filters = parseFilters(req.query("filters").value_or(""));
    if (!filters.ok()) return replyError(*r, filters.error());
    ctx->images.pruneImages(
        std::move(*filters), [r](Result<engine::ImageBackend::PruneReport> rep) {
          if (!rep.ok()) return replyError(*r, rep.error());
          Json deleted = Json::array();
          for (const auto& i : rep->deleted) {
            if (!i.untagged.empty()) deleted.push_back({{"Untagged", i.untagged}});
            if (!i.deleted.empty()) deleted.push_back({{"Deleted", i.deleted}});
          }
          replyJson(*r, 200,
                    {{"ImagesDeleted", deleted.empty() ? Json(nullptr) : deleted},
                     {"SpaceReclaimed", rep->spaceReclaimed}});
        });
  });
  router.add("POST", "/wharf/images/bootstrap", "WharfImageBootstrap",
             [ctx](const Request& req, ResponderPtr r) {
               std::string name = req.query("name").value_or("busybox");
               // The request is copied into the callback: bootstrap finishes after this handler
               // returns.
               ctx->images.bootstrapImage(name, [r, req](Result<engine::ImageSummary> s) {
                 if (!s.ok()) return replyError(*r, s.error());
                 replyJson(*r, 200, imageSummaryJson(*s, req));
               });
             });
  addImageTransferRoutes(router, ctx);
  addRegistryRoutes(router, ctx);
}

}  // namespace wharf::api
