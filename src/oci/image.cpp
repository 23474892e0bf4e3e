#include "oci/image.h"

#include "common/digest.h"
#include "common/json.h"

namespace wharf::oci {
namespace {

using Json = nlohmann::json;

// Each getter checks the JSON type and names the field ("manifest: layers[1].size") on error,
// so a bad registry response or a hand-edited file says exactly what is wrong.
Error fieldError(const std::string& path, const char* want) {
  return invalidArgument(path + ": expected " + want);
}

Status getString(const Json& obj, const char* key, const std::string& path, std::string& out,
                 bool required = false) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return invalidArgument(path + key + ": missing");
    return okStatus();
  }
  if (!it->is_string()) return fieldError(path + key, "a string");
  out = it->get<std::string>();
  return okStatus();
}

Status getStringList(const Json& obj, const char* key, const std::string& path,
                     std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return okStatus();
  if (!it->is_array()) return fieldError(path + key, "an array of strings");
  out.clear();
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& v = (*it)[i];
    if (!v.is_string()) return fieldError(path + key + "[" + std::to_string(i) + "]", "a string");
    out.push_back(v.get<std::string>());
  }
  return okStatus();
}

// Docker writes sets (ExposedPorts, Volumes) as objects with empty-object values.
Status getStringSet(const Json& obj, const char* key, const std::string& path,
                    std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return okStatus();
  if (!it->is_object()) return fieldError(path + key, "an object");
  out.clear();
  for (auto& [k, v] : it->items()) out.push_back(k);
  return okStatus();
}

Status getStringMap(const Json& obj, const char* key, const std::string& path,
                    std::map<std::string, std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return okStatus();
  if (!it->is_object()) return fieldError(path + key, "an object of strings");
  out.clear();
  for (auto& [k, v] : it->items()) {
    if (!v.is_string()) return fieldError(path + key + "." + k, "a string");
    out[k] = v.get<std::string>();
  }
  return okStatus();
}

Result<Descriptor> parseDescriptor(const Json& j, const std::string& path) {
  if (!j.is_object()) return fieldError(path, "an object");
  Descriptor d;
  WHARF_TRY(getString(j, "mediaType", path + ".", d.mediaType));
  WHARF_TRY(getString(j, "digest", path + ".", d.digest, true));
  {
    auto r = parseDigest(d.digest);
    if (!r.ok()) return invalidArgument(path + ".digest: " + r.error().rawMessage());
  }
  auto it = j.find("size");
  if (it == j.end()) return invalidArgument(path + ".size: missing");
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    return fieldError(path + ".size", "a non-negative integer");
  d.size = it->get<int64_t>();
  WHARF_TRY(getStringMap(j, "annotations", path + ".", d.annotations));
  return d;
}

Json descriptorJson(const Descriptor& d) {
  Json j = {{"mediaType", d.mediaType}, {"digest", d.digest}, {"size", d.size}};
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j;
}

Result<Json> parseObject(std::string_view text, const char* what) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, what));
  if (!j.is_object()) return invalidArgument(std::string(what) + ": expected a JSON object");
  return j;
}

}  // namespace

Result<Manifest> parseManifest(std::string_view text) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseObject(text, "manifest"));
  const std::string p = "manifest: ";
  Manifest m;
  auto sv = j.find("schemaVersion");
  if (sv == j.end()) return invalidArgument(p + "schemaVersion: missing");
  if (!sv->is_number_integer() || sv->get<int64_t>() != 2)
    return invalidArgument(p + "schemaVersion: expected 2");
  WHARF_TRY(getString(j, "mediaType", p, m.mediaType));
  if (!m.mediaType.empty() && m.mediaType != kMediaTypeManifest &&
      m.mediaType != kMediaTypeDockerManifest)
    return invalidArgument(p + "mediaType: unsupported manifest type \"" + m.mediaType + "\"");
  auto cfg = j.find("config");
  if (cfg == j.end()) return invalidArgument(p + "config: missing");
  WHARF_ASSIGN_OR_RETURN(m.config, parseDescriptor(*cfg, p + "config"));
  auto layers = j.find("layers");
  if (layers == j.end() || layers->is_null()) return invalidArgument(p + "layers: missing");
  if (!layers->is_array()) return fieldError(p + "layers", "an array");
  for (size_t i = 0; i < layers->size(); ++i) {
    WHARF_ASSIGN_OR_RETURN(Descriptor d,
                           parseDescriptor((*layers)[i], p + "layers[" + std::to_string(i) + "]"));
    m.layers.push_back(std::move(d));
  }
  WHARF_TRY(getStringMap(j, "annotations", p, m.annotations));
  return m;
}

std::string serializeManifest(const Manifest& m) {
  // nlohmann::json sorts keys, so the same manifest always gives the same bytes (and digest).
  Json j = {{"schemaVersion", m.schemaVersion}, {"config", descriptorJson(m.config)}};
  if (!m.mediaType.empty()) j["mediaType"] = m.mediaType;
  Json layers = Json::array();
  for (const auto& l : m.layers) layers.push_back(descriptorJson(l));
  j["layers"] = std::move(layers);
  if (!m.annotations.empty()) j["annotations"] = m.annotations;
  return j.dump();
}

Result<ImageConfig> parseImageConfig(std::string_view text) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseObject(text, "image config"));
  const std::string p = "image config: ";
  ImageConfig c;
  WHARF_TRY(getString(j, "created", p, c.created));
  WHARF_TRY(getString(j, "author", p, c.author));
  WHARF_TRY(getString(j, "architecture", p, c.architecture));
  WHARF_TRY(getString(j, "os", p, c.os));
  auto cfg = j.find("config");
  if (cfg != j.end() && !cfg->is_null()) {
    if (!cfg->is_object()) return fieldError(p + "config", "an object");
    const std::string cp = p + "config.";
    WHARF_TRY(getString(*cfg, "User", cp, c.user));
    WHARF_TRY(getString(*cfg, "WorkingDir", cp, c.workingDir));
    WHARF_TRY(getString(*cfg, "StopSignal", cp, c.stopSignal));
    WHARF_TRY(getStringList(*cfg, "Env", cp, c.env));
    WHARF_TRY(getStringList(*cfg, "Entrypoint", cp, c.entrypoint));
    WHARF_TRY(getStringList(*cfg, "Cmd", cp, c.cmd));
    WHARF_TRY(getStringSet(*cfg, "ExposedPorts", cp, c.exposedPorts));
    WHARF_TRY(getStringSet(*cfg, "Volumes", cp, c.volumes));
    WHARF_TRY(getStringMap(*cfg, "Labels", cp, c.labels));
  }
  auto rootfs = j.find("rootfs");
  if (rootfs != j.end() && !rootfs->is_null()) {
    if (!rootfs->is_object()) return fieldError(p + "rootfs", "an object");
    WHARF_TRY(getStringList(*rootfs, "diff_ids", p + "rootfs.", c.diffIds));
    for (size_t i = 0; i < c.diffIds.size(); ++i) {
      auto r = parseDigest(c.diffIds[i]);
      if (!r.ok())
        return invalidArgument(p + "rootfs.diff_ids[" + std::to_string(i) +
                               "]: " + r.error().rawMessage());
    }
  }
  auto hist = j.find("history");
  if (hist != j.end() && !hist->is_null()) {
    if (!hist->is_array()) return fieldError(p + "history", "an array");
    c.history = *hist;
  }
  return c;
}

std::string serializeImageConfig(const ImageConfig& c) {
  Json cfg = Json::object();
  if (!c.user.empty()) cfg["User"] = c.user;
  if (!c.workingDir.empty()) cfg["WorkingDir"] = c.workingDir;
  if (!c.stopSignal.empty()) cfg["StopSignal"] = c.stopSignal;
  if (!c.env.empty()) cfg["Env"] = c.env;
  if (!c.entrypoint.empty()) cfg["Entrypoint"] = c.entrypoint;
  if (!c.cmd.empty()) cfg["Cmd"] = c.cmd;
  auto set = [](const std::vector<std::string>& v) {
    Json o = Json::object();
    for (const auto& k : v) o[k] = Json::object();
    return o;
  };
  if (!c.exposedPorts.empty()) cfg["ExposedPorts"] = set(c.exposedPorts);
  if (!c.volumes.empty()) cfg["Volumes"] = set(c.volumes);
  if (!c.labels.empty()) cfg["Labels"] = c.labels;
  Json j = {{"architecture", c.architecture},
            {"os", c.os},
            {"config", std::move(cfg)},
            {"rootfs", {{"type", "layers"}, {"diff_ids", c.diffIds}}}};
  if (!c.created.empty()) j["created"] = c.created;
  if (!c.author.empty()) j["author"] = c.author;
  if (c.history.is_array() && !c.history.empty()) j["history"] = c.history;
  return j.dump();
}

std::vector<std::string> chainIds(const std::vector<std::string>& diffIds) {
  std::vector<std::string> out;
  out.reserve(diffIds.size());
  for (const auto& d : diffIds) {
    if (out.empty())
      out.push_back(d);
    else
      out.push_back(sha256Digest(out.back() + " " + d));
  }
  return out;
}

}  // namespace wharf::oci
