// Runtime::exec: another process in a running container's namespaces and cgroup (runc exec).
// Like create, the process is a child of the caller and reports success or its first error
// over a socketpair; unlike create it execs at once (no fifo).
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "common/fs.h"
#include "common/scope_guard.h"
#include "runtime/internal/child_fds.h"
#include "runtime/internal/exec_context.h"
#include "runtime/internal/helpers.h"
#include "runtime/internal/home_env.h"
#include "runtime/internal/process.h"
#include "runtime/internal/procfs.h"
#include "runtime/internal/state_file.h"
#include "runtime/internal/sync.h"
#include "runtime/internal/terminal.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

namespace {

struct ExecChild {
  const oci::Process* process = nullptr;
  const oci::Spec* spec = nullptr;
  StdioFds stdio;
  int syncFd = -1;
  int consoleFd = -1;
  std::vector<std::string> cgroupProcs;
  std::vector<std::pair<int, int>> namespaces;  // user first, mount last
  bool inUserNs = false;
  int preserveFds = 0;
  int procFd = -1;                     // the runtime's procfs (procfs.h)
  PreparedSeccomp* seccomp = nullptr;  // made before the fork
};

Result<ExecTarget> setupExec(const ExecChild& c) {
  const oci::Process& proc = *c.process;
  if (::setsid() < 0) return sysError("setsid");
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (!proc.terminal) WHARF_TRY(setupStdio(c.stdio.in, c.stdio.out, c.stdio.err));
  // Our own /proc/self files belong to the host's root while we are not dumpable: write them
  // before joining a user namespace, and through our procfs, not the container's /proc.
  if (proc.oomScoreAdj) WHARF_TRY(applyOomScoreAdj(c.procFd, *proc.oomScoreAdj));
  WHARF_TRY(applyLsmLabels(c.procFd, proc));
  for (const auto& f : c.cgroupProcs) {
    int fd = ::open(f.c_str(), O_WRONLY | O_CLOEXEC);
    // A cgroup that is gone (the container is exiting) is not worth failing for.
    if (fd >= 0) {
      (void)!::write(fd, "0", 1);
      ::close(fd);
    }
  }
  for (const auto& [fd, type] : c.namespaces)
    if (::setns(fd, type) < 0) return sysError("join the container's namespaces");
  if (::chdir("/") < 0) return sysError("chdir /");
  if (proc.terminal) {
    if (c.consoleFd < 0) return invalidArgument("process.terminal needs a console socket");
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sysError("open the container's root");
    WHARF_TRY_CTX(setupTerminal(c.consoleFd, proc, root.get(), c.procFd, false), "terminal");
    ::close(c.consoleFd);
  }
  WHARF_TRY(applyRlimits(proc.rlimits));
  WHARF_TRY(applyProcessAttributes(proc, nullptr));
  bool inCwd = ::chdir(proc.cwd.c_str()) == 0;
  ExecTarget target{"", withHomeEnv(proc.env, proc.user.uid)};
  PreparedSeccomp* filter = c.seccomp;
  if (filter && !proc.noNewPrivileges) WHARF_TRY(loadSeccompFilter(*filter, c.syncFd));
  WHARF_TRY(applyUserAndCapabilities(proc, !c.inUserNs));
  if (!inCwd && ::chdir(proc.cwd.c_str()) < 0)
    return sysError("chdir to cwd (\"" + proc.cwd + "\") failed");
  if (proc.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sysError("prctl(PR_SET_NO_NEW_PRIVS)");
  if (proc.args.empty()) return invalidArgument("process.args: must not be empty");
  WHARF_ASSIGN_OR_RETURN(target.exe, lookPath(proc.args[0], proc.env));
  if (filter && proc.noNewPrivileges) WHARF_TRY(loadSeccompFilter(*filter, c.syncFd));
  return target;
}

[[noreturn]] void runExecChild(const ExecChild& c) {
  // First of all, drop every fd we were not given on purpose: the caller's (a shim's, a
  // daemon's) and the runtime's own, among them the one to the host's pid namespace.
  std::vector<int> keep = {c.syncFd, c.consoleFd, c.procFd, c.stdio.in, c.stdio.out, c.stdio.err};
  for (const auto& [fd, type] : c.namespaces) keep.push_back(fd);
  closeFdsExcept(std::move(keep), c.preserveFds);
  auto exe = setupExec(c);
  if (!exe.ok()) {
    (void)sendMessage(c.syncFd, encodeError(exe.error()));
    ::_exit(1);
  }
  ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  // The socket is close-on-exec: the runtime sees EOF when the exec succeeded.
  (void)sendMessage(c.syncFd, "R");
  Error err = execProcess(exe->exe, c.process->args, exe->env, c.preserveFds);
  (void)sendMessage(c.syncFd, encodeError(err));
  ::_exit(127);
}

}  // namespace

Result<oci::Spec> Runtime::config(const std::string& id) {
  WHARF_ASSIGN_OR_RETURN(State st, state(id));
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  return ps.config();
}

Result<const ExecContext*> Runtime::execContext(const std::string& id) {
  const std::filesystem::path path = root_ / id / "state.json";
  struct stat now {};
  if (execCache_ && execCache_->id == id && ::stat(path.c_str(), &now) == 0 &&
      execCache_->sameFile(now))
    return execCache_.get();
  execCache_.reset();
  auto ctx = std::make_unique<ExecContext>();
  ctx->id = id;
  ctx->file.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ctx->file) {
    if (errno == ENOENT) return notFound("container \"" + id + "\" does not exist");
    return sysError("open " + path.string());
  }
  if (::fstat(ctx->file.get(), &ctx->identity) < 0) return sysError("stat " + path.string());
  WHARF_ASSIGN_OR_RETURN(std::string text, fs::readFd(ctx->file.get(), path.string()));
  WHARF_ASSIGN_OR_RETURN(ctx->persisted, parseStateFile(text, id));
  WHARF_ASSIGN_OR_RETURN(ctx->spec, ctx->persisted.config());
  // configText is only needed to parse the spec; the cache need not keep it twice.
  ctx->persisted.configText.clear();
  WHARF_ASSIGN_OR_RETURN(std::optional<PreparedSeccomp> filter, prepareFilter(ctx->spec));
  if (filter) ctx->filter.emplace(std::move(*filter));
  execCache_ = std::move(ctx);
  return execCache_.get();
}

Result<int> Runtime::exec(const std::string& id, const ExecOptions& opts) {
  // The state file holds the whole config: parsing it (and preparing its seccomp program)
  // was half of an exec's time in the shim, so a caller that execs again into the same
  // container reuses the result while the file is unchanged (exec_context.h). The status is
  // computed afresh every time.
  WHARF_TRY(validateId(id));
  WHARF_ASSIGN_OR_RETURN(const ExecContext* ctx, execContext(id));
  const PersistedState& ps = ctx->persisted;
  const oci::Spec& spec = ctx->spec;
  State st = stateOf(ps);
  if (st.status != "running" && st.status != "created")
    return conflict("cannot exec in container \"" + id + "\": it is " + st.status);

  ExecChild c;
  c.process = &opts.process;
  c.spec = &spec;
  c.stdio = opts.stdio;
  c.preserveFds = opts.preserveFds;
  for (const auto& d : ps.cgroupDirs) c.cgroupProcs.push_back(d + "/cgroup.procs");
  // The child loads its own copy (fork): the cached program is never changed.
  if (ctx->filter) c.seccomp = const_cast<PreparedSeccomp*>(&*ctx->filter);

  // The init's namespaces, wherever they came from: /proc/<pid>/ns/<type>.
  std::vector<UniqueFd> fds;
  UniqueFd pidNs, mountNs;
  static constexpr std::pair<const char*, const char*> kNs[] = {
      {"user", "user"},     {"ipc", "ipc"},   {"uts", "uts"}, {"network", "net"},
      {"cgroup", "cgroup"}, {"time", "time"}, {"pid", "pid"}, {"mount", "mnt"}};
  const std::string base = "/proc/" + std::to_string(st.pid) + "/ns/";
  for (const auto& [type, file] : kNs) {
    if (!spec.linux || !spec.linux->findNamespace(type)) continue;
    UniqueFd fd(::open((base + file).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sysError("open " + base + file);
    int flag = namespaceFlag(type);
    if (flag == CLONE_NEWPID) {
      pidNs = std::move(fd);
      continue;
    }
    if (flag == CLONE_NEWUSER) c.inUserNs = true;
    c.namespaces.emplace_back(fd.get(), flag);
    fds.push_back(std::move(fd));
  }

  UniqueFd console;
  if (opts.process.terminal) {
    if (opts.consoleSocket.empty())
      return invalidArgument("process.terminal is true but no console socket was given");
    WHARF_ASSIGN_OR_RETURN(console, connectUnix(opts.consoleSocket));
    c.consoleFd = console.get();
  }
  int sp[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return sysError("socketpair");
  UniqueFd parentSock(sp[0]), childSock(sp[1]);
  c.syncFd = childSock.get();

  WHARF_ASSIGN_OR_RETURN(UniqueFd procFd, openProcRoot());
  c.procFd = procFd.get();

  UniqueFd ownPidNs;
  if (pidNs) {
    ownPidNs.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!ownPidNs) return sysError("open /proc/self/ns/pid");
    if (::setns(pidNs.get(), CLONE_NEWPID) < 0) return sysError("enter the pid namespace");
  }
  pid_t pid;
  int forkErr;
  {
    NonDumpableScope nonDumpable;  // born non-dumpable: visible in the container from the fork
    pid = ::fork();
    if (pid == 0) {
      parentSock.reset();
      runExecChild(c);
    }
    forkErr = errno;
  }
  if (ownPidNs) (void)::setns(ownPidNs.get(), CLONE_NEWPID);
  if (pid < 0) return sysError("fork", forkErr);
  childSock.reset();
  console.reset();
  procFd.reset();
  ScopeGuard kill([&] { killAndReap(pid); });

  std::string msg;
  for (;;) {
    UniqueFd received;
    WHARF_ASSIGN_OR_RETURN(msg, recvMessage(parentSock.get(), &received));
    if (msg != "S") break;
    WHARF_TRY_CTX(sendToSeccompListener(spec, id, pid, st.bundle, received.get()),
                  "linux.seccomp.listenerPath");
  }
  if (msg.empty()) return internalError("exec'd process exited during setup");
  if (msg[0] == 'E') return decodeError(msg);
  // "R": then either EOF (execve succeeded) or the execve error.
  WHARF_ASSIGN_OR_RETURN(std::string after, recvMessage(parentSock.get()));
  if (!after.empty() && after[0] == 'E') return decodeError(after);
  if (!opts.pidFile.empty()) WHARF_TRY(fs::writeFileAtomic(opts.pidFile, std::to_string(pid)));
  kill.dismiss();
  return pid;
}

}  // namespace wharf::runtime
