#pragma once
// The shim's task API (containerd's shim `task` service is the model), version 1: what the
// daemon says to a running wharf-shim over its control socket, and how the shim answers.
//
// Socket: "task.sock" in the bundle directory (the shim's cwd; the daemon connects through
// /proc/self/fd/<bundle dir fd>/task.sock, so the 108-byte sun_path limit never bites), mode
// 0600, listening from before the init is created until the shim exits.
//
// A connection carries one request: one JSON object on one line (at most kMaxRequestLine
// bytes, "\n"-terminated), which always holds "version" (kTaskProtocolVersion) and "op":
//   state                         -> {"ok":true,"status":"created|running|stopped","pid":N}
//   start                         -> the init execs (after "created"); {"ok":true,"pid":N}
//   attach  stdin/stdout/stderr   -> {"ok":true}, then frames (below) on both directions
//   exec    exec,args,env,cwd,uid,gid,gids,tty,privileged,rows,cols,stdin/stdout/stderr,
//           detach                -> {"ok":true,"pid":N}; then, unless detach, frames
//   resize  [exec],rows,cols      -> {"ok":true}        (the init's pty, or an exec's)
//   close-stdin [exec]            -> {"ok":true}
//   kill    [exec],signal,all     -> {"ok":true}
//   wait    [exec]                -> {"ok":true,"exitCode":N} once that process has exited
//   exec-state exec               -> {"ok":true,"running":B,"pid":N,"exitCode":N}
//   delete  exec                  -> {"ok":true}        (forgets a finished exec)
//   stats                         -> {"ok":true,"stats":{...}} the init's cgroup and network
//                                    counters (engine/shim/stats.h); Conflict once it exited
//   oom-wait seen                 -> {"ok":true,"oomKills":N} once the kernel's OOM kill
//                                    count of the container's memory cgroup is above `seen`,
//                                    or when the container is done (N == seen then: the end)
// Ops are added without a version change: a shim that predates one answers InvalidArgument
// `unknown op "<op>"`, which the daemon turns into "restart the container" (isUnknownOp).
// An error is {"ok":false,"category":<wharf::ErrorCategory>,"message":"..."}.
//
// Frames (after an attach or exec reply): a 5-byte header, type then payload length as a
// big-endian uint32 (at most kMaxFramePayload), then the payload.
//   daemon -> shim: kStdin (bytes for the process' stdin), kCloseStdin (EOF on it)
//   shim -> daemon: kStdout, kStderr (output; with a TTY everything is kStdout), and for an
//                   exec a final kExit whose payload is the exit code in decimal.
// The shim closes an attach connection when the container's output has ended, an exec
// connection after kExit. Every length is checked before anything is buffered.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "engine/shim/stats.h"

namespace wharf::shim {

inline constexpr int kTaskProtocolVersion = 1;
inline constexpr const char* kTaskSocketName = "task.sock";
inline constexpr size_t kMaxRequestLine = size_t{64} << 10;
inline constexpr size_t kMaxFramePayload = size_t{1} << 20;
inline constexpr size_t kFrameHeaderSize = 5;

struct TaskRequest {
  std::string op;
  std::string execId;  // "" for the init
  // attach / exec
  bool stdinOn = false, stdoutOn = false, stderrOn = false;
  // exec
  std::vector<std::string> args, env;
  std::string cwd;
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> gids;
  bool tty = false, privileged = false, detach = false;
  // resize (and exec's initial console size)
  unsigned rows = 0, cols = 0;
  // kill
  int signal = 0;
  bool all = false;
  // oom-wait: the OOM kill count the daemon has already reported
  uint64_t oomSeen = 0;
};

struct TaskReply {
  std::optional<Error> error;  // set: ok=false
  std::string status;
  int pid = 0;
  int exitCode = 0;
  bool running = false;
  std::optional<StatsSample> stats;  // the stats op's answer
  uint64_t oomKills = 0;             // oom-wait
};

// Whether e is a shim's refusal of an op it does not know (a shim started by an older wharf).
bool isUnknownOp(const Error& e);

// One request line, "\n" included.
std::string encodeRequest(const TaskRequest& r);
// line without its "\n"; refuses other versions, unknown ops and out-of-range values.
Result<TaskRequest> decodeRequest(std::string_view line);

std::string encodeReply(const TaskReply& r);
Result<TaskReply> decodeReply(std::string_view line);

enum class FrameType : uint8_t { kStdin = 0, kStdout = 1, kStderr = 2, kCloseStdin = 3, kExit = 4 };

// Appends one frame; payloads over kMaxFramePayload are split into several frames.
void appendFrame(std::string& out, FrameType type, std::string_view payload);

struct Frame {
  FrameType type;
  std::string_view payload;  // valid until the next call to FrameReader
};

// Reassembles frames from a byte stream: append() what was read, then take next() frames
// until it returns nullopt. A header with an unknown type or an oversized length is an error
// (the connection is then dropped), before any of its payload is kept.
class FrameReader {
 public:
  void append(std::string_view bytes);
  Result<std::optional<Frame>> next();
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
};

// Reads a request/reply line: feed bytes until it says the line is complete.
class LineReader {
 public:
  // Returns true once a full line is there (line() then holds it, without "\n"); an error
  // when more than kMaxRequestLine bytes came without a newline. Bytes past the newline are
  // kept in rest().
  Result<bool> feed(std::string_view bytes);
  const std::string& line() const { return line_; }
  std::string& rest() { return rest_; }

 private:
  std::string line_, rest_;
  bool done_ = false;
};

}  // namespace wharf::shim
