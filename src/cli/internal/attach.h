#pragma once
// Running an attached container, shared by `run` and `start -a`: attach, wait, start, copy
// the streams until the container exits, then its exit code.

#include <functional>
#include <string>

#include "cli/internal/command.h"

namespace wharf::cli {

struct AttachPlan {
  std::string id;
  bool tty = false;
  bool stdinOn = false;     // forward our stdin to the container
  bool autoRemove = false;  // wait for "removed" rather than "next-exit"
  bool start = true;        // false for `attach` to a container that is already running
  // Prefix of error messages ("wharf: " for run, as docker's "docker: ").
  std::string errPrefix;
};

// Returns the container's exit code, or docker's error code (125/126/127 for a failed
// start, 125 for a daemon error during attach or wait).
int runAttached(Context& ctx, const AttachPlan& plan);

// Copies a hijacked stream to our stdout/stderr (demultiplexed unless tty) and, with stdinOn,
// our stdin to it (shutting down our side at its EOF), until the daemon closes the stream.
// Used by exec, which proxies no signals.
Status pumpHijacked(Context& ctx, client::HijackedConn& conn, bool tty, bool stdinOn);

}  // namespace wharf::cli
