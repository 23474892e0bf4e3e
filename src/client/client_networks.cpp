// The network calls of the Engine API client (swagger tag "Network").
#include "client/client.h"
#include "client/http.h"

namespace wharf::client {

Result<Json> Client::networkCreate(const Json& body) {
  return callJson("POST", "/networks/create", body.dump());
}

Result<Json> Client::networkList(const Json& filters) {
  std::string path = "/networks";
  if (!filters.empty()) path += "?filters=" + urlEncode(filters.dump());
  return callJson("GET", path);
}

Result<OrderedJson> Client::networkInspectOrdered(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(Reply r, call("GET", "/networks/" + urlEncode(idOrName)));
  try {
    return OrderedJson::parse(r.body);
  } catch (const OrderedJson::exception& e) {
    return internalError(std::string("invalid JSON from the daemon: ") + e.what());
  }
}

Status Client::networkRemove(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(Reply r, call("DELETE", "/networks/" + urlEncode(idOrName)));
  (void)r;
  return okStatus();
}

Result<Json> Client::networkPrune(const Json& filters) {
  std::string path = "/networks/prune";
  if (!filters.empty()) path += "?filters=" + urlEncode(filters.dump());
  return callJson("POST", path);
}

Status Client::networkConnect(const std::string& network, const Json& body) {
  WHARF_ASSIGN_OR_RETURN(Reply r,
                         call("POST", "/networks/" + urlEncode(network) + "/connect", body.dump()));
  (void)r;
  return okStatus();
}

Status Client::networkDisconnect(const std::string& network, const Json& body) {
  WHARF_ASSIGN_OR_RETURN(
      Reply r, call("POST", "/networks/" + urlEncode(network) + "/disconnect", body.dump()));
  (void)r;
  return okStatus();
}

}  // namespace wharf::client
