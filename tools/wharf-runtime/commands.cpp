// The commands of wharf-runtime. Each translates flags into a Runtime call and prints what
// runc prints.
#include <signal.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <mutex>

#include "cli.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/signals.h"
#include "common/time.h"
#include "console.h"
#include "oci/defaults.h"
#include "runtime/seccomp.h"

namespace wharf::runtime_cli {

namespace {

Globals g_globals;

// runc's `kill` signal argument: empty is SIGTERM; names and numbers as the daemon takes them
// (common/signals.h), with runc's wording for a bad one.
Result<int> parseKillSignal(const std::string& s) {
  if (s.empty()) return SIGTERM;
  auto sig = parseSignal(s);
  if (!sig.ok()) return invalidArgument("unknown signal \"" + s + "\"");
  return sig;
}

Result<std::string> needId(const Args& a) {
  if (a.operands.empty()) return invalidArgument("\"" + a.command + "\" requires a container id");
  return a.operands[0];
}

int printJson(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

runtime::CreateOptions createOptions(const Args& a, const std::string& id) {
  runtime::CreateOptions o;
  o.id = id;
  o.bundle = a.get("bundle", ".");
  o.pidFile = a.get("pid-file");
  o.consoleSocket = a.get("console-socket");
  o.noPivot = a.has("no-pivot");
  o.preserveFds = std::atoi(a.get("preserve-fds", "0").c_str());
  o.stdio = {0, 1, 2};
  return o;
}

pid_t g_forwardPid = 0;
void forwardSignal(int sig) {
  if (g_forwardPid > 0) ::kill(g_forwardPid, sig);
}

}  // namespace

namespace {

// One line in --log, as runc's logrus writes it (text or JSON lines): containerd reads it.
void appendToLogFile(const char* level, const std::string& msg) {
  if (g_globals.logFile.empty()) return;
  std::ofstream out(g_globals.logFile, std::ios::app);
  std::string ts = formatRfc3339Nano(nowNanos());
  if (g_globals.logFormat == "json")
    out << Json{{"level", level}, {"msg", msg}, {"time", ts}}.dump() << "\n";
  else
    out << "time=\"" << ts << "\" level=" << level << " msg=" << Json(msg).dump() << "\n";
}

// The library's log lines (hook warnings the spec says MUST be logged, ...) go where runc's
// go: stderr and --log. Never stdout, which carries `state`'s and `list`'s JSON.
class RuntimeLogSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& m) override {
    std::string msg(m.payload.data(), m.payload.size());
    const char* level = m.level >= spdlog::level::err    ? "error"
                        : m.level == spdlog::level::warn ? "warning"
                        : m.level == spdlog::level::info ? "info"
                                                         : "debug";
    std::fprintf(stderr, "wharf-runtime: %s: %s\n", level, msg.c_str());
    appendToLogFile(level, msg);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setGlobals(const Globals& g) {
  g_globals = g;
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("wharf-runtime", std::make_shared<RuntimeLogSink>()));
}

int reportError(const Error& e) {
  std::string msg = e.message();
  std::fprintf(stderr, "wharf-runtime: %s\n", msg.c_str());
  appendToLogFile("error", msg);
  return 1;
}

int cmdCreate(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto st = rt.create(createOptions(a, *id));
  if (!st.ok()) return reportError(st.error());
  return 0;
}

int cmdStart(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto s = rt.start(*id);
  return s.ok() ? 0 : reportError(s.error());
}

int cmdRun(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  runtime::CreateOptions opts = createOptions(a, *id);
  // Read the spec here (once) to know whether we must proxy a terminal ourselves.
  auto text = fs::readFile(opts.bundle / "config.json");
  if (!text.ok()) return reportError(std::move(text).error().context("read bundle config"));
  auto spec = oci::parseSpec(*text);
  if (!spec.ok()) return reportError(std::move(spec).error().context("config.json"));
  std::unique_ptr<ConsoleListener> listener;
  bool proxy = spec->process && spec->process->terminal && opts.consoleSocket.empty();
  if (proxy) {
    if (a.has("detach"))
      return reportError(
          invalidArgument("run --detach of a terminal container needs --console-socket"));
    (void)fs::mkdirAll(rt.root(), 0700);
    auto l = listenConsole(rt.root().string());
    if (!l.ok()) return reportError(l.error());
    listener = std::move(*l);
    opts.consoleSocket = listener->path;
  }
  opts.spec = std::move(*spec);
  auto st = rt.create(opts);
  if (!st.ok()) return reportError(st.error());
  UniqueFd master;
  if (proxy) {
    auto m = receiveMaster(*listener);
    if (!m.ok()) {
      (void)rt.remove(*id, true);
      return reportError(m.error());
    }
    master = std::move(*m);
    listener.reset();
  }
  if (auto s = rt.start(*id); !s.ok()) {
    (void)rt.remove(*id, true);
    return reportError(s.error());
  }
  if (a.has("detach")) return 0;
  if (master) proxyTerminal(master.get());
  g_forwardPid = st->pid;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH})
    ::signal(sig, forwardSignal);
  int status = 0;
  while (::waitpid(st->pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (auto s = rt.remove(*id, true); !s.ok()) reportError(s.error());
  return code;
}

int cmdState(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto st = rt.state(*id);
  if (!st.ok()) return reportError(st.error());
  return printJson(runtime::stateToJson(*st));
}

int cmdKill(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto sig = parseKillSignal(a.operands.size() > 1 ? a.operands[1] : "");
  if (!sig.ok()) return reportError(sig.error());
  auto s = rt.kill(*id, *sig, a.has("all"));
  return s.ok() ? 0 : reportError(s.error());
}

int cmdDelete(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto s = rt.remove(*id, a.has("force"));
  // runc: deleting a missing container with --force is not an error.
  if (!s.ok() && a.has("force") && s.error().category() == ErrorCategory::kNotFound) return 0;
  return s.ok() ? 0 : reportError(s.error());
}

int cmdList(runtime::Runtime& rt, const Args& a) {
  auto all = rt.list();
  if (!all.ok()) return reportError(all.error());
  if (a.has("quiet")) {
    for (const auto& s : *all) std::printf("%s\n", s.id.c_str());
    return 0;
  }
  if (a.get("format", "table") == "json") {
    OrderedJson arr = OrderedJson::array();
    for (const auto& s : *all) arr.push_back(OrderedJson::parse(runtime::stateToJson(s)));
    return printJson(arr.dump());
  }
  std::printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
              "OWNER");
  for (const auto& s : *all)
    std::printf("%-20s %-8d %-10s %-40s %-31s %s\n", s.id.c_str(), s.pid, s.status.c_str(),
                s.bundle.c_str(), s.created.c_str(), s.owner.empty() ? "root" : s.owner.c_str());
  return 0;
}

int cmdPs(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto pids = rt.pids(*id);
  if (!pids.ok()) return reportError(pids.error());
  if (a.get("format", "table") == "json") return printJson(Json(*pids).dump());
  // Like runc: the host's ps, filtered to the container's processes.
  FILE* p = ::popen("ps -ef", "r");
  if (!p) return reportError(sysError("run ps"));
  char line[4096];
  bool header = true;
  while (std::fgets(line, sizeof line, p)) {
    if (header) {
      std::fputs(line, stdout);
      header = false;
      continue;
    }
    char user[64];
    int pid = 0;
    if (std::sscanf(line, "%63s %d", user, &pid) == 2 &&
        std::find(pids->begin(), pids->end(), pid) != pids->end())
      std::fputs(line, stdout);
  }
  ::pclose(p);
  return 0;
}

int cmdPause(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto s = rt.pause(*id);
  return s.ok() ? 0 : reportError(s.error());
}

int cmdResume(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  auto s = rt.resume(*id);
  return s.ok() ? 0 : reportError(s.error());
}

// runc update ID --resources FILE|-: the JSON of linux.resources (runc's LinuxResources);
// what it leaves out is not changed.
int cmdUpdate(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  if (!a.has("resources"))
    return reportError(invalidArgument("update: --resources FILE (or - for stdin) is required"));
  std::string file = a.get("resources");
  Result<std::string> text = file == "-" ? fs::readFile("/dev/stdin") : fs::readFile(file);
  if (!text.ok()) return reportError(std::move(text).error().context("--resources " + file));
  // Parsed as the linux.resources of a spec, so errors name "linux.resources.<field>".
  auto spec = oci::parseSpec(R"({"ociVersion":"1.2.0","root":{"path":"-"},"linux":{"resources":)" +
                             *text + "}}");
  if (!spec.ok()) return reportError(std::move(spec).error().context("--resources " + file));
  if (!spec->linux || !spec->linux->resources)
    return reportError(invalidArgument("--resources " + file + ": no resources"));
  auto s = rt.update(*id, *spec->linux->resources);
  return s.ok() ? 0 : reportError(s.error());
}

Result<oci::Process> execProcessFromArgs(runtime::Runtime& rt, const Args& a,
                                         const std::string& id) {
  if (a.has("process")) {
    auto text = fs::readFile(a.get("process"));
    if (!text.ok()) return std::move(text).error();
    // Parse it as the process of a spec so errors name "process.<field>".
    auto spec =
        oci::parseSpec(R"({"ociVersion":"1.2.0","root":{"path":"-"},"process":)" + *text + "}");
    if (!spec.ok()) return std::move(spec).error().context(a.get("process"));
    return *spec->process;
  }
  auto cfg = rt.config(id);
  if (!cfg.ok()) return std::move(cfg).error();
  oci::Process p = cfg->process ? *cfg->process : oci::Process{};
  p.args.assign(a.operands.begin() + 1, a.operands.end());
  if (p.args.empty()) return invalidArgument("exec: no command given (ARGS or --process)");
  p.terminal = a.has("tty");
  if (auto it = a.flags.find("env"); it != a.flags.end())
    for (const auto& e : it->second) p.env.push_back(e);
  if (a.has("cwd")) p.cwd = a.get("cwd");
  if (a.has("user")) {
    std::string u = a.get("user");
    auto colon = u.find(':');
    p.user.uid = static_cast<uint32_t>(std::stoul(u.substr(0, colon)));
    if (colon != std::string::npos)
      p.user.gid = static_cast<uint32_t>(std::stoul(u.substr(colon + 1)));
  }
  if (auto it = a.flags.find("additional-gids"); it != a.flags.end())
    for (const auto& g : it->second)
      p.user.additionalGids.push_back(static_cast<uint32_t>(std::stoul(g)));
  if (a.has("no-new-privs")) p.noNewPrivileges = true;
  if (auto it = a.flags.find("cap"); it != a.flags.end()) {
    if (!p.capabilities) p.capabilities.emplace();
    for (const auto& c : it->second) {
      if (oci::capabilityNumber(c) < 0)
        return invalidArgument("--cap: unknown capability \"" + c + "\"");
      for (auto* set :
           {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted})
        set->push_back(c);
    }
  }
  return p;
}

int cmdExec(runtime::Runtime& rt, const Args& a) {
  auto id = needId(a);
  if (!id.ok()) return reportError(id.error());
  runtime::ExecOptions o;
  try {
    auto proc = execProcessFromArgs(rt, a, *id);
    if (!proc.ok()) return reportError(proc.error());
    o.process = std::move(*proc);
  } catch (const std::exception&) {
    return reportError(invalidArgument("exec: --user and --additional-gids take numbers"));
  }
  o.stdio = {0, 1, 2};
  o.consoleSocket = a.get("console-socket");
  o.pidFile = a.get("pid-file");
  o.preserveFds = std::atoi(a.get("preserve-fds", "0").c_str());
  auto pid = rt.exec(*id, o);
  if (!pid.ok()) return reportError(pid.error());
  if (a.has("detach")) return 0;
  g_forwardPid = *pid;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH})
    ::signal(sig, forwardSignal);
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cmdSpec(const Args& a) {
  std::filesystem::path file = std::filesystem::path(a.get("bundle", ".")) / "config.json";
  if (fs::exists(file))
    return reportError(conflict("File " + file.string() + " exists. Remove it first"));
  // --docker (ours): Docker's default container config instead of runc's, for tests and tinkering.
  oci::Spec spec = oci::runcDefaultSpec();
  if (a.has("docker")) {
    spec = oci::dockerDefaultSpec();
    spec.process->args = {"sh"};
  }
  auto s = fs::writeFileAtomic(file, oci::serializeSpec(spec) + "\n", 0666);
  return s.ok() ? 0 : reportError(s.error());
}

int cmdFeatures(const Args&) {
  OrderedJson caps = OrderedJson::array();
  for (int c = 0; c <= oci::kLastCapability; ++c)
    caps.push_back(std::string(oci::capabilityName(c)));
  OrderedJson archs = OrderedJson::array();
  for (const char* arch :
       {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64"})
    archs.push_back(arch);
  OrderedJson j;
  j["ociVersionMin"] = "1.0.0";
  j["ociVersionMax"] = std::string(oci::kRuntimeSpecVersion);
  j["hooks"] = {"prestart",       "createRuntime", "createContainer",
                "startContainer", "poststart",     "poststop"};
  j["mountOptions"] = {
      "async",         "atime",      "bind",        "defaults",   "dev",      "diratime",
      "dirsync",       "exec",       "lazytime",    "loud",       "mand",     "noatime",
      "nodev",         "nodiratime", "noexec",      "nolazytime", "nomand",   "norelatime",
      "nostrictatime", "nosuid",     "private",     "rbind",      "relatime", "rprivate",
      "rshared",       "rslave",     "runbindable", "ro",         "rw",       "shared",
      "silent",        "slave",      "strictatime", "suid",       "sync",     "unbindable"};
  OrderedJson linux;
  linux["namespaces"] = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};
  linux["capabilities"] = caps;
  linux["cgroup"] = {
      {"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}};
  linux["seccomp"] = {
      {"enabled", true},
      {"actions",
       {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
        "SCMP_ACT_TRAP"}},
      {"operators",
       {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
        "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
      {"archs", archs},
      {"knownFlags",
       {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"}},
      {"supportedFlags",
       {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"}}};
  // Supported by the runtime (applied where the LSM exists, refused clearly otherwise).
  linux["apparmor"] = {{"enabled", true}};
  linux["selinux"] = {{"enabled", true}};
  linux["intelRdt"] = {{"enabled", false}};
  // Idmapped bind mounts (a mount's uidMappings/gidMappings) are supported.
  linux["mountExtensions"] = {{"idmap", {{"enabled", true}}}};
  j["linux"] = linux;
  j["annotations"] = {{"io.github.wharf.runtime.version", WHARF_VERSION},
                      {"org.opencontainers.runc.checkpoint.enabled", "false"}};
  return printJson(j.dump(4));
}

}  // namespace wharf::runtime_cli
