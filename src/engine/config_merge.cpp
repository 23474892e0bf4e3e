#include "engine/config_merge.h"

#include <algorithm>

namespace wharf::engine {

namespace {

std::string envKey(const std::string& kv) { return kv.substr(0, kv.find('=')); }

}  // namespace

std::vector<std::string> mergeEnv(const std::vector<std::string>& image,
                                  const std::vector<std::string>& user) {
  std::vector<std::string> out = user;
  for (const auto& kv : image) {
    std::string key = envKey(kv);
    bool overridden = std::any_of(user.begin(), user.end(),
                                  [&](const std::string& e) { return envKey(e) == key; });
    if (!overridden) out.push_back(kv);
  }
  return out;
}

Result<MergedConfig> mergeConfig(const ContainerSpec& user, const ImageDefaults& image,
                                 const std::string& containerId) {
  MergedConfig m;
  m.spec = user;
  ContainerSpec& s = m.spec;
  s.env = mergeEnv(image.env, user.env);

  // `--entrypoint ""` reaches us as [""]: the user reset the entrypoint.
  std::optional<std::vector<std::string>> entrypoint = user.entrypoint;
  if (entrypoint && entrypoint->size() == 1 && (*entrypoint)[0].empty()) entrypoint->clear();
  if (!entrypoint || entrypoint->empty()) {
    if (s.cmd.empty()) s.cmd = image.cmd;
    if (!entrypoint) entrypoint = image.entrypoint;
  }
  s.entrypoint = entrypoint;

  if (s.workingDir.empty()) s.workingDir = image.workingDir;
  if (s.user.empty()) s.user = image.user;
  if (s.stopSignal.empty()) s.stopSignal = image.stopSignal;
  std::map<std::string, std::string> labels = image.labels;
  for (const auto& [k, v] : user.labels) labels[k] = v;
  s.labels = std::move(labels);
  // The image's EXPOSE ("80" means 80/tcp), after the container's own, without duplicates.
  for (const auto& p : image.exposedPorts) {
    auto key = parsePortKey(p);
    std::string k = key.ok() ? key->toString() : p;
    if (std::find(s.exposedPorts.begin(), s.exposedPorts.end(), k) == s.exposedPorts.end())
      s.exposedPorts.push_back(k);
  }
  if (s.hostname.empty()) s.hostname = containerId.substr(0, 12);

  m.path = *s.entrypoint;
  m.path.insert(m.path.end(), s.cmd.begin(), s.cmd.end());
  if (m.path.empty() || m.path[0].empty()) return invalidArgument("No command specified");
  return m;
}

}  // namespace wharf::engine
