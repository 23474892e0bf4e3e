#pragma once
// The shim's insides (engine/shim/shim.h for what it does): shim.cpp runs the container and
// its log, shim_tasks.cpp serves the task API (engine/shim/task_protocol.h) and the execs.
// One thread, one poll loop: every fd is non-blocking except the log file.

#include <sys/types.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "engine/shim/json_log.h"
#include "engine/shim/shim.h"
#include "engine/shim/task_protocol.h"
#include "runtime/cgroup/oom_watch.h"
#include "runtime/runtime.h"

struct pollfd;

namespace wharf::shim {

// Output waiting for a slow reader beyond this stops the reading of what feeds it (the
// container's or the exec's output): memory stays bounded, as docker's blocking copy does.
inline constexpr size_t kMaxConnBuffer = size_t{1} << 20;
inline constexpr size_t kMaxConnections = 256;
inline constexpr size_t kMaxFinishedExecs = 512;

// Returns how many bytes could not be written (0 when all were); blocking fds only.
size_t writeAll(int fd, std::string_view s);
// Receives one fd sent with SCM_RIGHTS (the runtime sends a pty master so).
int receiveFd(int sock);

// Bytes queued for a peer, consumed from the front by an offset. Erasing the front of the
// string after every partial send moved the whole rest (up to kMaxConnBuffer) each time: on
// the attach path that was the shim's largest user-space cost. The buffer is compacted once
// more than half of it was sent, so each byte moves at most once on average.
class OutQueue {
 public:
  bool empty() const { return pos_ == buf_.size(); }
  size_t size() const { return buf_.size() - pos_; }
  std::string_view view() const { return std::string_view(buf_).substr(pos_); }
  void append(std::string_view bytes) {
    if (empty()) clear();
    buf_.append(bytes);
  }
  void consume(size_t n) {
    pos_ += n;
    if (pos_ >= buf_.size()) {
      clear();
    } else if (pos_ > buf_.size() / 2) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  void clear() {
    buf_.clear();
    pos_ = 0;
  }

 private:
  std::string buf_;
  size_t pos_ = 0;
};

struct Conn {
  enum class Phase { kRequest, kAttach, kExec, kWait, kClosing };
  UniqueFd fd;
  Phase phase = Phase::kRequest;
  LineReader line;
  FrameReader frames;
  OutQueue out;  // bytes for the peer not written yet
  bool stdinOn = false, stdoutOn = false, stderrOn = false;
  std::string execId;    // kExec / kWait: whose process
  bool oomWait = false;  // kWait of an oom-wait request: answered by checkOom()
  uint64_t oomSeen = 0;
  bool dead = false;
};

struct ExecProc {
  std::string id;
  pid_t pid = -1;
  UniqueFd pidfd;
  UniqueFd out[2];  // stdout, stderr (with a TTY: the pty master as out[0])
  UniqueFd stdinW;  // the pipe to its stdin (without a TTY)
  bool tty = false;
  bool running = true;
  int exitCode = 0;
  int64_t exitedAtNanos = 0;
  Conn* conn = nullptr;  // the attached caller, if any
  std::string pendingStdin;
  bool closeStdin = false;
};

class Shim {
 public:
  explicit Shim(const ShimOptions& opts) : opts_(opts), runtime_(opts.runtimeRoot) {}
  int run();

 private:
  static constexpr const char* kConsoleSocket = "console.sock";

  // shim.cpp
  Status setUp(UniqueFd* outW, UniqueFd* errW, UniqueFd* inR);
  Status receiveConsole();
  void abandon();
  void appendLog(int i, std::string_view bytes, bool eof);
  void readInitOutput(int i);
  void reap();
  // The OOM kill counter (runtime/cgroup/oom_watch.h): re-read after a wake-up; waiters whose
  // count it passed are answered. `final`: the container is done, every waiter is answered.
  void checkOom(bool final);
  void loop();
  bool finished() const;
  void flushAllAndClose();

  // shim_tasks.cpp
  void acceptConnections();
  void handleConn(Conn& c, short revents);
  void handleRequest(Conn& c, const TaskRequest& r);
  void handleFrames(Conn& c);
  Status startInit();
  Result<int> startExec(Conn& c, const TaskRequest& r);
  void readExecOutput(ExecProc& e, int i);
  void execExited(ExecProc& e, int status);
  void maybeFinishExec(ExecProc& e);
  void writeStdin();
  void writeExecStdin(ExecProc& e);
  void send(Conn& c, std::string_view bytes);
  void reply(Conn& c, const TaskReply& r, bool thenClose);
  void flush(Conn& c);
  void dropConn(Conn& c);
  void sweepConns();
  void forgetOldExecs();
  bool outputBlocked() const;  // an attached reader is too far behind
  ExecProc* findExec(const std::string& id);

  const ShimOptions& opts_;
  runtime::Runtime runtime_;
  UniqueFd devNull_, log_, initFd_, consoleListen_, listen_;
  // The init's output: [0] stdout (the pty master with a TTY), [1] stderr.
  UniqueFd streams_[2];
  LineSplitter splitters_[2];
  // The init's stdin: the pipe's write end (`-i` without a TTY); with a TTY, the master.
  UniqueFd stdinW_;
  std::string pendingStdin_;
  // Reused for every read of output (readInitOutput, appendLog, readExecOutput): fresh strings
  // of up to 400 KB per read were mapped and page-faulted in each time.
  std::string logBatch_, framed_;
  bool closeStdinRequested_ = false;
  pid_t initPid_ = -1;
  bool started_ = false;
  int64_t droppedBytes_ = 0;
  int initStatus_ = 0;
  bool initExited_ = false;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::map<std::string, std::unique_ptr<ExecProc>> execs_;
  std::deque<std::string> finishedOrder_;
  std::vector<Conn*> initWaiters_;
  unsigned consoleSeq_ = 0;
  std::optional<oci::Process> initProcess_;  // the base of every exec (startExec)
  StatsCollector stats_;                     // the stats op (engine/shim/stats.h)
  std::optional<runtime::OomWatch> oom_;     // none without a memory cgroup
  uint64_t oomKills_ = 0;
  int oomRechecks_ = 0;  // wake-ups that found no kill yet: look again shortly
  std::vector<Conn*> oomWaiters_;
};

}  // namespace wharf::shim
