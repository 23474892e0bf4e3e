#pragma once
// OCI hooks: each runs with the container's state JSON on stdin, its own args and env, and
// an optional timeout in seconds. Where each kind runs:
//   prestart, createRuntime  runtime namespace, after the namespaces and mounts exist (create)
//   createContainer          container namespaces, before pivot_root (the init)
//   startContainer           container, after start() and before the user process execs (init)
//   poststart                runtime, after start() (failures only logged)
//   poststop                 runtime, at delete (failures only logged)

#include <string>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

Status runHook(const oci::Hook& hook, const std::string& stateJson);
// Runs them in order, stopping at the first failure; `kind` names them in errors.
Status runHooks(const std::vector<oci::Hook>& hooks, const std::string& stateJson,
                const char* kind);

}  // namespace wharf::runtime
