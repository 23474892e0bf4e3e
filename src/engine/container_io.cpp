// ContainerManager: logs (from the json log). Attach and resize: container_exec.cpp.
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

}  // namespace wharf::engine
