#pragma once
// How a container's configuration is completed from its image's, following docker's rules
// (moby daemon/create.go `merge` and getEntrypointAndArgs):
//   - Env: the container's variables, then the image's that the container does not set
//     (docker's order, as `docker inspect` shows it).
//   - Entrypoint/Cmd: when the container sets no (non-empty) entrypoint, it inherits the
//     image's Cmd if it sets no Cmd, and the image's Entrypoint unless it explicitly reset it
//     (`--entrypoint ""` arrives as [""] or []). A container entrypoint drops the image's Cmd.
//   - WorkingDir, User, StopSignal: the container's, else the image's.
//   - Labels: the image's, overridden by the container's.
//   - ExposedPorts: the container's and the image's (what -P publishes).
//   - Hostname: the container's, else the first 12 characters of the id.

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::engine {

// The parts of an image config that containers inherit.
struct ImageDefaults {
  std::vector<std::string> env, cmd, entrypoint;
  std::string workingDir, user, stopSignal;
  std::map<std::string, std::string> labels;
  std::vector<std::string> volumes;       // the image's VOLUMEs (anonymous volumes at create)
  std::vector<std::string> exposedPorts;  // the image's EXPOSE ("80/tcp")
};

struct MergedConfig {
  ContainerSpec spec;             // with env, cmd, entrypoint, ... filled in
  std::vector<std::string> path;  // the program and its arguments: entrypoint + cmd
};

// InvalidArgument "No command specified" when neither gives a program to run.
Result<MergedConfig> mergeConfig(const ContainerSpec& user, const ImageDefaults& image,
                                 const std::string& containerId);

// The user's variables, then the image's whose names the user does not set.
std::vector<std::string> mergeEnv(const std::vector<std::string>& image,
                                  const std::vector<std::string>& user);

}  // namespace wharf::engine
