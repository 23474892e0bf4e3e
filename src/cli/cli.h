#pragma once
// The wharf CLI: docker's commands, flags, output formats and exit codes (DESIGN.md).

#include <ostream>
#include <string>
#include <vector>

namespace wharf::cli {

// Runs one invocation. args excludes argv[0]; envHost is WHARF_HOST (nullptr if unset).
// Returns the process exit code: 125 for usage and daemon errors of run/create, 126/127 when
// the command cannot be invoked / is not found, the container's exit code for run, else 0/1.
// outIsTty: stdout is a terminal (progress is drawn in place rather than as plain lines).
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const char* envHost, int inFd = 0, bool outIsTty = false);

}  // namespace wharf::cli
