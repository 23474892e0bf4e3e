#include "runtime/runtime.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/scope_guard.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "runtime/cgroup/attach_warmup.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/oom_watch.h"
#include "runtime/internal/child_fds.h"
#include "runtime/internal/container_init.h"
#include "runtime/internal/exec_context.h"
#include "runtime/internal/helpers.h"
#include "runtime/internal/hooks.h"
#include "runtime/internal/process.h"
#include "runtime/internal/procfs.h"
#include "runtime/internal/state_file.h"
#include "runtime/internal/sync.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

namespace fsys = std::filesystem;

namespace {

bool joins(const InitConfig& cfg, int flag) {
  for (const auto& [fd, type] : cfg.joinNamespaces)
    if (type == flag) return true;
  return false;
}

Status writePidFile(const std::string& path, int pid) {
  if (path.empty()) return okStatus();
  return fs::writeFileAtomic(path, std::to_string(pid));
}

}  // namespace

std::string stateToJson(const State& s) {
  OrderedJson j;
  j["ociVersion"] = s.ociVersion;
  j["id"] = s.id;
  j["pid"] = s.pid;
  j["status"] = s.status;
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  j["owner"] = s.owner;
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  return j.dump(2);
}

Runtime::Runtime(fsys::path root) : root_(std::move(root)) {}
Runtime::~Runtime() = default;

Result<std::optional<PreparedSeccomp>> Runtime::prepareFilter(const oci::Spec& spec) const {
  if (!spec.linux || !spec.linux->seccomp) return std::optional<PreparedSeccomp>();
  auto prepared = prepareSeccomp(*spec.linux->seccomp, seccompCacheDir());
  if (!prepared.ok()) return std::move(prepared).error().context("config.json");
  return std::optional<PreparedSeccomp>(std::move(*prepared));
}

Result<const CgroupLayout*> Runtime::layout() {
  if (!layout_) {
    WHARF_ASSIGN_OR_RETURN(CgroupLayout l, detectCgroupLayout());
    layout_ = std::make_unique<CgroupLayout>(std::move(l));
  }
  return layout_.get();
}

Result<State> Runtime::create(const CreateOptions& opts) {
  WHARF_TRY(validateId(opts.id));
  // First of all: the kernel's first cgroup attach waits for an RCU grace period; start
  // paying it now, in parallel with everything below (attach_warmup.h).
  std::optional<CgroupAttachWarmup> warmup;
  if (auto lay = layout(); lay.ok())
    if (auto self = fs::readFile("/proc/self/cgroup"); self.ok())
      warmup.emplace(ownCgroupProcsFile(**lay, *self));
  // The spec: given, or the bundle's config.json.
  std::error_code ec;
  fsys::path bundle = fsys::absolute(opts.bundle.empty() ? fsys::current_path(ec) : opts.bundle, ec)
                          .lexically_normal();
  if (bundle.has_relative_path() && !bundle.has_filename()) bundle = bundle.parent_path();
  oci::Spec spec;
  if (opts.spec) {
    spec = *opts.spec;
  } else {
    auto text = fs::readFile(bundle / "config.json");
    if (!text.ok()) return std::move(text).error().context("read bundle config");
    auto parsed = oci::parseSpec(*text);
    if (!parsed.ok()) return std::move(parsed).error().context("config.json");
    spec = std::move(*parsed);
  }
  if (!spec.process) return invalidArgument("process: required to create a container");
  if (spec.process->args.empty()) return invalidArgument("process.args: must not be empty");
  if (!spec.root || spec.root->path.empty()) return invalidArgument("root.path: required");
  fsys::path rootfs = spec.root->path;
  if (rootfs.is_relative()) rootfs = bundle / rootfs;
  char real[PATH_MAX];
  struct stat st;
  if (::realpath(rootfs.c_str(), real) == nullptr || ::stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
    return notFound("root.path: rootfs \"" + rootfs.string() +
                    "\" does not exist or is not a directory");
  // The spec allows any path ("either an absolute path or a relative path to the bundle"):
  // the bundle itself, or a symlink out of it, is as valid as runc and crun find it. The
  // caller owns config.json, so there is nothing to contain; only the resolved directory is
  // used from here on, so a symlink swapped later cannot redirect the mounts.
  const std::string rootfsReal = real;

  // State directory: its creation is what makes the id taken.
  WHARF_TRY(fs::mkdirAll(root_, 0700));
  // A root made by an older version (or by hand) may be 0755: the state of every container,
  // its config and the seccomp cache are root's alone.
  ::chmod(root_.c_str(), 0700);
  fsys::path dir = root_ / opts.id;
  if (::mkdir(dir.c_str(), 0700) < 0) {
    if (errno == EEXIST) return conflict("container \"" + opts.id + "\" already exists");
    return sysError("create state directory \"" + dir.string() + "\"");
  }
  ScopeGuard removeDir([&] { (void)fs::removeAll(dir); });

  std::string fifoPath = (dir / "exec.fifo").string();
  if (::mkfifo(fifoPath.c_str(), 0622) < 0) return sysError("mkfifo \"" + fifoPath + "\"");
  // O_RDWR never blocks on a FIFO; the init reads from it and so blocks until start().
  UniqueFd fifo(::open(fifoPath.c_str(), O_RDWR | O_CLOEXEC));
  if (!fifo) return sysError("open \"" + fifoPath + "\"");

  // Cgroup.
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  WHARF_ASSIGN_OR_RETURN(std::string cgPath,
                         normalizeCgroupsPath(spec.linux ? spec.linux->cgroupsPath : "", opts.id));
  WHARF_ASSIGN_OR_RETURN(std::unique_ptr<CgroupManager> cg, makeCgroupManager(*lay, cgPath));
  ScopeGuard removeCgroup([&] {
    if (auto p = cg->pids(); p.ok())
      for (int pid : *p) ::kill(pid, SIGKILL);
    (void)cg->destroy();
  });
  WHARF_TRY_CTX(cg->create(), "create cgroup");
  WHARF_TRY(
      cg->apply(spec.linux && spec.linux->resources ? *spec.linux->resources : oci::Resources{}));
  {
    // A provisional state (pid 0 = stopped) so that if this process is killed half-way,
    // `delete` still finds the cgroup and the state dir to remove.
    PersistedState early;
    early.state.id = opts.id;
    early.state.bundle = bundle.string();
    early.state.rootfs = rootfsReal;
    early.cgroupV2 = cg->isV2();
    early.cgroupDirs = cg->dirs();
    WHARF_TRY(writeStateFile(dir, early));
  }

  // Namespaces: new ones by flag, joined ones by an fd opened here so errors are ours.
  InitConfig cfg;
  cfg.spec = &spec;
  WHARF_ASSIGN_OR_RETURN(std::optional<PreparedSeccomp> filter, prepareFilter(spec));
  if (filter) cfg.seccomp = &*filter;
  cfg.rootfs = rootfsReal;
  cfg.bundle = bundle.string();
  cfg.noPivot = opts.noPivot;
  cfg.preserveFds = opts.preserveFds;
  cfg.stdio = opts.stdio;
  cfg.cgroupProcs = cg->procsFiles();
  cfg.cgroupMount = cg->mountSource();
  // Idmapped bind mounts need a user namespace holding their mappings, made here (the init
  // may be in no user namespace at all).
  std::vector<UniqueFd> idmapFds;
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const auto& m = spec.mounts[i];
    if (m.uidMappings.empty() && m.gidMappings.empty()) continue;
    auto fd = makeUserns(m.uidMappings, m.gidMappings);
    if (!fd.ok())
      return std::move(fd).error().context("mounts[" + std::to_string(i) + "].uidMappings");
    cfg.idmapUserns.emplace_back(i, fd->get());
    idmapFds.push_back(std::move(*fd));
  }
  std::vector<UniqueFd> nsFds;
  int pidFlag = 0;
  int joinPidFd = -1;
  if (spec.linux) {
    for (size_t i = 0; i < spec.linux->namespaces.size(); ++i) {
      const auto& ns = spec.linux->namespaces[i];
      int flag = namespaceFlag(ns.type);
      if (ns.path.empty()) {
        if (flag == CLONE_NEWPID)
          pidFlag = flag;
        else if (flag == CLONE_NEWUSER)
          cfg.newUserNs = true;
        else
          cfg.unshareFlags |= flag;
        continue;
      }
      UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd)
        return sysError("linux.namespaces[" + std::to_string(i) + "].path: open \"" + ns.path +
                        "\"");
      if (flag == CLONE_NEWPID) {
        joinPidFd = fd.get();
      } else if (flag == CLONE_NEWUSER) {
        cfg.joinNamespaces.insert(cfg.joinNamespaces.begin(), {fd.get(), flag});
      } else {
        cfg.joinNamespaces.emplace_back(fd.get(), flag);
      }
      nsFds.push_back(std::move(fd));
    }
  }
  if (spec.linux)
    for (const auto& [key, value] : spec.linux->sysctl)
      WHARF_TRY(validateSysctl(key, cfg.unshareFlags & CLONE_NEWNET || joins(cfg, CLONE_NEWNET),
                               cfg.unshareFlags & CLONE_NEWIPC || joins(cfg, CLONE_NEWIPC),
                               cfg.unshareFlags & CLONE_NEWUTS || joins(cfg, CLONE_NEWUTS)));
  if (cfg.newUserNs && spec.linux->uidMappings.empty())
    return invalidArgument("linux.uidMappings: required with a new user namespace");

  UniqueFd console;
  if (spec.process->terminal) {
    if (opts.consoleSocket.empty())
      return invalidArgument("process.terminal is true but no console socket was given");
    WHARF_ASSIGN_OR_RETURN(console, connectUnix(opts.consoleSocket));
    cfg.consoleFd = console.get();
  }

  int sp[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return sysError("socketpair");
  UniqueFd parentSock(sp[0]), childSock(sp[1]);
  cfg.syncFd = childSock.get();
  cfg.fifoFd = fifo.get();
  WHARF_ASSIGN_OR_RETURN(UniqueFd procFd, openProcRoot());
  cfg.procFd = procFd.get();

  // A new (or joined) pid namespace applies to children of the calling thread only: switch
  // it just around fork() so the init is pid 1 there and still our own child.
  UniqueFd ownPidNs;
  // A new pid namespace must belong to the new user namespace (or proc cannot be mounted):
  // clone both at once. fork() is kept for the common case as it is safe in threaded callers.
  cfg.userNsFromClone = cfg.newUserNs && joinPidFd < 0;
  if (!cfg.userNsFromClone && (pidFlag || joinPidFd >= 0)) {
    ownPidNs.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!ownPidNs) return sysError("open /proc/self/ns/pid");
    int rc = pidFlag ? ::unshare(CLONE_NEWPID) : ::setns(joinPidFd, CLONE_NEWPID);
    if (rc < 0) return sysError("enter the pid namespace");
  }
  if (cfg.userNsFromClone && warmup) warmup->join();  // see CgroupAttachWarmup::join
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator, unlike glibc's malloc, is not made safe across fork(): a child forked
  // while the warm-up thread allocates or frees deadlocks on its first allocation (seen in the
  // symlink-swap attack test). Sanitizer builds give up the head start instead.
  if (warmup) warmup->join();
#endif
  pid_t pid;
  int forkErr;
  {
    NonDumpableScope nonDumpable;  // the init is born non-dumpable (child_fds.h)
    pid = cfg.userNsFromClone
              ? static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | pidFlag | SIGCHLD, nullptr,
                                             nullptr, nullptr, 0))
              : ::fork();
    if (pid == 0) {
      parentSock.reset();
      runInit(cfg);
    }
    forkErr = errno;
  }
  if (ownPidNs && ::setns(ownPidNs.get(), CLONE_NEWPID) < 0)
    log::error("restore pid namespace: {}", std::strerror(errno));
  if (pid < 0) return sysError("fork the container init", forkErr);
  childSock.reset();
  console.reset();
  nsFds.clear();
  procFd.reset();
  ScopeGuard killInit([&] { killAndReap(pid); });
  for (;;) {
    UniqueFd received;
    WHARF_ASSIGN_OR_RETURN(std::string msg, recvMessage(parentSock.get(), &received));
    if (msg == "R") break;
    if (msg == "S") {
      WHARF_TRY_CTX(sendToSeccompListener(spec, opts.id, pid, bundle.string(), received.get()),
                    "linux.seccomp.listenerPath");
      continue;
    }
    if (msg.empty()) return internalError("container init exited during setup");
    if (msg[0] == 'E') return decodeError(msg);
    if (msg == "H") {
      State hs;
      hs.id = opts.id;
      hs.pid = pid;
      hs.bundle = bundle.string();
      hs.annotations = spec.annotations;
      WHARF_ASSIGN_OR_RETURN(std::string json, runCreateRuntimeHooks(*spec.hooks, std::move(hs)));
      WHARF_TRY(sendMessage(parentSock.get(), "G" + json));
      continue;
    }
    if (msg == "U") {
      WHARF_TRY(writeIdMap(pid, "uid_map", spec.linux->uidMappings));
      WHARF_TRY(writeIdMap(pid, "gid_map", spec.linux->gidMappings));
      WHARF_TRY(sendMessage(parentSock.get(), "G"));
      continue;
    }
    return internalError("unexpected message from container init: " + msg);
  }

  // The final state is written only once the init reported ready: a caller that reads it
  // (state, exec, containerd's shim) must never find an init that is still setting itself up.
  // Until then the provisional state (pid 0) lets `delete` clean up after a killed runtime.
  PersistedState ps;
  State& s = ps.state;
  s.ociVersion = std::string(oci::kRuntimeSpecVersion);
  s.id = opts.id;
  s.status = "created";
  s.pid = pid;
  s.bundle = bundle.string();
  s.rootfs = rootfsReal;
  s.created = formatRfc3339NanoFixed(nowNanos());
  s.annotations = spec.annotations;
  ps.pidStartTime = procInfo(pid).startTime;
  ps.cgroupV2 = cg->isV2();
  ps.cgroupDirs = cg->dirs();
  ps.configText = oci::serializeSpec(spec);
  WHARF_TRY(writeStateFile(dir, ps));

  WHARF_TRY(writePidFile(opts.pidFile, pid));
  killInit.dismiss();
  removeCgroup.dismiss();
  removeDir.dismiss();
  return s;
}

void Runtime::runLateHooks(const PersistedState& ps, const char* kind) {
  // Only parse the spec when it has hooks at all: start and delete stay cheap.
  if (ps.configText.find("\"hooks\"") == std::string::npos) return;
  auto spec = ps.config();
  if (!spec.ok() || !spec->hooks) return;
  const auto& hooks =
      std::string_view(kind) == "poststart" ? spec->hooks->poststart : spec->hooks->poststop;
  State s = stateOf(ps);
  if (std::string_view(kind) == "poststop") {
    s.status = "stopped";
  } else {
    // What start() just did: the process was started, and this is it. A process that has
    // already exited (`true`) must not hand the hook pid 0 and "stopped".
    s.status = "running";
    s.pid = ps.state.pid;
  }
  // The spec: poststart and poststop failures are logged, not fatal, and the rest still run.
  runHooksWarnOnly(hooks, stateToJson(s), kind, ps.state.id);
}

Status Runtime::start(const std::string& id) {
  WHARF_TRY(validateId(id));
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  State st = stateOf(ps);
  if (st.status != "created")
    return conflict("cannot start a container in state \"" + st.status + "\" (it must be created)");
  std::string fifoPath = (root_ / id / "exec.fifo").string();
  UniqueFd fifo(::open(fifoPath.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) {
    if (errno == ENXIO)
      return conflict("cannot start container \"" + id + "\": its init has exited");
    return sysError("open \"" + fifoPath + "\"");
  }
  if (::write(fifo.get(), "0", 1) != 1) return sysError("write to the exec fifo");
  ::unlink(fifoPath.c_str());
  runLateHooks(ps, "poststart");
  return okStatus();
}

Result<State> Runtime::state(const std::string& id) {
  WHARF_TRY(validateId(id));
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  return stateOf(ps);
}

// Status from the process (alive, same start time), the fifo (created) and the freezer.
State Runtime::stateOf(const PersistedState& ps) {
  State s = ps.state;
  ProcInfo info = procInfo(s.pid);
  if (!info.alive || info.startTime != ps.pidStartTime) {
    s.status = "stopped";
    s.pid = 0;
    return s;
  }
  struct stat st;
  if (::stat((root_ / s.id / "exec.fifo").c_str(), &st) == 0) {
    s.status = "created";
    return s;
  }
  s.status = "running";
  if (!ps.cgroupDirs.empty()) {
    auto lay = layout();
    if (lay.ok()) {
      auto cg = openCgroupManager(**lay, ps.cgroupDirs);
      if (auto fr = cg->isFrozen(); fr.ok() && *fr) s.status = "paused";
    }
  }
  return s;
}

Status Runtime::kill(const std::string& id, int signal, bool all) {
  WHARF_ASSIGN_OR_RETURN(State st, state(id));
  if (all) {
    WHARF_ASSIGN_OR_RETURN(std::vector<int> ps, pids(id));
    for (int p : ps) ::kill(p, signal);
    return okStatus();
  }
  // runc's words: containerd and podman treat "container not running" as already gone.
  if (st.status == "stopped")
    return conflict("cannot kill container \"" + id + "\": container not running");
  if (::kill(st.pid, signal) < 0) return sysError("kill container \"" + id + "\"");
  return okStatus();
}

Status Runtime::remove(const std::string& id, bool force) {
  WHARF_TRY(validateId(id));
  fsys::path dir = root_ / id;
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(dir, id));
  State st = stateOf(ps);
  // Like runc, a container that was created but never started may be deleted without force.
  if (st.status != "stopped" && st.status != "created" && !force)
    return conflict("cannot delete container \"" + id + "\" that is not stopped: " + st.status);
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  auto cg = openCgroupManager(*lay, ps.cgroupDirs);
  if (st.status == "paused") (void)cg->freeze(false);
  if (st.status != "stopped") {
    ::kill(st.pid, SIGKILL);
    // Whoever is its parent reaps it; we only wait for it to be gone (or a zombie).
    for (int i = 0; i < 1000 && procInfo(st.pid).alive; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Anything left in the cgroup (a container sharing the host pid namespace) goes too.
  if (auto left = cg->pids(); left.ok())
    for (int p : *left) ::kill(p, SIGKILL);
  WHARF_TRY_CTX(cg->destroy(), "delete container \"" + id + "\"");
  runLateHooks(ps, "poststop");
  return fs::removeAll(dir);
}

Result<std::vector<State>> Runtime::list() {
  std::vector<State> out;
  DIR* d = ::opendir(root_.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return sysError("open \"" + root_.string() + "\"");
  }
  std::vector<std::string> ids;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ids.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids)
    if (auto s = state(id); s.ok()) out.push_back(std::move(*s));
  return out;
}

Status Runtime::pause(const std::string& id) {
  WHARF_ASSIGN_OR_RETURN(State st, state(id));
  if (st.status != "running") return conflict("container \"" + id + "\" is not running");
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  return openCgroupManager(*lay, ps.cgroupDirs)->freeze(true);
}

Status Runtime::resume(const std::string& id) {
  WHARF_ASSIGN_OR_RETURN(State st, state(id));
  if (st.status != "paused") return conflict("container \"" + id + "\" is not paused");
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  return openCgroupManager(*lay, ps.cgroupDirs)->freeze(false);
}

Status Runtime::update(const std::string& id, const oci::Resources& resources) {
  WHARF_ASSIGN_OR_RETURN(State st, state(id));
  if (st.status == "stopped") return conflict("container \"" + id + "\" is not running");
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  return openCgroupManager(*lay, ps.cgroupDirs)->update(resources);
}

Result<OomWatch> Runtime::oomWatch(const std::string& id) {
  WHARF_TRY(validateId(id));
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  return OomWatch::open(*lay, ps.cgroupDirs);
}

Result<std::vector<int>> Runtime::pids(const std::string& id) {
  WHARF_TRY(validateId(id));
  WHARF_ASSIGN_OR_RETURN(PersistedState ps, readStateFile(root_ / id, id));
  WHARF_ASSIGN_OR_RETURN(const CgroupLayout* lay, layout());
  return openCgroupManager(*lay, ps.cgroupDirs)->pids();
}

}  // namespace wharf::runtime
