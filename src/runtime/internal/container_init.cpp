#include "runtime/internal/container_init.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "common/fs.h"
#include "common/unique_fd.h"
#include "runtime/internal/child_fds.h"
#include "runtime/internal/home_env.h"
#include "runtime/internal/hooks.h"
#include "runtime/internal/process.h"
#include "runtime/internal/procfs.h"
#include "runtime/internal/sync.h"
#include "runtime/internal/terminal.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

namespace {

Status writeZero(const std::string& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sysError("join cgroup \"" + file + "\"");
  ssize_t n = ::write(fd, "0", 1);
  int err = errno;
  ::close(fd);
  if (n < 0) return sysError("join cgroup \"" + file + "\"", err);
  return okStatus();
}

// A new time namespace only applies to children of the unsharer, and its offsets must be set
// before anyone enters it: unshare, write the offsets, then move ourselves in.
Status enterTimeNamespace(const oci::Spec& spec, int procFd, bool inUserNs) {
  if (::unshare(CLONE_NEWTIME) < 0) return sysError("unshare the time namespace");
  std::string offsets;
  if (spec.linux)
    for (const auto& [clock, secs] : spec.linux->timeOffsets) {
      if (clock != "monotonic" && clock != "boottime")
        return invalidArgument("linux.timeOffsets." + clock + ": unknown clock");
      offsets += clock + " " + std::to_string(secs) + " 0\n";
    }
  if (!offsets.empty()) {
    // The file belongs to the host's root while we are not dumpable; in a new user namespace
    // we are dumpable for this one write. Nobody else is in our pid namespace yet.
    if (inUserNs) ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    Status st = writeProcFile(procFd, "self/timens_offsets", offsets, "linux.timeOffsets");
    if (inUserNs) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    WHARF_TRY(std::move(st));
  }
  // A magic link, so not through openProcFile; this is still the host's /proc (before any
  // mount of the container's was made).
  int ns = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (ns < 0) return sysError("open /proc/self/ns/time_for_children");
  int rc = ::setns(ns, CLONE_NEWTIME);
  ::close(ns);
  if (rc < 0) return sysError("enter the time namespace");
  return okStatus();
}

bool needsHookState(const oci::Spec& spec) {
  if (!spec.hooks) return false;
  const auto& h = *spec.hooks;
  return !h.prestart.empty() || !h.createRuntime.empty() || !h.createContainer.empty() ||
         !h.startContainer.empty();
}

// Everything up to "blocked before execve"; returns the resolved executable.
// hookState receives the state JSON the runtime sends for the container's own hooks.
Result<ExecTarget> setup(const InitConfig& cfg, std::string& hookState) {
  const oci::Spec& spec = *cfg.spec;
  const oci::Process& proc = *spec.process;
  sys::LinuxSyscalls sys;

  if (::setsid() < 0) return sysError("setsid");
  ::umask(0);
  if (!proc.terminal) WHARF_TRY(setupStdio(cfg.stdio.in, cfg.stdio.out, cfg.stdio.err));
  // Die with the runtime while it still waits for us: no orphaned half-made containers.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

  // Join the cgroup first: before a new cgroup namespace (so that it is its root) and while
  // still the host's root (a user namespace's root may not write the host's cgroup files).
  for (const auto& f : cfg.cgroupProcs) WHARF_TRY(writeZero(f));
  // Files of our own /proc/self belong to the host's root while we are not dumpable: write
  // them before a user namespace makes us someone else.
  if (proc.oomScoreAdj) WHARF_TRY(applyOomScoreAdj(cfg.procFd, *proc.oomScoreAdj));
  WHARF_TRY(applyLsmLabels(cfg.procFd, proc));
  if (cfg.newUserNs) {
    if (!cfg.userNsFromClone) WHARF_TRY(sys.unshare(CLONE_NEWUSER));
    WHARF_TRY(sendMessage(cfg.syncFd, "U"));
    WHARF_ASSIGN_OR_RETURN(std::string go, recvMessage(cfg.syncFd));
    if (go != "G") return internalError("runtime did not map the user namespace");
    if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0)
      return sysError("become root in the user namespace");
  }
  for (const auto& [fd, type] : cfg.joinNamespaces)
    WHARF_TRY_CTX(sys.setns(fd, type), "join namespace");
  if (cfg.unshareFlags & ~CLONE_NEWTIME) WHARF_TRY(sys.unshare(cfg.unshareFlags & ~CLONE_NEWTIME));
  if (cfg.unshareFlags & CLONE_NEWTIME)
    WHARF_TRY(enterTimeNamespace(spec, cfg.procFd, cfg.newUserNs));
  if (cfg.unshareFlags & CLONE_NEWNET) WHARF_TRY_CTX(loopbackUp(), "network namespace");

  const bool newMountNs = cfg.unshareFlags & CLONE_NEWNS;
  RootfsConfig rc;
  rc.rootfs = cfg.rootfs;
  rc.bundle = cfg.bundle;
  rc.spec = &spec;
  rc.noPivot = cfg.noPivot;
  if (newMountNs) {
    auto mountinfo = fs::readFile("/proc/self/mountinfo");
    if (!mountinfo.ok()) return std::move(mountinfo).error().context("read mountinfo");
    rc.rootfsMountPoint = mountPointOf(*mountinfo, cfg.rootfs);
  }
  rc.newUserNs = cfg.newUserNs;
  rc.newCgroupNs = cfg.unshareFlags & CLONE_NEWCGROUP;
  rc.cgroups = cfg.cgroupMount;
  rc.idmapUserns = cfg.idmapUserns;
  rc.procFd = cfg.procFd;
  if (newMountNs) WHARF_TRY(prepareRootfs(sys, rc));
  if (needsHookState(spec)) {
    // The runtime runs prestart/createRuntime now, in its namespaces, and sends the state.
    WHARF_TRY(sendMessage(cfg.syncFd, "H"));
    WHARF_ASSIGN_OR_RETURN(std::string reply, recvMessage(cfg.syncFd));
    if (reply.empty() || reply[0] != 'G') return internalError("runtime hooks failed");
    hookState = reply.substr(1);
    WHARF_TRY(runHooks(spec.hooks->createContainer, hookState, "createContainer"));
  }
  if (newMountNs) {
    WHARF_TRY(enterRootfs(sys, cfg.rootfs, cfg.noPivot));
  } else {
    // Sharing the runtime's mount namespace: never move or detach anything there, just chroot.
    WHARF_TRY(sys.chroot(cfg.rootfs));
    WHARF_TRY(sys.chdir("/"));
  }
  if (proc.terminal) {
    if (cfg.consoleFd < 0) return invalidArgument("process.terminal needs a console socket");
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return sysError("open the container's root");
    WHARF_TRY_CTX(setupTerminal(cfg.consoleFd, proc, root.get(), cfg.procFd, newMountNs),
                  "terminal");
    ::close(cfg.consoleFd);
  }
  if (cfg.unshareFlags & CLONE_NEWUTS) {
    if (!spec.hostname.empty()) WHARF_TRY(sys.sethostname(spec.hostname));
    if (!spec.domainname.empty()) WHARF_TRY(sys.setdomainname(spec.domainname));
  }
  if (spec.linux) WHARF_TRY(applySysctl(cfg.procFd, spec.linux->sysctl));
  if (newMountNs) WHARF_TRY(finishRootfs(sys, rc));

  WHARF_TRY(applyRlimits(proc.rlimits));
  WHARF_TRY(applyProcessAttributes(
      proc, spec.linux && spec.linux->personality ? &*spec.linux->personality : nullptr));
  // The cwd may be reachable only as root or only as the user: try both.
  bool inCwd = ::chdir(proc.cwd.c_str()) == 0;
  ExecTarget target{"", withHomeEnv(proc.env, proc.user.uid)};
  PreparedSeccomp* filter = cfg.seccomp;
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it before dropping caps.
  if (filter && !proc.noNewPrivileges) WHARF_TRY(loadSeccompFilter(*filter, cfg.syncFd));
  WHARF_TRY(applyUserAndCapabilities(proc, !cfg.newUserNs));
  if (!inCwd && ::chdir(proc.cwd.c_str()) < 0)
    return sysError("chdir to cwd (\"" + proc.cwd + "\") set in config.json failed");
  if (proc.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return sysError("prctl(PR_SET_NO_NEW_PRIVS)");
  if (proc.args.empty()) return invalidArgument("process.args: must not be empty");
  WHARF_ASSIGN_OR_RETURN(target.exe, lookPath(proc.args[0], proc.env));
  if (filter && proc.noNewPrivileges) WHARF_TRY(loadSeccompFilter(*filter, cfg.syncFd));
  return target;
}

}  // namespace

void runInit(const InitConfig& cfg) {
  // First of all, drop every fd we were not given on purpose (the caller's, the runtime's).
  std::vector<int> keep = {cfg.syncFd,   cfg.fifoFd,    cfg.consoleFd, cfg.procFd,
                           cfg.stdio.in, cfg.stdio.out, cfg.stdio.err};
  for (const auto& [fd, type] : cfg.joinNamespaces) keep.push_back(fd);
  for (const auto& [idx, fd] : cfg.idmapUserns) keep.push_back(fd);
  closeFdsExcept(std::move(keep), cfg.preserveFds);
  std::string hookState;
  auto exe = setup(cfg, hookState);
  if (!exe.ok()) {
    (void)sendMessage(cfg.syncFd, encodeError(exe.error()));
    ::_exit(1);
  }
  // The init waits in "created" holding only stdio, the fifo and the preserved fds: nothing
  // of the runtime's (procfs, namespaces, console socket) stays reachable until start().
  closeFdsExcept({cfg.syncFd, cfg.fifoFd}, cfg.preserveFds);
  // From here the container outlives the runtime process that created it (runc create). The
  // death signal goes *before* "ready": the runtime may return and exit the moment it reads it.
  ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (!sendMessage(cfg.syncFd, "R").ok()) ::_exit(1);
  ::close(cfg.syncFd);
  if (cfg.fifoFd >= 0) {
    // Blocks until start() writes the byte. EOF would mean nobody can start us: give up.
    char c;
    ssize_t n;
    do n = ::read(cfg.fifoFd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(1);
    ::close(cfg.fifoFd);
  }
  if (cfg.spec->hooks && !cfg.spec->hooks->startContainer.empty()) {
    auto st = runHooks(cfg.spec->hooks->startContainer, hookState, "startContainer");
    if (!st.ok()) {
      std::string msg = "wharf-runtime: " + st.error().message() + "\n";
      (void)!::write(2, msg.data(), msg.size());
      ::_exit(1);
    }
  }
  Error err = execProcess(exe->exe, cfg.spec->process->args, exe->env, cfg.preserveFds);
  std::string msg = "wharf-runtime: " + err.message() + "\n";
  (void)!::write(2, msg.data(), msg.size());
  ::_exit(127);
}

}  // namespace wharf::runtime
