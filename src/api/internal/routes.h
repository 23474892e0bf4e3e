#pragma once
// Route registration, one function per resource (routes/*.cpp). Internal to src/api.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "api/router.h"
#include "api/server.h"
#include "engine/backend.h"

namespace wharf::api {

// What every handler may use. Shared so that a backend callback that outlives the Server
// (it holds the Responder) still finds it.
struct RouteContext {
  boost::asio::io_context& io;
  engine::ContainerBackend& containers;
  engine::ImageBackend& images;
  engine::SystemBackend& system;
  ServerConfig cfg;
  // Optional: without it the volume endpoints answer 501 (routes/volumes.cpp).
  engine::VolumeBackend* volumes = nullptr;
  engine::NetworkBackend* networks = nullptr;  // null: the network routes answer 501
};
using RouteContextPtr = std::shared_ptr<const RouteContext>;

void addSystemRoutes(Router& router, RouteContextPtr ctx);
void addEventRoutes(Router& router, RouteContextPtr ctx);  // GET /events (routes/events.cpp)
void addContainerRoutes(Router& router, RouteContextPtr ctx);
void addImageRoutes(Router& router, RouteContextPtr ctx);
void addExecRoutes(Router& router, RouteContextPtr ctx);
void addContainerStatsRoutes(Router& router, RouteContextPtr ctx);  // routes/container_stats.cpp
void addImageTransferRoutes(Router& router, RouteContextPtr ctx);   // called by addImageRoutes
void addRegistryRoutes(Router& router, RouteContextPtr ctx);        // POST /auth, the same
void addNetworkRoutes(Router& router, RouteContextPtr ctx);
void addVolumeRoutes(Router& router, RouteContextPtr ctx);
// 501 for the Engine API endpoints not built yet (routes/not_implemented.cpp); last.
void addNotImplementedRoutes(Router& router);

// Shared by the container and exec routes (routes/containers.cpp).
inline constexpr const char* kRawStream = "application/vnd.docker.raw-stream";
inline constexpr const char* kMultiplexedStream = "application/vnd.docker.multiplexed-stream";
// moby: raw for a TTY; multiplexed otherwise, announced as such from API 1.42.
const char* streamType(const Request& req, bool tty);
// An optional integer query parameter: absent or empty is nullopt; anything else must parse.
Result<std::optional<int>> queryInt(const Request& req, const std::string& name);

// Docker's JSON for an empty list it leaves unset: null, not [].
inline Json stringsOrNull(const std::vector<std::string>& v) {
  return v.empty() ? Json(nullptr) : Json(v);
}
// GET /system/df (routes/system_df.cpp); called by addSystemRoutes.
void addDiskUsageRoutes(Router& router, RouteContextPtr ctx);
// JSON shapes other routes reuse: swagger's ImageSummary (routes/images.cpp) and Volume
// (routes/volumes.cpp, with UsageData when withUsage).
Json imageSummaryJson(const engine::ImageSummary& s, const Request& req);
Json volumeJson(const engine::VolumeDetail& d, bool withUsage);

// routes/container_fs.cpp: container prune, changes, build prune; and the sizes of `size=1`
// (id -> {SizeRw, SizeRootFs}), measured by the engine off the loop; empty when not wanted.
void addContainerFsRoutes(Router& router, RouteContextPtr ctx);
using ContainerSizes = std::map<std::string, std::pair<int64_t, int64_t>>;
void withContainerSizes(const RouteContext& ctx, bool wanted,
                        std::function<void(Result<ContainerSizes>)> done);

// Registers every route: what the Server does, and what tests call with fake backends.
void addAllRoutes(Router& router, RouteContextPtr ctx);

// Headers on every response (moby's middleware/version.go).
Headers commonHeaders(const ServerConfig& cfg);

}  // namespace wharf::api
