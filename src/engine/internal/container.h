#pragma once
// One container as the ContainerManager holds it: the persisted record plus what only lives
// while the daemon runs. Internal to src/engine. Status fields of `rec` are written only by
// the state machine (container_state.cpp).

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/container_record.h"
#include "engine/shim/task_protocol.h"
#include "engine/shim_launcher.h"
#include "engine/shim_session.h"

namespace wharf::engine {

struct Container {
  ContainerRecord rec;
  std::unique_ptr<ShimHandle> shim;  // while running (or paused)
  std::vector<std::function<void(Result<WaitResult>)>> exitWaiters;
  std::vector<std::function<void(Result<WaitResult>)>> removeWaiters;
  std::vector<std::function<bool()>> logWakers;
  // Attaches made before the shim exists (`docker run` attaches, then starts): connected to
  // the shim once it reports "created", before its init runs; ended if it never does.
  struct WaitingAttach {
    std::weak_ptr<ShimSession> session;
    shim::TaskRequest request;
  };
  std::vector<WaitingAttach> waitingAttaches;
  std::set<std::string> execIds;  // its exec instances (container_exec.cpp)
  // Counts ended runs (exits, failed starts, removal): an attach ends when it changes.
  uint64_t runsEnded = 0;
  std::unique_ptr<boost::asio::steady_timer> restartTimer;  // a restart by policy is due
  // A forced remove waiting for the exit it caused (or for a start in progress to end): run
  // once the run's resources are released.
  std::function<void(Status)> pendingRemove;
  bool pendingRemoveVolumes = false;
  bool policyStart = false;  // the start in progress is a restart by policy
};
using ContainerPtr = std::shared_ptr<Container>;

}  // namespace wharf::engine
