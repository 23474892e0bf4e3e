#include "engine/volume_record.h"

#include "engine/internal/record_json.h"

namespace wharf::engine {

namespace {

using record_json::get;

Json requestToJson(const volume::MountRequest& m) {
  return Json{{"type", m.type},
              {"source", m.source},
              {"target", m.target},
              {"readOnly", m.readOnly},
              {"hasBindOptions", m.hasBindOptions},
              {"propagation", m.propagation},
              {"nonRecursive", m.nonRecursive},
              {"createMountpoint", m.createMountpoint},
              {"hasVolumeOptions", m.hasVolumeOptions},
              {"noCopy", m.noCopy},
              {"volumeLabels", m.volumeLabels},
              {"volumeDriver", m.volumeDriver},
              {"volumeDriverOptions", m.volumeDriverOptions},
              {"subpath", m.subpath},
              {"hasTmpfsOptions", m.hasTmpfsOptions},
              {"tmpfsSizeBytes", m.tmpfsSizeBytes},
              {"tmpfsMode", m.tmpfsMode}};
}

volume::MountRequest requestFromJson(const Json& j) {
  volume::MountRequest m;
  get(j, "type", &m.type);
  get(j, "source", &m.source);
  get(j, "target", &m.target);
  get(j, "readOnly", &m.readOnly);
  get(j, "hasBindOptions", &m.hasBindOptions);
  get(j, "propagation", &m.propagation);
  get(j, "nonRecursive", &m.nonRecursive);
  get(j, "createMountpoint", &m.createMountpoint);
  get(j, "hasVolumeOptions", &m.hasVolumeOptions);
  get(j, "noCopy", &m.noCopy);
  get(j, "volumeLabels", &m.volumeLabels);
  get(j, "volumeDriver", &m.volumeDriver);
  get(j, "volumeDriverOptions", &m.volumeDriverOptions);
  get(j, "subpath", &m.subpath);
  get(j, "hasTmpfsOptions", &m.hasTmpfsOptions);
  get(j, "tmpfsSizeBytes", &m.tmpfsSizeBytes);
  get(j, "tmpfsMode", &m.tmpfsMode);
  return m;
}

}  // namespace

void volumeSpecToJson(const ContainerSpec& s, Json& j) {
  Json mounts = Json::array();
  for (const auto& m : s.mounts) mounts.push_back(requestToJson(m));
  j["binds"] = s.binds;
  j["mounts"] = mounts;
  j["tmpfs"] = s.tmpfs;
  j["volumesFrom"] = s.volumesFrom;
  j["volumes"] = s.volumes;
}

void volumeSpecFromJson(const Json& j, ContainerSpec& s) {
  get(j, "binds", &s.binds);
  if (auto it = j.find("mounts"); it != j.end() && it->is_array())
    for (const auto& m : *it) s.mounts.push_back(requestFromJson(m));
  get(j, "tmpfs", &s.tmpfs);
  get(j, "volumesFrom", &s.volumesFrom);
  get(j, "volumes", &s.volumes);
}

Json mountPointsToJson(const std::vector<volume::MountPoint>& mps) {
  Json out = Json::array();
  for (const auto& m : mps) {
    out.push_back(Json{{"type", m.type},
                       {"name", m.name},
                       {"source", m.source},
                       {"destination", m.destination},
                       {"driver", m.driver},
                       {"mode", m.mode},
                       {"rw", m.rw},
                       {"propagation", m.propagation},
                       {"copyData", m.copyData},
                       {"anonymous", m.anonymous},
                       {"chown", m.chown},
                       {"createSource", m.createSource},
                       {"nonRecursive", m.nonRecursive},
                       {"tmpfsOptions", m.tmpfsOptions}});
  }
  return out;
}

std::vector<volume::MountPoint> mountPointsFromJson(const Json& j) {
  std::vector<volume::MountPoint> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    volume::MountPoint m;
    get(e, "type", &m.type);
    get(e, "name", &m.name);
    get(e, "source", &m.source);
    get(e, "destination", &m.destination);
    get(e, "driver", &m.driver);
    get(e, "mode", &m.mode);
    get(e, "rw", &m.rw);
    get(e, "propagation", &m.propagation);
    get(e, "copyData", &m.copyData);
    get(e, "anonymous", &m.anonymous);
    get(e, "chown", &m.chown);
    get(e, "createSource", &m.createSource);
    get(e, "nonRecursive", &m.nonRecursive);
    get(e, "tmpfsOptions", &m.tmpfsOptions);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace wharf::engine
