// The mount fields of the container JSON (moby swagger: HostConfig.Binds, Mounts, Tmpfs,
// VolumesFrom, Config.Volumes; the MountPoint list of inspect and ps) to and from the engine's
// types. Parsing of Binds strings and the checks of Mounts are the volume module's
// (volume/mount_spec.h), as dockerd's are its volume/mounts package's.

#include "api/internal/container_json.h"
#include "common/json_read.h"

namespace wharf::api {

namespace {

using json::read;

Result<volume::MountRequest> readMount(const Json& j, const std::string& where) {
  if (!j.is_object()) return json::typeError(where, "an object", j);
  volume::MountRequest m;
  WHARF_TRY(read(j, "Type", where, m.type));
  WHARF_TRY(read(j, "Source", where, m.source));
  WHARF_TRY(read(j, "Target", where, m.target));
  WHARF_TRY(read(j, "ReadOnly", where, m.readOnly));
  WHARF_ASSIGN_OR_RETURN(const Json* b, json::object(j, "BindOptions", where));
  if (b) {
    std::string w = where + ".BindOptions";
    m.hasBindOptions = true;
    WHARF_TRY(read(*b, "Propagation", w, m.propagation));
    WHARF_TRY(read(*b, "NonRecursive", w, m.nonRecursive));
    WHARF_TRY(read(*b, "CreateMountpoint", w, m.createMountpoint));
  }
  WHARF_ASSIGN_OR_RETURN(const Json* v, json::object(j, "VolumeOptions", where));
  if (v) {
    std::string w = where + ".VolumeOptions";
    m.hasVolumeOptions = true;
    WHARF_TRY(read(*v, "NoCopy", w, m.noCopy));
    WHARF_TRY(read(*v, "Labels", w, m.volumeLabels));
    WHARF_TRY(read(*v, "Subpath", w, m.subpath));
    WHARF_ASSIGN_OR_RETURN(const Json* d, json::object(*v, "DriverConfig", w));
    if (d) {
      WHARF_TRY(read(*d, "Name", w + ".DriverConfig", m.volumeDriver));
      WHARF_TRY(read(*d, "Options", w + ".DriverConfig", m.volumeDriverOptions));
    }
  }
  WHARF_ASSIGN_OR_RETURN(const Json* t, json::object(j, "TmpfsOptions", where));
  if (t) {
    std::string w = where + ".TmpfsOptions";
    m.hasTmpfsOptions = true;
    WHARF_TRY(read(*t, "SizeBytes", w, m.tmpfsSizeBytes));
    WHARF_TRY(read(*t, "Mode", w, m.tmpfsMode));
    if (m.tmpfsSizeBytes < 0) return invalidArgument(w + ".SizeBytes: must not be negative");
  }
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
  WHARF_ASSIGN_OR_RETURN(const Json* volumes, json::object(body, "Volumes", "Config"));
  if (volumes)
    for (const auto& [path, v] : volumes->items()) s.volumes.push_back(path);
  auto hc = body.find("HostConfig");
  if (hc == body.end() || !hc->is_object()) return okStatus();
  const std::string kH = "HostConfig";
  WHARF_TRY(read(*hc, "Binds", kH, s.binds));
  WHARF_TRY(read(*hc, "VolumesFrom", kH, s.volumesFrom));
  WHARF_TRY(read(*hc, "Tmpfs", kH, s.tmpfs));
  WHARF_ASSIGN_OR_RETURN(const Json* mounts, json::array(*hc, "Mounts", kH));
  if (mounts) {
    for (size_t i = 0; i < mounts->size(); ++i) {
      WHARF_ASSIGN_OR_RETURN(volume::MountRequest m,
                             readMount((*mounts)[i], json::element(kH + ".Mounts", i)));
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
