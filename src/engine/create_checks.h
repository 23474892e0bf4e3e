#pragma once
// What create refuses, as dockerd's verifyContainerSettings does, so that start never fails
// on it later: a relative working directory, an unknown stop signal, a negative retry count,
// a network mode that names nothing.

#include <functional>
#include <string>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::engine {

// `containerExists(idOrName)` answers for NetworkMode "container:<name|id>",
// `networkExists(name)` (if given) for a user-defined network.
// InvalidArgument (400) or NotFound (404), with docker's messages.
Status checkCreateSpec(const ContainerSpec& spec,
                       const std::function<bool(const std::string&)>& containerExists,
                       const std::function<bool(const std::string&)>& networkExists = nullptr);

}  // namespace wharf::engine
