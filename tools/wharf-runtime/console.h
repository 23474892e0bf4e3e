#pragma once
// `run` of a terminal container without --console-socket: like runc, wharf-runtime receives the
// pty master itself and proxies it to its own stdin/stdout.

#include <memory>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::runtime_cli {

struct ConsoleListener {
  UniqueFd fd;
  std::string path;
  ~ConsoleListener();
};

// A listening unix socket at a fresh path under dir.
Result<std::unique_ptr<ConsoleListener>> listenConsole(const std::string& dir);
// Accepts the runtime's connection and receives the pty master.
Result<UniqueFd> receiveMaster(ConsoleListener& l);
// Copies stdin -> master and master -> stdout (stdin in raw mode when it is a tty) until the
// pty closes.
void proxyTerminal(int master);

}  // namespace wharf::runtime_cli
