#pragma once
// wharf-shim: one small process per container, the parent of its init. It outlives wharfd
// (live restore), owns the container's stdio, writes its json-file log and records how it
// exited. No threads, one poll loop, nothing of the engine linked in.
//
// Protocol with the daemon (version 1):
//   wharf-shim --id ID --bundle DIR --runtime-root DIR --log FILE --exit-file FILE --ready-fd 3
//              [--stdin-fd 4] [--tty 1]
//   - The daemon starts the shim with fd 3 the write end of a pipe, 0/1/2 on /dev/null, and
//     with `-i` fd 4 the read end of the container's stdin (the daemon keeps the write end).
//   - The shim setsid()s and forks; the first process exits at once (the daemon reaps it),
//     the second is the shim proper (re-parented to init or the nearest subreaper).
//   - It creates and starts the container from DIR/config.json with the runtime library and
//     writes one message to the ready fd, then closes it:
//       "ok <init pid> <shim pid>\n"      the init runs
//       "err <category> <message>"        nothing runs; category is wharf::ErrorCategory
//   - With --tty 1 the init gets a pty (the runtime sends its master over DIR/console.sock);
//     the shim copies stdin into it, logs its output as stdout, and applies resize requests
//     the daemon writes to the FIFO DIR/control as "resize <rows> <cols>\n" lines.
//   - It copies the container's stdout/stderr into the log until both close, waits for the
//     init, writes the exit file (engine/shim/exit_file.h) atomically, removes the runtime
//     state and exits 0. The daemon watches the shim's pid (pidfd) to learn that it ended.

#include <string>

namespace wharf::shim {

struct ShimOptions {
  std::string id;
  std::string bundle;
  std::string runtimeRoot;
  std::string logPath;
  std::string exitFile;
  int readyFd = 3;
  int stdinFd = -1;  // --stdin-fd: the read end of the container's stdin (docker run -i)
  bool tty = false;  // --tty 1: process.terminal; output and stdin go through a pty
};

// Parses argv as above; false (with a message on stderr) when it is malformed.
bool parseShimArgs(int argc, char** argv, ShimOptions* out);

// Runs the shim; returns the process exit code.
int runShim(const ShimOptions& opts);

}  // namespace wharf::shim
