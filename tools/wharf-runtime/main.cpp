// wharf-runtime: runc's command line over the runtime library (the composition root).
#include <cstdio>
#include <cstring>
#include <set>

#include "cli.h"
#include "common/log.h"
#include "oci/runtime_spec.h"
#include "runtime/sealed_exe.h"

namespace cli = wharf::runtime_cli;

namespace {

constexpr const char* kUsage =
    R"(usage: wharf-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND

commands:
  create ID --bundle DIR [--pid-file F] [--console-socket S] [--no-pivot] [--no-new-keyring]
  start ID
  run ID [--bundle DIR] [--detach] [--pid-file F] [--console-socket S] [--no-pivot]
  state ID
  kill ID [SIGNAL] [--all]
  delete ID [--force]
  exec ID [--process F | ARGS...] [-t] [--console-socket S] [-d] [--pid-file F] [-e K=V] [--cwd D] [-u UID[:GID]]
  ps ID [--format table|json]
  pause ID | resume ID
  update ID --resources FILE|-   (linux.resources JSON; what it leaves out is unchanged)
  list [--format table|json] [--quiet]
  spec [--bundle DIR]
  features
  --version
)";

// Flags that take a value, and single-letter aliases, per command.
struct CommandFlags {
  std::set<std::string> valued;
  std::map<std::string, std::string> alias;
  bool stopAtOperand = false;
};

CommandFlags flagsFor(const std::string& cmd) {
  CommandFlags f;
  if (cmd == "create" || cmd == "run") {
    f.valued = {"bundle", "pid-file", "console-socket", "preserve-fds"};
    f.alias = {{"b", "bundle"}, {"d", "detach"}};
  } else if (cmd == "kill") {
    f.alias = {{"a", "all"}};
  } else if (cmd == "delete") {
    f.alias = {{"f", "force"}};
  } else if (cmd == "ps" || cmd == "list") {
    f.valued = {"format"};
    f.alias = {{"f", "format"}, {"q", "quiet"}};
  } else if (cmd == "update") {
    f.valued = {"resources"};
    f.alias = {{"r", "resources"}};
  } else if (cmd == "spec") {
    f.valued = {"bundle"};
    f.alias = {{"b", "bundle"}};
  } else if (cmd == "exec") {
    f.valued = {"process",       "console-socket", "pid-file",     "env",
                "cwd",           "user",           "cap",          "additional-gids",
                "process-label", "apparmor",       "preserve-fds", "cgroup"};
    f.alias = {{"p", "process"},         {"t", "tty"}, {"d", "detach"}, {"e", "env"}, {"u", "user"},
               {"g", "additional-gids"}, {"c", "cap"}};
    f.stopAtOperand = true;
  }
  return f;
}

bool parseCommand(int argc, char** argv, int i, cli::Args& a) {
  CommandFlags cf = flagsFor(a.command);
  bool flagsDone = false;
  for (; i < argc; ++i) {
    std::string s = argv[i];
    if (flagsDone || s.size() < 2 || s[0] != '-' || (s[1] != '-' && std::isdigit(s[1]))) {
      a.operands.push_back(s);
      if (cf.stopAtOperand && a.operands.size() == 1) flagsDone = true;
      continue;
    }
    if (s == "--") {
      flagsDone = true;
      continue;
    }
    std::string name = s.substr(s[1] == '-' ? 2 : 1);
    std::string value;
    bool hasValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (auto it = cf.alias.find(name); it != cf.alias.end()) name = it->second;
    if (cf.valued.count(name) && !hasValue) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wharf-runtime: flag --%s needs a value\n", name.c_str());
        return false;
      }
      value = argv[++i];
    }
    a.flags[name].push_back(value);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  cli::Globals g;
  int i = 1;
  for (; i < argc; ++i) {
    std::string s = argv[i];
    if (s.empty() || s[0] != '-') break;
    std::string name = s.substr(s.rfind('-', 1) + 1), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if ((name == "root" || name == "log" || name == "log-format" || name == "criu" ||
                name == "rootless") &&
               i + 1 < argc) {
      value = argv[++i];
    }
    if (name == "root")
      g.root = value;
    else if (name == "log")
      g.logFile = value;
    else if (name == "log-format")
      g.logFormat = value;
    else if (name == "debug")
      g.debug = true;
    else if (name == "systemd-cgroup")
      g.systemdCgroup = true;
    else if (name == "criu" || name == "rootless")
      continue;
    else if (name == "version" || name == "v") {
      std::printf("wharf-runtime version %s\nspec: %s\n", WHARF_VERSION,
                  std::string(wharf::oci::kRuntimeSpecVersion).c_str());
      return 0;
    } else if (name == "help" || name == "h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "wharf-runtime: unknown global flag %s\n%s", s.c_str(), kUsage);
      return 1;
    }
  }
  if (i >= argc) {
    std::fputs(kUsage, stderr);
    return 1;
  }
  cli::setGlobals(g);
  wharf::log::setLevel(g.debug ? "debug" : "warn");

  cli::Args a;
  a.command = argv[i];
  // The commands that put a process into a container run from a read-only copy of this
  // executable (sealed_exe.h, CVE-2019-5736); the others never enter one and stay cheap.
  if (a.command == "create" || a.command == "run" || a.command == "exec")
    if (auto st = wharf::runtime::ensureSealedExe(argv); !st.ok())
      return cli::reportError(st.error());
  // containerd passes --systemd-cgroup to every command: only those that make a cgroup refuse
  // it (before anything is created), the others work on what exists.
  if (g.systemdCgroup && (a.command == "create" || a.command == "run"))
    return cli::reportError(wharf::unavailable(
        "--systemd-cgroup: the systemd cgroup driver is not supported (systemd is not managing "
        "cgroups here); use the cgroupfs driver"));
  if (!parseCommand(argc, argv, i + 1, a)) return 1;
  if (a.has("help") || a.has("h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  wharf::runtime::Runtime rt(g.root);
  const std::string& c = a.command;
  if (c == "create") return cli::cmdCreate(rt, a);
  if (c == "start") return cli::cmdStart(rt, a);
  if (c == "run") return cli::cmdRun(rt, a);
  if (c == "state") return cli::cmdState(rt, a);
  if (c == "kill") return cli::cmdKill(rt, a);
  if (c == "delete") return cli::cmdDelete(rt, a);
  if (c == "list") return cli::cmdList(rt, a);
  if (c == "ps") return cli::cmdPs(rt, a);
  if (c == "pause") return cli::cmdPause(rt, a);
  if (c == "resume") return cli::cmdResume(rt, a);
  if (c == "update") return cli::cmdUpdate(rt, a);
  if (c == "exec") return cli::cmdExec(rt, a);
  if (c == "spec") return cli::cmdSpec(a);
  if (c == "features") return cli::cmdFeatures(a);
  std::fprintf(stderr, "wharf-runtime: unknown command \"%s\"\n%s", c.c_str(), kUsage);
  return 1;
}
