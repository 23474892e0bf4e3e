// `docker top` (engine/container_fs.h): moby's daemon/top_unix.go. The host's ps runs with
// the client's options and `-q<pids>` (retried without it: some options refuse q), and the
// rows whose PID is in the container's cgroup are kept.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <charconv>
#include <memory>
#include <utility>

#include "common/unique_fd.h"
#include "engine/container_fs.h"
#include "engine/container_manager.h"
#include "engine/events.h"
#include "runtime/cgroup/cgroup_manager.h"

extern char** environ;

namespace wharf::engine {

namespace {

bool psSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

// Go's strings.Fields over ASCII white space (moby's fieldsASCII).
std::vector<std::string> psFields(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && psSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !psSpace(line[i])) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

struct PsRun {
  int status = 0;
  std::string out, err;
};

// Runs ps (found on PATH) with args; both outputs are read to their end, at most 16 MiB each.
Result<PsRun> runPs(const std::vector<std::string>& args) {
  int outPipe[2], errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) return sysError("pipe");
  UniqueFd outR(outPipe[0]), outW(outPipe[1]);
  if (::pipe2(errPipe, O_CLOEXEC) != 0) return sysError("pipe");
  UniqueFd errR(errPipe[0]), errW(errPipe[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, outW.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, errW.get(), 2);
  std::vector<char*> argv;
  std::string ps = "ps";
  argv.push_back(ps.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "ps", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return sysError("exec ps", rc);
  outW.reset();
  errW.reset();
  PsRun run;
  constexpr size_t kMax = 16 << 20;
  struct pollfd fds[2] = {{outR.get(), POLLIN, 0}, {errR.get(), POLLIN, 0}};
  std::string* bufs[2] = {&run.out, &run.err};
  int open = 2;
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (bufs[i]->size() < kMax) bufs[i]->append(buf, static_cast<size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.status = status;
  return run;
}

}  // namespace

Status validatePsArgs(const std::string& psArgs) {
  for (size_t eq = psArgs.find('='); eq != std::string::npos; eq = psArgs.find('=', eq + 1)) {
    size_t k = eq;
    while (k > 0 && !psSpace(psArgs[k - 1])) --k;
    if (k == 0) continue;  // the regex wants white space before the key
    size_t v = eq + 1;
    while (v < psArgs.size() && psSpace(psArgs[v])) ++v;
    if (psArgs.compare(v, 3, "PID") != 0) continue;
    size_t vEnd = v;
    while (vEnd < psArgs.size() && !psSpace(psArgs[vEnd])) ++vEnd;
    std::string key = psArgs.substr(k, eq - k);
    if (key != "pid")
      return invalidArgument("specifying \"" + key + "=" + psArgs.substr(v, vEnd - v) +
                             "\" is not allowed");
  }
  return okStatus();
}

Result<ContainerTop> parsePsOutput(const std::string& output, const std::vector<int>& pids) {
  ContainerTop top;
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= output.size();) {
    size_t nl = output.find('\n', start);
    if (nl == std::string::npos) nl = output.size();
    lines.emplace_back(output.data() + start, nl - start);
    start = nl + 1;
  }
  top.titles = psFields(lines.empty() ? std::string_view() : lines[0]);
  auto pidAt = std::find(top.titles.begin(), top.titles.end(), "PID");
  if (pidAt == top.titles.end()) return internalError("Couldn't find PID field in ps output");
  size_t pidIndex = static_cast<size_t>(pidAt - top.titles.begin());
  auto append = [&](std::vector<std::string> fields) {
    size_t n = top.titles.size();
    std::vector<std::string> row(fields.begin(), fields.begin() + static_cast<long>(n - 1));
    std::string last;
    for (size_t i = n - 1; i < fields.size(); ++i) last += (i == n - 1 ? "" : " ") + fields[i];
    row.push_back(std::move(last));
    top.processes.push_back(std::move(row));
  };
  bool previousKept = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    auto fields = psFields(lines[i]);
    if (fields.size() < top.titles.size()) continue;  // a row ps cut short: not a process
    const std::string& f = fields[pidIndex];
    if (f == "-") {
      if (previousKept) append(std::move(fields));
      continue;
    }
    int pid = 0;
    auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), pid);
    if (ec != std::errc() || p != f.data() + f.size())
      return internalError("Unexpected pid '" + f + "'");
    previousKept = std::find(pids.begin(), pids.end(), pid) != pids.end();
    if (previousKept) append(std::move(fields));
  }
  return top;
}

void ContainerFsService::top(const std::string& idOrName, const std::string& psArgs,
                             std::function<void(Result<ContainerTop>)> done) {
  std::string args = psArgs.empty() ? "-ef" : psArgs;
  if (Status st = validatePsArgs(args); !st.ok()) return done(std::move(st).error());
  auto c = containers_.inspectContainer(idOrName);
  if (!c.ok()) return done(std::move(c).error());
  auto status = c->state.status;
  if (status == ContainerStatus::kRestarting)
    return done(
        conflict("Container " + c->id + " is restarting, wait until the container is running"));
  if (status != ContainerStatus::kRunning && status != ContainerStatus::kPaused)
    return done(conflict("container " + c->id + " is not running"));
  auto result = std::make_shared<Result<ContainerTop>>(ContainerTop{});
  boost::asio::post(
      pool_, [this, result, args, info = std::move(*c), done = std::move(done)]() mutable {
        *result = [&]() -> Result<ContainerTop> {
          WHARF_ASSIGN_OR_RETURN(auto layout, runtime::detectCgroupLayout());
          // spec_builder.cpp's cgroupsPath.
          WHARF_ASSIGN_OR_RETURN(auto cg, runtime::makeCgroupManager(layout, "/wharf/" + info.id));
          WHARF_ASSIGN_OR_RETURN(std::vector<int> pids, cg->pids());
          std::vector<std::string> argv = psFields(args);  // moby splits on " "
          std::string q = "-q";
          for (size_t i = 0; i < pids.size(); ++i) q += (i ? "," : "") + std::to_string(pids[i]);
          std::vector<std::string> withPids = argv;
          withPids.push_back(q);
          WHARF_ASSIGN_OR_RETURN(PsRun run, runPs(withPids));
          if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0) {
            // Some options (f) cannot go with q: without it, as moby.
            WHARF_ASSIGN_OR_RETURN(run, runPs(argv));
            if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0) {
              std::string first = run.err.substr(0, run.err.find('\n'));
              if (!first.empty()) return internalError(first);
              return internalError("ps: exit status " + std::to_string(WEXITSTATUS(run.status)));
            }
          }
          return parsePsOutput(run.out, pids);
        }();
        boost::asio::post(io_, [this, result, info = std::move(info), done = std::move(done)] {
          if (result->ok()) events_.publish(containerEvent(info, "top"));
          done(std::move(*result));
        });
      });
}

}  // namespace wharf::engine
