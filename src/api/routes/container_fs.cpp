// Container routes over the container's filesystem and processes: POST /containers/prune, GET
// /containers/{id}/changes, /top and /export, the `size=1` of list and inspect (SizeRw, SizeRootFs
// from the engine's disk usage, as system df measures them), and POST /build/prune (wharf has no
// build cache: nothing to delete, said honestly rather than a 404; docs/decisions.md).

#include <boost/asio/posix/stream_descriptor.hpp>
#include <ctime>
#include <map>
#include <memory>
#include <utility>

#include "api/internal/container_json.h"
#include "api/internal/routes.h"

namespace wharf::api {

namespace {

// Streams the export pipe to the client: the next read is posted only when the previous
// chunk was written, so a slow client slows the tar writer (it blocks on the full pipe)
// instead of growing the daemon's memory. The client leaving closes the pipe, which ends the
// writer (EPIPE).
struct ExportPump : std::enable_shared_from_this<ExportPump> {
  ExportPump(boost::asio::io_context& io, UniqueFd fd, ResponderPtr resp)
      : sd(io, fd.release()), r(std::move(resp)) {}

  void next() {
    buf.resize(256 << 10);
    sd.async_read_some(boost::asio::buffer(buf),
                       [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                         if (ec || n == 0)
                           return self->r->finish();  // EOF: the tar is complete (or cut short)
                         std::string chunk(self->buf.data(), n);
                         self->r->write(std::move(chunk), [self](bool ok) {
                           if (ok) return self->next();
                           boost::system::error_code ignored;
                           self->sd.close(ignored);
                         });
                       });
  }

  boost::asio::posix::stream_descriptor sd;
  ResponderPtr r;
  std::string buf;
};

}  // namespace

void withContainerSizes(const RouteContext& ctx, bool wanted,
                        std::function<void(Result<ContainerSizes>)> done) {
  if (!wanted) return done(ContainerSizes{});
  engine::DiskUsageOptions opts{false, true, false, false};
  ctx.system.diskUsage(opts, [done = std::move(done)](Result<engine::DiskUsage> du) {
    if (!du.ok()) return done(std::move(du).error());
    ContainerSizes sizes;
    for (const auto& c : du->containers) sizes[c.container.id] = {c.sizeRw, c.sizeRootFs};
    done(std::move(sizes));
  });
}

void addContainerFsRoutes(Router& router, RouteContextPtr ctx) {
  // swagger: ContainerPruneResponse; ContainersDeleted null when none went, as dockerd.
  router.add(
      "POST", "/containers/prune", "ContainerPrune", [ctx](const Request& req, ResponderPtr r) {
        auto filters = parseFilters(req.query("filters").value_or(""));
        if (!filters.ok()) return replyError(*r, filters.error());
        ctx->containers.pruneContainers(*filters, [r](Result<engine::ContainerPruneReport> rep) {
          if (!rep.ok()) return replyError(*r, rep.error());
          replyJson(*r, 200,
                    {{"ContainersDeleted", stringsOrNull(rep->deleted)},
                     {"SpaceReclaimed", rep->spaceReclaimed}});
        });
      });
  // swagger: FilesystemChange list (null when nothing changed: moby's nil slice).
  router.add("GET", "/containers/{id}/changes", "ContainerChanges",
             [ctx](const Request& req, ResponderPtr r) {
               ctx->containers.containerChanges(
                   req.params.at("id"), [r](Result<std::vector<engine::FilesystemChange>> changes) {
                     if (!changes.ok()) return replyError(*r, changes.error());
                     Json out = Json::array();
                     for (const auto& c : *changes)
                       out.push_back({{"Path", c.path}, {"Kind", static_cast<int>(c.kind)}});
                     replyJson(*r, 200, out.empty() ? Json(nullptr) : out);
                   });
             });
  // swagger: ContainerTopResponse.
  router.add("GET", "/containers/{id}/top", "ContainerTop",
             [ctx](const Request& req, ResponderPtr r) {
               ctx->containers.containerTop(
                   req.params.at("id"), req.query("ps_args").value_or(""),
                   [r](Result<engine::ContainerTop> top) {
                     if (!top.ok()) return replyError(*r, top.error());
                     replyJson(*r, 200, {{"Titles", top->titles}, {"Processes", top->processes}});
                   });
             });
  // application/x-tar, streamed as the engine writes it.
  router.add("GET", "/containers/{id}/export", "ContainerExport",
             [ctx](const Request& req, ResponderPtr r) {
               ctx->containers.exportContainer(req.params.at("id"), [ctx, r](Result<UniqueFd> fd) {
                 if (!fd.ok()) return replyError(*r, fd.error());
                 r->startStream(200, "application/x-tar");
                 auto pump = std::make_shared<ExportPump>(ctx->io, std::move(*fd), r);
                 r->onClose([weak = std::weak_ptr<ExportPump>(pump)] {
                   if (auto p = weak.lock()) {
                     boost::system::error_code ignored;
                     p->sd.close(ignored);
                   }
                 });
                 pump->next();
               });
             });
  // swagger: BuildPruneResponse. The classic builder keeps no cache apart from images (which
  // image prune removes): there is never anything to delete here.
  router.add("POST", "/build/prune", "BuildPrune", [](const Request& req, ResponderPtr r) {
    auto filters = parseFilters(req.query("filters").value_or(""));
    if (!filters.ok()) return replyError(*r, filters.error());
    replyJson(*r, 200, {{"CachesDeleted", nullptr}, {"SpaceReclaimed", 0}});
  });
}

}  // namespace wharf::api
