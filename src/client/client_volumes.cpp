// Client: the volume calls (swagger tag "Volume").

#include "client/client.h"
#include "client/http.h"

namespace wharf::client {

namespace {

std::string filtersQuery(const std::map<std::string, std::vector<std::string>>& filters) {
  if (filters.empty()) return "";
  Json f = Json::object();
  for (const auto& [k, vals] : filters)
    for (const auto& v : vals) f[k][v] = true;
  return "?filters=" + urlEncode(f.dump());
}

}  // namespace

Result<Json> Client::volumeCreate(const Json& body) {
  return callJson("POST", "/volumes/create", body.dump());
}

Result<Json> Client::volumeList(const std::map<std::string, std::vector<std::string>>& filters) {
  return callJson("GET", "/volumes" + filtersQuery(filters));
}

Result<OrderedJson> Client::volumeInspectOrdered(const std::string& name) {
  WHARF_ASSIGN_OR_RETURN(Reply r, call("GET", "/volumes/" + urlEncode(name)));
  try {
    return OrderedJson::parse(r.body);
  } catch (const OrderedJson::exception& e) {
    return internalError(std::string("invalid JSON from the daemon: ") + e.what());
  }
}

Status Client::volumeRemove(const std::string& name, bool force) {
  WHARF_TRY(call("DELETE", "/volumes/" + urlEncode(name) + (force ? "?force=1" : "")));
  return okStatus();
}

Result<Json> Client::volumePrune(const std::map<std::string, std::vector<std::string>>& filters) {
  return callJson("POST", "/volumes/prune" + filtersQuery(filters));
}

}  // namespace wharf::client
