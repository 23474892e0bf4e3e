#pragma once
// The seam in front of wharf-shim: ALL direct interaction of the daemon with a shim process
// (spawning it, learning its pids, watching it exit, signalling, pausing, and the task API's
// requests: attach, exec, resize, ...; finding it again after a daemon restart) goes through
// these two interfaces. The ContainerManager only sees them; production uses
// ProcessShimLauncher (the shim task API), unit tests a fake (tests/unit/fakes/fake_shim.h).
//
// Threading: every method is called on the daemon's io_context thread; callbacks run there.

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "engine/shim/exit_file.h"
#include "engine/shim/task_protocol.h"
#include "engine/shim_client.h"
#include "oci/runtime_spec.h"

namespace wharf::engine {

// What a shim needs to run one container whose bundle (config.json) is prepared.
struct ShimStart {
  std::string id;
  std::string bundle;    // <exec-root>/containers/<id>: config.json, exit file, shim.log
  std::string logPath;   // the json-file log
  std::string exitFile;  // where the shim records the exit status
  bool tty = false;
  bool openStdin = false;  // the shim keeps the container's stdin open (`run -i`)
};

class ShimHandle;
// Called once the shim created the container and before its init runs (launch only): the
// attaches made before the start connect here, so they get the first byte.
using BeforeStart = std::function<void(ShimHandle&)>;

// One live shim and its container's init. Destroying the handle stops watching; the shim and
// its container keep running (live restore).
class ShimHandle {
 public:
  virtual ~ShimHandle() = default;
  virtual pid_t shimPid() const = 0;
  virtual pid_t initPid() const = 0;
  // Calls `onExit` once, after the shim has verifiably exited, with how the container ended:
  // its exit file, or (a shim that died without one) exit 255 once whatever was left of the
  // container has been killed and its runtime state removed.
  virtual void watchExit(std::function<void(shim::ExitStatus)> onExit) = 0;
  // A signal for the container's init (the runtime's kill; the pid directly as a fallback).
  virtual Status kill(int signal) = 0;
  // The cgroup freezer.
  virtual Status pause() = 0;
  virtual Status resume() = 0;
  // New resource limits for the container's cgroup (docker update; the runtime's update).
  virtual Status update(const oci::Resources& resources) {
    (void)resources;
    return notImplemented("updating the resources of a running container");
  }
  // Calls `onOom(kills)` (on the loop) each time the shim reports that the kernel OOM-killed
  // a process of the container: `kills` is the container's count this run, above `seen` (an
  // `oom-wait` request; counted by the shim, so a wake-up that killed nothing is never
  // reported). Stops when the container has exited or the handle is destroyed. Default:
  // nothing is reported.
  virtual void watchOom(uint64_t seen, std::function<void(uint64_t kills)> onOom) {
    (void)seen, (void)onOom;
  }
  // The init's pty (a `resize` request).
  virtual Status resize(int height, int width) = 0;
  // A one-shot task request (resize of an exec, exec-state ...), answered at once.
  virtual Result<shim::TaskReply> call(const shim::TaskRequest& r) = 0;
  // A streaming task request (attach, exec, wait): onReply once with the shim's answer, then
  // the stream's frames (engine/shim_client.h).
  virtual Result<std::shared_ptr<ShimStream>> stream(const shim::TaskRequest& r,
                                                     ShimStream::ReplyFn onReply) = 0;
  // Runs a process in the container (an `exec` request): a stream as above.
  Result<std::shared_ptr<ShimStream>> exec(const shim::TaskRequest& r,
                                           ShimStream::ReplyFn onReply) {
    return stream(r, std::move(onReply));
  }
};

class ShimLauncher {
 public:
  virtual ~ShimLauncher() = default;
  using LaunchDone = std::function<void(Result<std::unique_ptr<ShimHandle>>)>;
  // Spawns a shim for the prepared bundle; `done` once the init runs (or the start failed,
  // with the shim's error: NotFound for a missing executable, Forbidden for permission).
  // beforeStart (may be empty) runs between the shim's "created" and its init's start.
  virtual void launch(const ShimStart& s, BeforeStart beforeStart, LaunchDone done) = 0;

  // ---- live restore ----
  // Every live shim, by container id (found by what the kernel says, not by a record).
  virtual std::map<std::string, pid_t> liveShims() = 0;
  // Whether `pid` is the shim of container `id` right now.
  virtual bool isShimOf(pid_t pid, const std::string& id) = 0;
  // Takes over a live shim after a daemon restart. A shim still creating its container is
  // waited for (bounded, asynchronously); NotFound when it gave up before the container
  // existed.
  virtual void adopt(const ShimStart& s, pid_t shimPid, LaunchDone done) = 0;
  // Whether the runtime ever made the container (its state exists): tells an interrupted
  // start from a run that ended while no daemon was there.
  virtual bool runtimeHas(const std::string& id) = 0;
  // How a container whose shim is gone (no daemon watched it) ended: its exit file, or exit
  // 255 once whatever is left of it has been killed. Either way its runtime state is removed,
  // off the loop (the runtime's forced remove waits for the init to die); `done` on the loop.
  virtual void collectExit(const ShimStart& s, pid_t initPid,
                           std::function<void(shim::ExitStatus)> done) = 0;
  // Removes the runtime state of a container nobody knows (a create cut short), off the loop.
  virtual void cleanup(const std::string& id, std::function<void()> done) = 0;
};

}  // namespace wharf::engine
