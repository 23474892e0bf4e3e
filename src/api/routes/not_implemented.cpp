// The Engine API endpoints wharf does not serve yet (moby's api/swagger.yaml, v1.51). Each
// answers 501 with a message that names the feature, so that a client learns "not yet"
// instead of a 404 "page not found" that reads like a wrong URL or a missing object.
// Registered after every real route: the router takes the first match.

#include "api/errors.h"
#include "api/internal/routes.h"

namespace wharf::api {

namespace {

struct Missing {
  const char* method;
  const char* pattern;
  const char* feature;
};

constexpr Missing kMissing[] = {
    {"GET", "/containers/{id}/attach/ws", "attach over websocket"},
    {"GET", "/containers/{id}/archive", "copying files from containers (cp)"},
    {"HEAD", "/containers/{id}/archive", "copying files from containers (cp)"},
    {"PUT", "/containers/{id}/archive", "copying files to containers (cp)"},
    {"POST", "/build", "image build"},
    {"POST", "/build/cancel", "image build"},
    {"GET", "/images/search", "image search"},
    {"POST", "/commit", "commit"},
    {"GET", "/networks", "networks"},
    {"GET", "/networks/{id}", "networks"},
    {"DELETE", "/networks/{id}", "networks"},
    {"POST", "/networks/create", "networks"},
    {"POST", "/networks/{id}/connect", "networks"},
    {"POST", "/networks/{id}/disconnect", "networks"},
    {"POST", "/networks/prune", "network prune"},
    {"PUT", "/volumes/{name}", "cluster volumes"},
    {"GET", "/distribution/{name*}/json", "distribution inspect"},
    {"POST", "/session", "BuildKit sessions"},
    {"POST", "/grpc", "BuildKit"},
    {"GET", "/plugins", "plugins"},
    {"GET", "/plugins/privileges", "plugins"},
    {"POST", "/plugins/pull", "plugins"},
    {"GET", "/plugins/{name*}/json", "plugins"},
    {"DELETE", "/plugins/{name*}", "plugins"},
    {"POST", "/plugins/{name*}/enable", "plugins"},
    {"POST", "/plugins/{name*}/disable", "plugins"},
    {"POST", "/plugins/{name*}/upgrade", "plugins"},
    {"POST", "/plugins/create", "plugins"},
    {"POST", "/plugins/{name*}/push", "plugins"},
    {"POST", "/plugins/{name*}/set", "plugins"},
    {"GET", "/swarm", "swarm mode"},
    {"POST", "/swarm/init", "swarm mode"},
    {"POST", "/swarm/join", "swarm mode"},
    {"POST", "/swarm/leave", "swarm mode"},
    {"POST", "/swarm/update", "swarm mode"},
    {"GET", "/swarm/unlockkey", "swarm mode"},
    {"POST", "/swarm/unlock", "swarm mode"},
    {"GET", "/nodes", "swarm mode"},
    {"GET", "/nodes/{id}", "swarm mode"},
    {"GET", "/services", "swarm mode"},
    {"POST", "/services/create", "swarm mode"},
    {"GET", "/services/{id}", "swarm mode"},
    {"GET", "/tasks", "swarm mode"},
    {"GET", "/secrets", "swarm mode"},
    {"GET", "/configs", "swarm mode"},
};

}  // namespace

void addNotImplementedRoutes(Router& router) {
  for (const Missing& m : kMissing) {
    std::string feature = m.feature;
    std::string what = std::string(m.method) + " " + m.pattern;
    router.add(
        m.method, m.pattern, "NotImplemented", [feature, what](const Request&, ResponderPtr r) {
          replyError(*r,
                     notImplemented("wharf does not support " + feature + " yet (" + what + ")"));
        });
  }
}

}  // namespace wharf::api
