#include "api/router.h"

#include <charconv>

#include "api/errors.h"
#include "api/internal/request_target.h"
#include "common/log.h"

namespace wharf::api {

namespace {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

bool isCapture(const std::string& seg) { return seg.size() >= 2 && seg.front() == '{'; }
bool isRestCapture(const std::string& seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg[seg.size() - 2] == '*';
}
std::string captureName(const std::string& seg) {
  return seg.substr(1, seg.size() - (isRestCapture(seg) ? 3 : 2));
}

}  // namespace

std::optional<std::string> Request::query(const std::string& name) const {
  auto it = queryParams.find(name);
  if (it == queryParams.end()) return std::nullopt;
  return it->second;
}

bool Request::queryBool(const std::string& name, bool dflt) const {
  auto v = query(name);
  if (!v) return dflt;
  // moby's httputils.BoolValue: anything but "", "0", "no", "false", "none" is true.
  std::string s = *v;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !(s.empty() || s == "0" || s == "no" || s == "false" || s == "none");
}

std::string Request::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? std::string() : it->second;
}

bool Request::versionAtLeast(std::string_view v) const {
  return compareVersions(apiVersion, v) >= 0;
}

int compareVersions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto take = [](std::string_view& s) {
      size_t dot = s.find('.');
      std::string_view part = s.substr(0, dot);
      s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
      long n = 0;
      std::from_chars(part.data(), part.data() + part.size(), n);
      return n;
    };
    long x = take(a), y = take(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

void replyJson(Responder& r, int status, const Json& body) {
  r.reply(status, "application/json",
          body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
}

void replyError(Responder& r, const Error& err) {
  r.reply(httpStatus(err.category()), "application/json", errorBody(err.message()));
}

void replyEmpty(Responder& r, int status) { r.reply(status, "", ""); }

Router::Router(std::string apiVersion, std::string minApiVersion)
    : apiVersion_(std::move(apiVersion)), minApiVersion_(std::move(minApiVersion)) {}

void Router::add(std::string method, const std::string& pattern, std::string operation,
                 Handler handler) {
  routes_.push_back(
      Route{std::move(method), splitPath(pattern), std::move(operation), std::move(handler)});
}

void Router::addUpload(std::string method, const std::string& pattern, std::string operation,
                       Handler handler) {
  add(std::move(method), pattern, std::move(operation), std::move(handler));
  routes_.back().upload = true;
}

bool Router::spoolsBody(const std::string& method, std::string_view target) const {
  Request req;
  parseTarget(target, req);
  std::string version;
  if (!stripVersion(req.path, &version).ok()) return false;
  auto parts = splitPath(req.path);
  std::map<std::string, std::string> params;
  for (const auto& route : routes_) {
    if (route.method != method || !matchRoute(route, parts, &params)) continue;
    return route.upload;  // the first match is the one dispatch calls
  }
  return false;
}

Status Router::stripVersion(std::string& path, std::string* version) const {
  *version = apiVersion_;
  // "/v1.41/containers/json": a 'v', digits and dots, then '/' or the end.
  if (path.size() < 3 || path[0] != '/' || path[1] != 'v') return okStatus();
  size_t end = path.find('/', 1);
  if (end == std::string::npos) end = path.size();
  std::string_view v(path.data() + 2, end - 2);
  if (v.empty() || v.find_first_not_of("0123456789.") != std::string_view::npos ||
      v.find('.') == std::string_view::npos)
    return okStatus();
  std::string ver(v);
  path.erase(0, end);
  if (path.empty()) path = "/";
  // moby's middleware/version.go words these.
  if (compareVersions(ver, minApiVersion_) < 0)
    return invalidArgument("client version " + ver +
                           " is too old. Minimum supported API version is " + minApiVersion_ +
                           ", please upgrade your client to a newer version");
  if (compareVersions(ver, apiVersion_) > 0)
    return invalidArgument("client version " + ver +
                           " is too new. Maximum supported API version is " + apiVersion_);
  *version = ver;
  return okStatus();
}

bool Router::matchRoute(const Route& route, const std::vector<std::string>& parts,
                        std::map<std::string, std::string>* params) {
  const auto& segs = route.segments;
  size_t rest = segs.size();
  for (size_t i = 0; i < segs.size(); ++i)
    if (isRestCapture(segs[i])) rest = i;
  if (rest == segs.size()) {
    if (parts.size() != segs.size()) return false;
  } else if (parts.size() < segs.size()) {
    return false;
  }
  // Segments before the rest capture match from the front, those after it from the back.
  std::map<std::string, std::string> caps;
  auto one = [&](const std::string& seg, const std::string& part) {
    if (isCapture(seg)) {
      caps[captureName(seg)] = part;
      return true;
    }
    return seg == part;
  };
  size_t head = std::min(rest, segs.size());
  for (size_t i = 0; i < head; ++i)
    if (!one(segs[i], parts[i])) return false;
  if (rest < segs.size()) {
    size_t tail = segs.size() - rest - 1;
    for (size_t k = 0; k < tail; ++k)
      if (!one(segs[segs.size() - 1 - k], parts[parts.size() - 1 - k])) return false;
    std::string joined;
    for (size_t i = rest; i < parts.size() - tail; ++i) {
      if (!joined.empty()) joined += '/';
      joined += parts[i];
    }
    caps[captureName(segs[rest])] = joined;
  }
  *params = std::move(caps);
  return true;
}

const Handler* Router::match(const std::string& method, const std::string& path,
                             std::map<std::string, std::string>* params,
                             const std::string** operation) const {
  auto parts = splitPath(path);
  for (const auto& route : routes_) {
    if (route.method != method) continue;
    if (!matchRoute(route, parts, params)) continue;
    if (operation) *operation = &route.operation;
    return &route.handler;
  }
  return nullptr;
}

void Router::dispatch(Request& req, ResponderPtr r) const {
  if (auto st = stripVersion(req.path, &req.apiVersion); !st.ok()) {
    replyError(*r, st.error());
    return;
  }
  const std::string* operation = nullptr;
  const Handler* h = match(req.method, req.path, &req.params, &operation);
  if (!h) {
    r->reply(404, "application/json", errorBody("page not found"));
    return;
  }
  log::debug("api: {} {} -> {} (API {})", req.method, req.target, *operation, req.apiVersion);
  (*h)(req, std::move(r));
}

}  // namespace wharf::api
