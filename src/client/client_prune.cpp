// Client: container prune, build cache prune, container changes, top and export (swagger tags
// "Container" and "Image").

#include "client/client.h"
#include "client/http.h"

namespace wharf::client {

namespace {

// docker's filters query: {"key":{"value":true}}; none at all when empty.
std::string pruneFiltersQuery(const std::map<std::string, std::vector<std::string>>& filters,
                              char sep) {
  if (filters.empty()) return "";
  Json f = Json::object();
  for (const auto& [k, vals] : filters)
    for (const auto& v : vals) f[k][v] = true;
  return std::string(1, sep) + "filters=" + urlEncode(f.dump());
}

}  // namespace

Result<Json> Client::containerPrune(
    const std::map<std::string, std::vector<std::string>>& filters) {
  return callJson("POST", "/containers/prune" + pruneFiltersQuery(filters, '?'));
}

Result<Json> Client::buildCachePrune(
    bool all, const std::map<std::string, std::vector<std::string>>& filters) {
  std::string path = "/build/prune";
  if (all) path += "?all=1";
  return callJson("POST", path + pruneFiltersQuery(filters, all ? '&' : '?'));
}

Result<Json> Client::containerChanges(const std::string& id) {
  return callJson("GET", "/containers/" + urlEncode(id) + "/changes");
}

Result<Json> Client::containerTop(const std::string& id, const std::string& psArgs) {
  std::string path = "/containers/" + urlEncode(id) + "/top";
  if (!psArgs.empty()) path += "?ps_args=" + urlEncode(psArgs);
  return callJson("GET", path);
}

Status Client::containerExport(const std::string& id,
                               const std::function<Status(std::string_view)>& onData) {
  return streamedGet("/containers/" + urlEncode(id) + "/export", onData);
}

}  // namespace wharf::client
