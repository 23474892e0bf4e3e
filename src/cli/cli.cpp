// Global flags and command dispatch. Flags before the command are wharf's own (-H, -D,
// --log-level, -v); the command words pick the handler; the rest is the handler's.

#include "cli/cli.h"

#include <map>
#include <set>

#include "cli/internal/command.h"
#include "client/host.h"

namespace wharf::cli {

namespace {

using Handler = int (*)(Context&, std::vector<std::string>);

struct Entry {
  Handler fn;
  const char* help;
};

const std::map<std::string, Entry>& topLevel() {
  static const std::map<std::string, Entry> kCommands = {
      {"run", {cmdRun, "Create and run a new container from an image"}},
      {"create", {cmdCreate, "Create a new container"}},
      {"start", {cmdStart, "Start one or more stopped containers"}},
      {"stop", {cmdStop, "Stop one or more running containers"}},
      {"kill", {cmdKill, "Kill one or more running containers"}},
      {"restart", {cmdRestart, "Restart one or more containers"}},
      {"pause", {cmdPause, "Pause all processes within one or more containers"}},
      {"rename", {cmdRename, "Rename a container"}},
      {"port", {cmdPort, "List port mappings or a specific mapping for the container"}},
      {"unpause", {cmdUnpause, "Unpause all processes within one or more containers"}},
      {"update", {cmdUpdate, "Update configuration of one or more containers"}},
      {"events", {cmdEvents, "Get real time events from the server"}},
      {"diff", {cmdDiff, "Inspect changes to files or directories on a container's filesystem"}},
      {"top", {cmdTop, "Display the running processes of a container"}},
      {"export", {cmdExport, "Export a container's filesystem as a tar archive"}},
      {"stats", {cmdStats, "Display a live stream of container(s) resource usage statistics"}},
      {"attach",
       {cmdAttach,
        "Attach local standard input, output, and error streams to a running container"}},
      {"exec", {cmdExec, "Execute a command in a running container"}},
      {"pull", {cmdPull, "Download an image from a registry"}},
      {"wait", {cmdWait, "Block until one or more containers stop, then print their exit codes"}},
      {"rm", {cmdRm, "Remove one or more containers"}},
      {"logs", {cmdLogs, "Fetch the logs of a container"}},
      {"ps", {cmdPs, "List containers"}},
      {"inspect", {cmdInspect, "Return low-level information on wharf objects"}},
      {"images", {cmdImages, "List images"}},
      {"history", {cmdHistory, "Show the history of an image"}},
      {"login", {cmdLogin, "Authenticate to a registry"}},
      {"logout", {cmdLogout, "Log out from a registry"}},
      {"tag", {cmdTag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"}},
      {"push", {cmdPush, "Upload an image to a registry"}},
      {"rmi", {cmdRmi, "Remove one or more images"}},
      {"load", {cmdLoad, "Load an image from a tar archive or STDIN"}},
      {"import", {cmdImport, "Import the contents from a tarball to create a filesystem image"}},
      {"save",
       {cmdSave, "Save one or more images to a tar archive (streamed to STDOUT by default)"}},
      {"version", {cmdVersion, "Show the wharf version information"}},
      {"info", {cmdInfo, "Display system-wide information"}},
  };
  return kCommands;
}

const std::map<std::string, std::map<std::string, Handler>>& groups() {
  static const std::map<std::string, std::map<std::string, Handler>> kGroups = {
      {"container",
       {{"run", cmdRun},
        {"create", cmdCreate},
        {"start", cmdStart},
        {"stop", cmdStop},
        {"exec", cmdExec},
        {"kill", cmdKill},
        {"restart", cmdRestart},
        {"pause", cmdPause},
        {"rename", cmdRename},
        {"port", cmdPort},
        {"unpause", cmdUnpause},
        {"wait", cmdWait},
        {"rm", cmdRm},
        {"remove", cmdRm},
        {"logs", cmdLogs},
        {"ls", cmdPs},
        {"ps", cmdPs},
        {"list", cmdPs},
        {"inspect", cmdContainerInspect},
        {"prune", cmdContainerPrune},
        {"diff", cmdDiff},
        {"top", cmdTop},
        {"export", cmdExport},
        {"stats", cmdStats},
        {"update", cmdUpdate}}},
      {"image",
       {{"ls", cmdImages},
        {"list", cmdImages},
        {"inspect", cmdImageInspect},
        {"history", cmdHistory},
        {"prune", cmdImagePrune},
        {"bootstrap", cmdImageBootstrap},
        {"tag", cmdTag},
        {"rm", cmdRmi},
        {"remove", cmdRmi},
        {"load", cmdLoad},
        {"import", cmdImport},
        {"save", cmdSave},
        {"pull", cmdPull},
        {"push", cmdPush}}},
      {"system",
       {{"info", cmdInfo}, {"events", cmdEvents}, {"df", cmdSystemDf}, {"prune", cmdSystemPrune}}},
      {"network",
       {{"create", cmdNetworkCreate},
        {"ls", cmdNetworkLs},
        {"list", cmdNetworkLs},
        {"inspect", cmdNetworkInspect},
        {"rm", cmdNetworkRm},
        {"remove", cmdNetworkRm},
        {"prune", cmdNetworkPrune},
        {"connect", cmdNetworkConnect},
        {"disconnect", cmdNetworkDisconnect}}},
      {"volume",
       {{"create", cmdVolumeCreate},
        {"ls", cmdVolumeLs},
        {"list", cmdVolumeLs},
        {"inspect", cmdVolumeInspect},
        {"rm", cmdVolumeRm},
        {"remove", cmdVolumeRm},
        {"prune", cmdVolumePrune}}},
  };
  return kGroups;
}

void printUsage(std::ostream& out) {
  out << "\nUsage:  wharf [OPTIONS] COMMAND\n\nA Docker-compatible container platform\n\n"
         "Commands:\n";
  for (const auto& [name, e] : topLevel()) {
    out << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') << e.help
        << "\n";
  }
  out << "\nManagement Commands:\n  container Manage containers\n  image     Manage images\n"
         "  network   Manage networks\n  system    Manage wharf\n  volume    Manage "
         "volumes\n\nGlobal Options:\n"
         "  -D, --debug              Enable debug mode\n"
         "  -H, --host string        Daemon socket to connect to (default "
      << client::kDefaultHost
      << ")\n"
         "  -l, --log-level string   Set the logging level (\"debug\", \"info\", \"warn\", "
         "\"error\", \"fatal\")\n"
         "  -v, --version            Print version information and quit\n\n"
         "Run 'wharf COMMAND --help' for more information on a command.\n";
}

// docker's commands (and management groups) that wharf has not built yet: saying so beats
// "not a wharf command", which reads like a typo.
bool isDockerCommandNotBuilt(const std::string& cmd) {
  static const std::set<std::string> kDocker = {
      "builder", "buildx",   "build", "checkpoint", "commit", "compose", "config", "context",
      "cp",      "manifest", "node",  "plugin",     "push",   "search",  "secret", "service",
      "stack",   "swarm",    "trust", "update",     "init",   "scout",   "debug",  "sbom"};
  return kDocker.count(cmd) > 0;
}

void printGroupUsage(std::ostream& out, const std::string& group,
                     const std::map<std::string, Handler>& cmds) {
  out << "\nUsage:  wharf " << group << " COMMAND\n\nCommands:\n";
  for (const auto& [name, fn] : cmds) out << "  " << name << "\n";
  out << "\nRun 'wharf " << group << " COMMAND --help' for more information on a command.\n";
}

}  // namespace

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const char* envHost, int inFd, bool outIsTty) {
  std::string hostFlag;
  size_t i = 0;
  // Global flags, up to the command word.
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') break;
    auto value = [&](const std::string& shortName, const std::string& longName,
                     std::string* out) -> std::optional<bool> {
      if (a == shortName || a == longName) {
        if (i + 1 >= args.size()) return false;
        *out = args[++i];
        return true;
      }
      if (a.starts_with(longName + "=")) {
        *out = a.substr(longName.size() + 1);
        return true;
      }
      if (a.size() > 2 && a.starts_with(shortName) && shortName.size() == 2) {
        *out = a.substr(2);
        return true;
      }
      return std::nullopt;
    };
    std::string ignored;
    if (auto r = value("-H", "--host", &hostFlag)) {
      if (!*r) {
        err << "flag needs an argument: 'H' in -H\nSee 'wharf --help'.\n";
        return kExitDaemonError;
      }
      continue;
    }
    if (auto r = value("-l", "--log-level", &ignored)) {
      if (!*r) {
        err << "flag needs an argument: 'l' in -l\nSee 'wharf --help'.\n";
        return kExitDaemonError;
      }
      continue;
    }
    if (a == "-D" || a == "--debug") continue;
    if (a == "-v" || a == "--version") {
      out << "wharf version " << WHARF_VERSION << "\n";
      return 0;
    }
    if (a == "-h" || a == "--help") {
      printUsage(out);
      return 0;
    }
    if (a.starts_with("--"))
      err << "unknown flag: " << a.substr(0, a.find('=')) << "\n";
    else
      err << "unknown shorthand flag: '" << a[1] << "' in " << a << "\n";
    err << "See 'wharf --help'.\n";
    return kExitDaemonError;
  }
  if (i >= args.size()) {
    printUsage(out);
    return 0;
  }
  auto host = client::parseHost(client::resolveHost(hostFlag, envHost));
  if (!host.ok()) {
    err << "wharf: " << host.error().message() << "\n";
    return 1;
  }
  Context ctx(Io{out, err, inFd, outIsTty}, host->uri);

  std::string cmd = args[i++];
  Handler fn = nullptr;
  if (auto g = groups().find(cmd); g != groups().end()) {
    if (i >= args.size() || args[i] == "--help" || args[i] == "-h") {
      printGroupUsage(out, cmd, g->second);
      return 0;
    }
    auto c = g->second.find(args[i]);
    if (c == g->second.end()) {
      err << "wharf: unknown command: wharf " << cmd << " " << args[i] << "\n\nRun 'wharf " << cmd
          << " --help' for more information.\n";
      return 1;
    }
    ++i;
    fn = c->second;
  } else if (auto t = topLevel().find(cmd); t != topLevel().end()) {
    fn = t->second.fn;
  } else if (isDockerCommandNotBuilt(cmd)) {
    err << "wharf: '" << cmd << "' is a docker command that wharf does not support yet.\n"
        << "See 'wharf --help' for the commands it has.\n";
    return 1;
  } else {
    err << "wharf: '" << cmd << "' is not a wharf command.\nSee 'wharf --help'.\n";
    return 1;
  }
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  try {
    return fn(ctx, std::move(rest));
  } catch (const nlohmann::json::exception& e) {
    // A reply whose shape we did not expect: a daemon bug or a version skew, not a crash.
    err << "wharf: unexpected reply from the daemon: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace wharf::cli
