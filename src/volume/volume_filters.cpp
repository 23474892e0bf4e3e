// Filters of `GET /volumes` and `POST /volumes/prune`, with dockerd's words for bad ones.
#include "volume/volume_service.h"

namespace wharf::volume {

namespace {

Result<bool> parseBoolFilter(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return invalidArgument("invalid filter '" + key + "=" + v + "'");
}

}  // namespace

bool matchesLabel(const std::map<std::string, std::string>& labels, const std::string& want) {
  size_t eq = want.find('=');
  auto it = labels.find(want.substr(0, eq));
  if (it == labels.end()) return false;
  return eq == std::string::npos || it->second == want.substr(eq + 1);
}

Status validateListFilters(const Filters& filters) {
  for (const auto& [key, values] : filters) {
    if (key != "name" && key != "label" && key != "dangling" && key != "driver")
      return invalidArgument("invalid filter '" + key + "'");
    if (key == "dangling")
      for (const auto& v : values) WHARF_TRY(parseBoolFilter(key, v));
  }
  return okStatus();
}

Status validatePruneFilters(const Filters& filters) {
  for (const auto& [key, values] : filters) {
    if (key != "label" && key != "label!" && key != "all")
      return invalidArgument("invalid filter '" + key + "'");
    if (key == "all")
      for (const auto& v : values) WHARF_TRY(parseBoolFilter(key, v));
  }
  return okStatus();
}

bool matchesListFilters(const Volume& v, bool inUse, const Filters& filters) {
  for (const auto& [key, values] : filters) {
    if (values.empty()) continue;
    bool any = false;
    for (const auto& want : values) {
      if (key == "name")
        any = any || v.name.find(want) != std::string::npos;
      else if (key == "driver")
        any = any || v.driver == want;
      else if (key == "dangling")
        any = any || (*parseBoolFilter(key, want) == !inUse);
    }
    // Labels: every one must match (docker ANDs label filters, ORs the others).
    if (key == "label") {
      any = true;
      for (const auto& want : values) any = any && matchesLabel(v.labels, want);
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace wharf::volume
