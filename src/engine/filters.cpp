#include "engine/filters.h"

#include <algorithm>
#include <charconv>

#include "engine/container_record.h"

namespace wharf::engine {

namespace {

bool parseInt(const std::string& s, int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool labelMatches(const ContainerInfo& c, const std::string& want) {
  size_t eq = want.find('=');
  auto it = c.spec.labels.find(want.substr(0, eq));
  if (it == c.spec.labels.end()) return false;
  return eq == std::string::npos || it->second == want.substr(eq + 1);
}

bool oneMatches(const ContainerInfo& c, const std::string& key, const std::string& v,
                const std::function<bool(const std::string&, const ContainerInfo&)>& ancestor) {
  if (key == "id") return c.id.rfind(v, 0) == 0;
  if (key == "name") {
    std::string want = !v.empty() && v[0] == '/' ? v.substr(1) : v;
    return c.name.find(want) != std::string::npos;
  }
  if (key == "label") return labelMatches(c, v);
  if (key == "status") return v == statusName(c.state.status);
  if (key == "ancestor") return ancestor(v, c);
  if (key == "exited") {
    int code = 0;
    return c.state.status == ContainerStatus::kExited && parseInt(v, &code) &&
           code == c.state.exitCode;
  }
  return false;
}

}  // namespace

Status validateFilters(const Filters& filters) {
  static const std::vector<std::string> kKeys = {"id",     "name",     "label",
                                                 "status", "ancestor", "exited"};
  for (const auto& [key, values] : filters) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return invalidArgument("invalid filter '" + key + "'");
    }
    for (const auto& v : values) {
      if (key == "status" && !parseStatus(v).ok()) {
        return invalidArgument("Invalid filter 'status=" + v + "'");
      }
      int code = 0;
      if (key == "exited" && !parseInt(v, &code)) {
        return invalidArgument("invalid filter 'exited=" + v + "'");
      }
    }
  }
  return okStatus();
}

bool matchesFilters(
    const ContainerInfo& c, const Filters& filters,
    const std::function<bool(const std::string&, const ContainerInfo&)>& ancestorMatches) {
  for (const auto& [key, values] : filters) {
    if (values.empty()) continue;
    if (key == "label") {
      // Labels are the exception: every label filter must match (docker's behaviour).
      for (const auto& v : values) {
        if (!labelMatches(c, v)) return false;
      }
      continue;
    }
    // (key named again: clang before 16 cannot capture a structured binding)
    bool any = std::any_of(values.begin(), values.end(), [&, &key = key](const std::string& v) {
      return oneMatches(c, key, v, ancestorMatches);
    });
    if (!any) return false;
  }
  return true;
}

}  // namespace wharf::engine
