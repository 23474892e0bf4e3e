// The mount fields of the container JSON (moby swagger: HostConfig.Binds, Mounts, Tmpfs,
// VolumesFrom, Config.Volumes; the MountPoint list of inspect and ps) to and from the engine's
// types. Parsing of Binds strings and the checks of Mounts are the volume module's
// (volume/mount_spec.h), as dockerd's are its volume/mounts package's.

#include "api/internal/container_json.h"

namespace wharf::api {

namespace {

Error typeError(const std::string& where, const char* want) {
  return invalidArgument("invalid JSON: " + where + ": expected " + want);
}

Status readStringList(const Json& obj, const char* key, const std::string& where,
                      std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return okStatus();
  if (!it->is_array()) return typeError(where + "." + key, "an array of strings");
  for (const auto& e : *it) {
    if (!e.is_string()) return typeError(where + "." + key, "an array of strings");
    out.push_back(e.get<std::string>());
  }
  return okStatus();
}

Status readMap(const Json& obj, const char* key, const std::string& where,
               std::map<std::string, std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return okStatus();
  if (!it->is_object()) return typeError(where + "." + key, "an object of strings");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return typeError(where + "." + key, "an object of strings");
    out[k] = v.get<std::string>();
  }
  return okStatus();
}

template <typename T>
Status readField(const Json& obj, const char* key, const std::string& where, T& out,
                 const char* want) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return okStatus();
  try {
    out = it->get<T>();
  } catch (const Json::exception&) {
    return typeError(where + "." + key, want);
  }
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return typeError(where + "." + key, want);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return typeError(where + "." + key, want);
  } else {
    if (!it->is_number_integer()) return typeError(where + "." + key, want);
  }
  return okStatus();
}

const Json* object(const Json& obj, const char* key, const std::string& where, Status* st) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_object()) {
    *st = typeError(where + "." + key, "an object");
    return nullptr;
  }
  return &*it;
}

Result<volume::MountRequest> readMount(const Json& j, const std::string& where) {
  if (!j.is_object()) return typeError(where, "an object");
  volume::MountRequest m;
  WHARF_TRY(readField(j, "Type", where, m.type, "a string"));
  WHARF_TRY(readField(j, "Source", where, m.source, "a string"));
  WHARF_TRY(readField(j, "Target", where, m.target, "a string"));
  WHARF_TRY(readField(j, "ReadOnly", where, m.readOnly, "a boolean"));
  Status st;
  if (const Json* b = object(j, "BindOptions", where, &st)) {
    std::string w = where + ".BindOptions";
    m.hasBindOptions = true;
    WHARF_TRY(readField(*b, "Propagation", w, m.propagation, "a string"));
    WHARF_TRY(readField(*b, "NonRecursive", w, m.nonRecursive, "a boolean"));
    WHARF_TRY(readField(*b, "CreateMountpoint", w, m.createMountpoint, "a boolean"));
  }
  WHARF_TRY(st);
  if (const Json* v = object(j, "VolumeOptions", where, &st)) {
    std::string w = where + ".VolumeOptions";
    m.hasVolumeOptions = true;
    WHARF_TRY(readField(*v, "NoCopy", w, m.noCopy, "a boolean"));
    WHARF_TRY(readMap(*v, "Labels", w, m.volumeLabels));
    WHARF_TRY(readField(*v, "Subpath", w, m.subpath, "a string"));
    Status dst;
    if (const Json* d = object(*v, "DriverConfig", w, &dst)) {
      WHARF_TRY(readField(*d, "Name", w + ".DriverConfig", m.volumeDriver, "a string"));
      WHARF_TRY(readMap(*d, "Options", w + ".DriverConfig", m.volumeDriverOptions));
    }
    WHARF_TRY(dst);
  }
  WHARF_TRY(st);
  if (const Json* t = object(j, "TmpfsOptions", where, &st)) {
    std::string w = where + ".TmpfsOptions";
    m.hasTmpfsOptions = true;
    WHARF_TRY(readField(*t, "SizeBytes", w, m.tmpfsSizeBytes, "an integer"));
    WHARF_TRY(readField(*t, "Mode", w, m.tmpfsMode, "an integer"));
    if (m.tmpfsSizeBytes < 0) return invalidArgument(w + ".SizeBytes: must not be negative");
  }
  WHARF_TRY(st);
  return m;
}

Json mountRequestJson(const volume::MountRequest& m) {
  Json j{{"Type", m.type}, {"Target", m.target}};
  if (!m.source.empty()) j["Source"] = m.source;
  if (m.readOnly) j["ReadOnly"] = true;
  if (m.hasBindOptions) {
    Json b = Json::object();
    if (!m.propagation.empty()) b["Propagation"] = m.propagation;
    if (m.nonRecursive) b["NonRecursive"] = true;
    if (m.createMountpoint) b["CreateMountpoint"] = true;
    j["BindOptions"] = b;
  }
  if (m.hasVolumeOptions) {
    Json v = Json::object();
    if (m.noCopy) v["NoCopy"] = true;
    if (!m.volumeLabels.empty()) v["Labels"] = m.volumeLabels;
    if (!m.volumeDriver.empty() || !m.volumeDriverOptions.empty()) {
      Json d = Json::object();
      if (!m.volumeDriver.empty()) d["Name"] = m.volumeDriver;
      if (!m.volumeDriverOptions.empty()) d["Options"] = m.volumeDriverOptions;
      v["DriverConfig"] = d;
    }
    j["VolumeOptions"] = v;
  }
  if (m.hasTmpfsOptions) {
    Json t = Json::object();
    if (m.tmpfsSizeBytes) t["SizeBytes"] = m.tmpfsSizeBytes;
    if (m.tmpfsMode) t["Mode"] = m.tmpfsMode;
    j["TmpfsOptions"] = t;
  }
  return j;
}

}  // namespace

Status readMountFields(const Json& body, engine::ContainerSpec& s) {
  // Config.Volumes: {"/path": {}}.
  if (auto it = body.find("Volumes"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return typeError("Config.Volumes", "an object");
    for (const auto& [path, v] : it->items()) s.volumes.push_back(path);
  }
  auto hc = body.find("HostConfig");
  if (hc == body.end() || !hc->is_object()) return okStatus();
  const std::string kH = "HostConfig";
  WHARF_TRY(readStringList(*hc, "Binds", kH, s.binds));
  WHARF_TRY(readStringList(*hc, "VolumesFrom", kH, s.volumesFrom));
  WHARF_TRY(readMap(*hc, "Tmpfs", kH, s.tmpfs));
  if (auto it = hc->find("Mounts"); it != hc->end() && !it->is_null()) {
    if (!it->is_array()) return typeError(kH + ".Mounts", "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      WHARF_ASSIGN_OR_RETURN(volume::MountRequest m,
                             readMount((*it)[i], kH + ".Mounts[" + std::to_string(i) + "]"));
      s.mounts.push_back(std::move(m));
    }
  }
  if (auto it = hc->find("VolumeDriver"); it != hc->end() && it->is_string() &&
                                          !it->get<std::string>().empty() &&
                                          it->get<std::string>() != "local") {
    std::string d = it->get<std::string>();
    return notFound("error looking up volume plugin " + d + ": plugin \"" + d + "\" not found");
  }
  return okStatus();
}

Json mountPointsJson(const engine::ContainerInfo& c) {
  Json out = Json::array();
  for (const auto& mp : c.mountPoints) {
    Json j{{"Type", mp.type},
           {"Source", mp.source},
           {"Destination", mp.destination},
           {"Mode", mp.mode},
           {"RW", mp.rw},
           {"Propagation", mp.type == "bind" ? mp.propagation : ""}};
    if (mp.type == "volume") {
      j["Name"] = mp.name;
      j["Driver"] = mp.driver;
    }
    out.push_back(std::move(j));
  }
  return out;
}

void addMountFields(const engine::ContainerSpec& s, Json& hostConfig, Json& config) {
  hostConfig["Binds"] = s.binds.empty() ? Json(nullptr) : Json(s.binds);
  hostConfig["VolumesFrom"] = s.volumesFrom.empty() ? Json(nullptr) : Json(s.volumesFrom);
  if (!s.mounts.empty()) {
    Json mounts = Json::array();
    for (const auto& m : s.mounts) mounts.push_back(mountRequestJson(m));
    hostConfig["Mounts"] = mounts;
  }
  if (!s.tmpfs.empty()) hostConfig["Tmpfs"] = s.tmpfs;
  if (!s.volumes.empty()) {
    Json v = Json::object();
    for (const auto& p : s.volumes) v[p] = Json::object();
    config["Volumes"] = v;
  }
}

}  // namespace wharf::api
