#pragma once
// The OCI runtime library: what wharf-runtime, the shim and the builder use in-process.
//
// State directory (runc's --root), one per container:
//   <root>/<id>/state.json   pid, its start time, bundle, rootfs, created, cgroup dirs, hooks
//   <root>/<id>/exec.fifo    exists while the container is "created"; start() writes to it,
//                            which releases the init blocked before execve
//
// Lifecycle: create() -> created, start() -> running, the init exits -> stopped (whoever is
// its parent reaps it), remove() -> gone. pause()/resume() freeze the cgroup.

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

struct StdioFds {
  int in = -1, out = -1, err = -1;  // given to the init (dup2'ed to 0/1/2) when !terminal
};

struct CreateOptions {
  std::string id;
  std::filesystem::path
      bundle;  // holds config.json; spec.root.path is relative to it (or absolute)
  std::optional<oci::Spec> spec;  // when set, used instead of reading bundle/config.json
  StdioFds stdio;
  std::string consoleSocket;  // with process.terminal: send the pty master over this unix socket
  std::string pidFile;
  bool noPivot = false;
  int preserveFds = 0;  // runc's --preserve-fds: the caller's fds 3..3+N-1 are passed on
};

struct State {
  std::string ociVersion, id, status;  // creating created running stopped paused
  int pid = 0;
  std::string bundle, rootfs, created /* RFC3339 nano */, owner;
  std::map<std::string, std::string> annotations;
};

// runc's `state` JSON for s.
std::string stateToJson(const State& s);

struct ExecOptions {
  oci::Process process;  // args, env, cwd, user, capabilities, terminal ...
  StdioFds stdio;
  std::string consoleSocket;  // with process.terminal
  std::string pidFile;
  int preserveFds = 0;
};

class CgroupManager;
class OomWatch;  // runtime/cgroup/oom_watch.h
struct CgroupLayout;
struct PersistedState;
struct ExecContext;  // runtime/internal/exec_context.h

class Runtime {
 public:
  explicit Runtime(std::filesystem::path root);  // runc's --root: state dirs live in root/<id>/
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Creates the container. The init process is a CHILD OF THE CALLING PROCESS (wait for it
  // with waitpid), in its new namespaces, rootfs pivoted, and blocked before execve until
  // start(). process.args[0] is already resolved against the container's PATH: a missing
  // one fails with NotFound (`exec: "x": executable file not found in $PATH`), a
  // non-executable one with Forbidden (`exec: "x": permission denied`); everything is undone.
  Result<State> create(const CreateOptions& opts);
  Status start(const std::string& id);  // the init execs; state becomes running
  Result<State> state(const std::string& id);
  Status kill(const std::string& id, int signal, bool all = false);
  // Removes cgroup + state dir (the init must be dead unless force, which SIGKILLs it).
  Status remove(const std::string& id, bool force = false);
  Result<std::vector<State>> list();
  Status pause(const std::string& id);
  Status resume(const std::string& id);
  // runc update: applies new limits (memory, cpu, pids, blkio ...; the device rules stay) to
  // a created, running or paused container's cgroup. Conflict when it is stopped.
  Status update(const std::string& id, const oci::Resources& resources);
  // Watches the container's memory cgroup for OOM kills (runtime/cgroup/oom_watch.h).
  Result<OomWatch> oomWatch(const std::string& id);
  // Pids (host view) of every process in the container's cgroup.
  Result<std::vector<int>> pids(const std::string& id);
  // Runs another process in the running container (setns into its namespaces and cgroup).
  // The process is a child of the caller; returns its pid (host view).
  Result<int> exec(const std::string& id, const ExecOptions& opts);

  // The spec the container was created with (exec's defaults come from its process).
  Result<oci::Spec> config(const std::string& id);

  const std::filesystem::path& root() const { return root_; }

 private:
  Result<const CgroupLayout*> layout();
  // Compiled seccomp programs (seccomp.h PreparedSeccomp); a dot name, so never a container.
  std::string seccompCacheDir() const { return (root_ / ".seccomp-cache").string(); }
  // The spec's filter, prepared before a fork (none without linux.seccomp).
  Result<std::optional<PreparedSeccomp>> prepareFilter(const oci::Spec& spec) const;
  // The parsed state file, spec and filter of `id` for exec: the cached one while the file
  // is unchanged (internal/exec_context.h), else read now.
  Result<const ExecContext*> execContext(const std::string& id);
  State stateOf(const PersistedState& ps);
  void runLateHooks(const PersistedState& ps, const char* kind);

  std::filesystem::path root_;
  std::unique_ptr<CgroupLayout> layout_;    // detected on first use, once
  std::unique_ptr<ExecContext> execCache_;  // the last container exec'd into
};

}  // namespace wharf::runtime
