#include "engine/shim_scan.h"

#include <dirent.h>

#include <cstdlib>
#include <vector>

#include "common/fs.h"

namespace wharf::engine {

namespace {

std::string cmdlineOf(pid_t pid) {
  auto cmd = fs::readFile("/proc/" + std::to_string(pid) + "/cmdline");
  return cmd.ok() ? std::move(*cmd) : std::string();
}

// The parent pid from /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces
// and parentheses, so parse after the last ')').
pid_t parentOf(pid_t pid) {
  auto stat = fs::readFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return 0;
  size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 4 >= stat->size()) return 0;
  return static_cast<pid_t>(std::atoi(stat->c_str() + close + 4));
}

}  // namespace

std::string shimIdFromCmdline(std::string_view cmdline) {
  std::vector<std::string_view> argv;
  while (!cmdline.empty()) {
    size_t nul = cmdline.find('\0');
    argv.push_back(cmdline.substr(0, nul));
    if (nul == std::string_view::npos) break;
    cmdline.remove_prefix(nul + 1);
  }
  if (argv.empty()) return {};
  std::string_view exe = argv[0];
  size_t slash = exe.rfind('/');
  if (slash != std::string_view::npos) exe.remove_prefix(slash + 1);
  if (exe != "wharf-shim") return {};
  for (size_t i = 1; i + 1 < argv.size(); ++i)
    if (argv[i] == "--id") return std::string(argv[i + 1]);
  return {};
}

bool isShimOf(pid_t pid, const std::string& id) {
  return pid > 0 && !id.empty() && shimIdFromCmdline(cmdlineOf(pid)) == id;
}

std::map<std::string, pid_t> findShims() {
  std::map<std::string, std::vector<pid_t>> byId;
  if (DIR* d = ::opendir("/proc")) {
    while (struct dirent* e = ::readdir(d)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      // A zombie's cmdline is empty: exited shims are not found.
      std::string id = shimIdFromCmdline(cmdlineOf(static_cast<pid_t>(pid)));
      if (!id.empty()) byId[id].push_back(static_cast<pid_t>(pid));
    }
    ::closedir(d);
  }
  std::map<std::string, pid_t> out;
  for (auto& [id, pids] : byId) {
    pid_t pick = pids.front();
    for (pid_t p : pids) {
      pid_t parent = parentOf(p);
      for (pid_t q : pids)
        if (q == parent) pick = p;  // p was forked by q: p is the shim proper
    }
    out[id] = pick;
  }
  return out;
}

}  // namespace wharf::engine
