#include "volume/volume_service.h"

#include <sys/stat.h>
#include <time.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/random.h"
#include "common/scope_guard.h"
#include "volume/local_driver.h"

namespace wharf::volume {

namespace stdfs = std::filesystem;

namespace {

std::string nowRfc3339() {
  time_t t = ::time(nullptr);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[32];
  ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json toJson(const Volume& v) {
  return Json{{"v", 1},
              {"name", v.name},
              {"driver", v.driver},
              {"createdAt", v.createdAt},
              {"labels", v.labels},
              {"options", v.options}};
}

Result<Volume> fromJson(const std::string& text, const std::string& what) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, what));
  try {
    if (!j.is_object() || j.value("v", 0) != 1) return invalidArgument(what + ": unknown version");
    Volume v;
    v.name = j.at("name").get<std::string>();
    v.driver = j.value("driver", "local");
    v.createdAt = j.value("createdAt", "");
    if (j.contains("labels")) v.labels = j["labels"].get<std::map<std::string, std::string>>();
    if (j.contains("options")) v.options = j["options"].get<Options>();
    return v;
  } catch (const Json::exception& e) {
    return invalidArgument(what + ": " + e.what());
  }
}

Error noSuchVolume(const std::string& name) { return notFound("get " + name + ": no such volume"); }

}  // namespace

VolumeService::VolumeService(stdfs::path root)
    : root_(std::move(root)), local_(std::make_unique<LocalDriver>(root_)) {}

VolumeService::~VolumeService() = default;

Driver& VolumeService::driverFor(const std::string&) { return *local_; }

Status VolumeService::load() {
  WHARF_TRY(fs::mkdirAll(root_, 0701));
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(root_, ec)) {
    if (!entry.is_directory(ec)) continue;
    std::string name = entry.path().filename().string();
    stdfs::path meta = entry.path() / "volume.json";
    auto text = fs::readFile(meta);
    if (!text.ok()) {
      // No metadata: a create that did not finish. Its data is nobody's.
      if (validateVolumeName(name).ok() && !fs::exists(meta)) {
        log::warn("removing volume directory {} left by an interrupted create",
                  entry.path().string());
        Status st = local_->remove(name);
        if (!st.ok()) log::warn("{}", st.error().message());
      }
      continue;
    }
    auto v = fromJson(*text, meta.string());
    if (!v.ok() || v->name != name) {
      log::warn("{}: {}; volume ignored", meta.string(),
                v.ok() ? "its name does not match the directory" : v.error().message());
      continue;
    }
    v->mountpoint = local_->mountpoint(name);
    volumes_[name] = std::move(*v);
  }
  if (ec) return sysError("list " + root_.string(), ec.value());
  return okStatus();
}

Status VolumeService::writeMetadata(const Volume& v) {
  return fs::writeFileAtomic(root_ / v.name / "volume.json", toJson(v).dump(), 0600, true);
}

Result<Volume> VolumeService::create(const CreateRequest& req) {
  std::string driver = req.driver.empty() ? "local" : req.driver;
  if (driver != "local")
    return notFound("error looking up volume plugin " + driver + ": plugin \"" + driver +
                    "\" not found");
  if (!req.name.empty()) {
    if (auto it = volumes_.find(req.name); it != volumes_.end()) {
      if (it->second.driver != driver)
        return conflict("create " + req.name + ": volume name must be unique");
      return it->second;
    }
    WHARF_TRY(validateVolumeName(req.name));
  }
  Volume v;
  v.name = req.name.empty() ? randomHex(32) : req.name;
  v.driver = driver;
  v.labels = req.labels;
  v.options = req.options;
  v.createdAt = nowRfc3339();
  if (req.name.empty()) v.labels[kAnonymousLabel] = "";
  Driver& d = driverFor(v.name);
  if (Status st = d.validateOptions(v.options); !st.ok())
    return std::move(st).error().context("create " + v.name);
  ScopeGuard undo([&] { (void)d.remove(v.name); });
  WHARF_ASSIGN_OR_RETURN(v.mountpoint, d.create(v.name, v.options));
  WHARF_TRY_CTX(writeMetadata(v), "create " + v.name);
  undo.dismiss();
  volumes_[v.name] = v;
  log::info("created volume {}", v.name);
  return v;
}

Result<Volume> VolumeService::get(const std::string& name) const {
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return noSuchVolume(name);
  return it->second;
}

Result<std::vector<Volume>> VolumeService::list(const Filters& filters) const {
  WHARF_TRY(validateListFilters(filters));
  std::vector<Volume> out;
  for (const auto& [name, v] : volumes_) {
    auto u = users_.find(name);
    bool inUse = u != users_.end() && !u->second.empty();
    if (matchesListFilters(v, inUse, filters)) out.push_back(v);
  }
  return out;
}

Status VolumeService::remove(const std::string& name, bool force) {
  auto it = volumes_.find(name);
  if (it == volumes_.end()) {
    if (force) return okStatus();
    return noSuchVolume(name);
  }
  if (auto u = users_.find(name); u != users_.end() && !u->second.empty()) {
    std::string ids;
    for (const auto& id : u->second) ids += (ids.empty() ? "" : " ") + id;
    return conflict("remove " + name + ": volume is in use - [" + ids + "]");
  }
  Driver& d = driverFor(name);
  // A device left mounted by a crash is unmounted first: remove never deletes through it.
  WHARF_TRY_CTX(d.unmount(name, it->second.options), "remove " + name);
  WHARF_TRY_CTX(d.remove(name), "remove " + name);
  volumes_.erase(it);
  mounted_.erase(name);
  log::info("removed volume {}", name);
  return okStatus();
}

Result<PruneReport> VolumeService::prune(const Filters& filters) {
  WHARF_TRY(validatePruneFilters(filters));
  bool all = false;
  if (auto it = filters.find("all"); it != filters.end())
    for (const auto& v : it->second) all = all || v == "true" || v == "1";
  std::vector<std::string> victims;
  for (const auto& [name, v] : volumes_) {
    auto u = users_.find(name);
    if (u != users_.end() && !u->second.empty()) continue;
    if (!all && !v.anonymous()) continue;
    bool keep = false;
    if (auto it = filters.find("label"); it != filters.end())
      for (const auto& want : it->second) keep = keep || !matchesLabel(v.labels, want);
    if (auto it = filters.find("label!"); it != filters.end())
      for (const auto& want : it->second) keep = keep || matchesLabel(v.labels, want);
    if (!keep) victims.push_back(name);
  }
  PruneReport report;
  for (const auto& name : victims) {
    uint64_t bytes = size(name);
    Status st = remove(name, false);
    if (!st.ok()) {
      log::warn("prune: {}", st.error().message());
      continue;
    }
    report.deleted.push_back(name);
    report.spaceReclaimed += bytes;
  }
  return report;
}

Status VolumeService::addUser(const std::string& name, const std::string& containerId) {
  if (!volumes_.count(name)) return noSuchVolume(name);
  users_[name].insert(containerId);
  return okStatus();
}

void VolumeService::removeUser(const std::string& name, const std::string& containerId) {
  auto it = users_.find(name);
  if (it == users_.end()) return;
  it->second.erase(containerId);
  if (it->second.empty()) users_.erase(it);
}

std::vector<std::string> VolumeService::users(const std::string& name) const {
  auto it = users_.find(name);
  if (it == users_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

Result<std::string> VolumeService::mount(const std::string& name, const std::string& containerId) {
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return noSuchVolume(name);
  WHARF_ASSIGN_OR_RETURN(std::string path, driverFor(name).mount(name, it->second.options));
  mounted_[name].insert(containerId);
  return path;
}

Status VolumeService::unmount(const std::string& name, const std::string& containerId) {
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return okStatus();
  auto& set = mounted_[name];
  set.erase(containerId);
  if (!set.empty()) return okStatus();
  mounted_.erase(name);
  return driverFor(name).unmount(name, it->second.options);
}

uint64_t VolumeService::size(const std::string& name) const {
  auto it = volumes_.find(name);
  if (it == volumes_.end()) return 0;
  uint64_t total = 0;
  std::error_code ec;
  stdfs::recursive_directory_iterator walk(it->second.mountpoint,
                                           stdfs::directory_options::skip_permission_denied, ec);
  for (; !ec && walk != stdfs::recursive_directory_iterator(); walk.increment(ec)) {
    struct stat st {};
    if (::lstat(walk->path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
      total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

}  // namespace wharf::volume
