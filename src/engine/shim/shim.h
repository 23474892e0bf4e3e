#pragma once
// wharf-shim: one small process per container, the parent of its init. It outlives wharfd
// (live restore), owns the container's stdio, writes its json-file log and records how it
// exited. No threads, one poll loop, nothing of the engine linked in.
//
// Protocol with the daemon (version 2; the task API is engine/shim/task_protocol.h):
//   wharf-shim --id ID --bundle DIR --runtime-root DIR --log FILE --exit-file FILE --ready-fd 3
//              [--stdin 1] [--tty 1]
//   - The daemon starts the shim with fd 3 the write end of a pipe and 0/1/2 on /dev/null.
//   - The shim setsid()s and forks; the first process exits at once (the daemon reaps it),
//     the second is the shim proper (re-parented to init or the nearest subreaper).
//   - It listens on DIR/task.sock, creates the container from DIR/config.json with the
//     runtime library and writes one message to the ready fd, then closes it:
//       "created <init pid> <shim pid>\n"  the init waits before its execve
//       "err <category> <message>"          nothing runs; category is wharf::ErrorCategory
//     The daemon then attaches whoever waits for the first bytes and sends "start".
//   - The shim owns the container's stdin (--stdin 1: a pipe, or with a TTY the pty master):
//     attached connections write it, so it survives daemon restarts. With --tty 1 the init
//     gets a pty (the runtime sends its master over DIR/console.sock).
//   - It copies the container's stdout/stderr into the log and to every attached connection
//     (the same bytes, as frames) until both close; it runs execs in-process with the runtime
//     library (their output goes to their caller only) and keeps their exit codes.
//   - When the init has exited and the outputs are drained, it writes the exit file
//     (engine/shim/exit_file.h) atomically, removes the runtime state and exits 0. The daemon
//     watches the shim's pid (pidfd) to learn that it ended.

#include <string>

namespace wharf::shim {

struct ShimOptions {
  std::string id;
  std::string bundle;
  std::string runtimeRoot;
  std::string logPath;
  std::string exitFile;
  int readyFd = 3;
  bool openStdin = false;  // --stdin 1: the container keeps a stdin (docker run -i)
  bool tty = false;        // --tty 1: process.terminal; output and stdin go through a pty
};

// Parses argv as above; false (with a message on stderr) when it is malformed.
bool parseShimArgs(int argc, char** argv, ShimOptions* out);

// Runs the shim; returns the process exit code.
int runShim(const ShimOptions& opts);

}  // namespace wharf::shim
