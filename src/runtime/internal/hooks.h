#pragma once
// OCI hooks: each runs with the container's state JSON on stdin, its own args and env, and
// an optional timeout in seconds. Where each kind runs:
//   prestart, createRuntime  runtime namespace, after the namespaces and mounts exist (create)
//   createContainer          container namespaces, before pivot_root (the init)
//   startContainer           container, after start() and before the user process execs (init)
//   poststart                runtime, after start() (failures only logged)
//   poststop                 runtime, at delete (failures only logged)
// The state on their stdin: prestart sees "created" (the runtime environment exists, as the
// OCI validation suite and crun have it), createRuntime/createContainer/startContainer see
// "creating", poststart "running", poststop "stopped".

#include <string>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"
#include "runtime/runtime.h"

namespace wharf::runtime {

Status runHook(const oci::Hook& hook, const std::string& stateJson);
// Runs them in order, stopping at the first failure; `kind` names them in errors.
Status runHooks(const std::vector<oci::Hook>& hooks, const std::string& stateJson,
                const char* kind);
// For poststart and poststop, whose failures the spec says "MUST log a warning, but the
// remaining hooks and lifecycle continue as if the hook had succeeded": runs every hook and
// logs each failure as a warning naming the container.
void runHooksWarnOnly(const std::vector<oci::Hook>& hooks, const std::string& stateJson,
                      const char* kind, const std::string& id);
// The create-time hooks the runtime runs itself (prestart, then createRuntime), in the runtime
// namespace, once the init has made the container's namespaces and mounts. `base` is the
// container's state (id, pid, bundle, annotations). Returns the state JSON (status
// "creating") the init passes to createContainer and startContainer.
Result<std::string> runCreateRuntimeHooks(const oci::Hooks& hooks, State base);

}  // namespace wharf::runtime
