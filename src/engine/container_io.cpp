// ContainerManager: logs, attach (output from the json log, stdin through the container's
// StdinPipe) and TTY resize.
#include "engine/container_manager.h"
#include "engine/log_reader.h"

namespace wharf::engine {

Result<std::unique_ptr<LogReader>> ContainerManager::readLogs(const std::string& idOrName,
                                                              const LogOptions& opts) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  std::weak_ptr<Container> weak = c;
  auto done = [weak] {
    auto c = weak.lock();
    if (!c) return true;
    auto s = c->rec.info.state.status;
    // A container restarting by policy will write more: keep following it.
    return s == ContainerStatus::kRemoving || s == ContainerStatus::kDead ||
           (s != ContainerStatus::kRunning && s != ContainerStatus::kPaused &&
            s != ContainerStatus::kRestarting && !c->rec.starting);
  };
  WHARF_ASSIGN_OR_RETURN(auto reader,
                         JsonFileLogReader::open(io_, c->rec.info.logPath, opts, false, done));
  if (opts.follow) c->logWakers.push_back(reader->waker());
  return std::unique_ptr<LogReader>(std::move(reader));
}

Result<std::unique_ptr<LogReader>> ContainerManager::attachOutput(const std::string& idOrName,
                                                                  bool stdoutOn, bool stderrOn) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  LogOptions opts;
  opts.follow = true;
  opts.stdoutOn = stdoutOn;
  opts.stderrOn = stderrOn;
  std::weak_ptr<Container> weak = c;
  uint64_t runs0 = c->runsEnded;
  auto done = [weak, runs0] {
    auto c = weak.lock();
    return !c || c->runsEnded > runs0;
  };
  // From the current end: a container attached before its start gets everything it writes.
  WHARF_ASSIGN_OR_RETURN(auto reader,
                         JsonFileLogReader::open(io_, c->rec.info.logPath, opts, true, done));
  c->logWakers.push_back(reader->waker());
  publish(*c, "attach");
  return std::unique_ptr<LogReader>(std::move(reader));
}

Result<std::unique_ptr<StdinWriter>> ContainerManager::attachStdin(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  if (!c->rec.info.spec.openStdin) {
    return invalidArgument("container " + c->rec.info.id + " was not created with OpenStdin");
  }
  if (!c->stdinPipe) c->stdinPipe = std::make_shared<StdinPipe>(io_);
  return std::unique_ptr<StdinWriter>(new PipeStdinWriter(c->stdinPipe));
}

Status ContainerManager::resizeTty(const std::string& idOrName, int height, int width) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  const ContainerInfo& i = c->rec.info;
  if ((i.state.status != ContainerStatus::kRunning && i.state.status != ContainerStatus::kPaused) ||
      !c->shim) {
    return conflict("Container " + i.id + " is not running");
  }
  if (!i.spec.tty || height <= 0 || width <= 0) return okStatus();
  return c->shim->resize(height, width);
}

}  // namespace wharf::engine
