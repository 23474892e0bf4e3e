#include "engine/create_checks.h"

#include "common/signals.h"

namespace wharf::engine {

namespace {

Status checkNetworkMode(const std::string& mode,
                        const std::function<bool(const std::string&)>& containerExists,
                        const std::function<bool(const std::string&)>& networkExists) {
  // The modes wharf knows; user-defined networks do not exist yet, so any other name is a
  // network that is not there (docker: 404 "network X not found").
  if (mode.empty() || mode == "default" || mode == "bridge" || mode == "none" || mode == "host")
    return okStatus();
  constexpr std::string_view kContainer = "container:";
  if (mode.rfind(kContainer, 0) == 0) {
    std::string other = mode.substr(kContainer.size());
    if (other.empty()) return invalidArgument("invalid network mode: " + mode);
    if (!containerExists(other)) return notFound("No such container: " + other);
    return okStatus();
  }
  if (networkExists && networkExists(mode)) return okStatus();
  return notFound("network " + mode + " not found");
}

}  // namespace

Status checkCreateSpec(const ContainerSpec& spec,
                       const std::function<bool(const std::string&)>& containerExists,
                       const std::function<bool(const std::string&)>& networkExists) {
  if (!spec.workingDir.empty() && spec.workingDir[0] != '/') {
    return invalidArgument("the working directory '" + spec.workingDir +
                           "' is invalid, it needs to be an absolute path");
  }
  if (!spec.stopSignal.empty()) WHARF_TRY(parseSignal(spec.stopSignal));
  if (spec.restartMaxRetries < 0) {
    return invalidArgument("invalid restart policy: maximum retry count cannot be negative");
  }
  if (spec.restartMaxRetries > 0 && spec.restartPolicy != "on-failure") {
    return invalidArgument(
        "invalid restart policy: maximum retry count can only be used with "
        "'on-failure'");
  }
  return checkNetworkMode(spec.networkMode, containerExists, networkExists);
}

}  // namespace wharf::engine
