#pragma once
// An attached stream to a process the shim runs (the container's init, or an exec), as the
// API sees it: a LogReader for the output and a StdinWriter for the input, over one
// ShimStream (engine/shim_client.h). An attach may begin before the container starts
// (`docker run` attaches first): the session then waits, keeping stdin written meanwhile,
// until the engine connects it to the new shim, or ends it when the start fails.
// The session lives as long as its reader or writer; dropping both closes the stream.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/backend.h"
#include "engine/shim_client.h"

namespace wharf::engine {

class ShimSession : public std::enable_shared_from_this<ShimSession> {
 public:
  // onExit: called with an exec's exit code (its kExit frame) before the reader ends.
  explicit ShimSession(std::function<void(int)> onExit = {}) : onExit_(std::move(onExit)) {}
  ~ShimSession();

  void connect(std::shared_ptr<ShimStream> stream);
  void end();  // no stream will come: the reader ends, writes are dropped
  bool ended() const { return ended_; }

  void next(std::function<void(Result<std::optional<LogEntry>>)> cb);
  void write(std::string data, std::function<void(Status)> done);
  void close();

  std::unique_ptr<LogReader> reader();
  std::unique_ptr<StdinWriter> writer();

 private:
  void forward();

  std::function<void(int)> onExit_;
  std::shared_ptr<ShimStream> stream_;
  std::function<void(Result<std::optional<LogEntry>>)> pendingNext_;
  std::string pendingIn_;
  bool closeRequested_ = false;
  bool ended_ = false;
};

}  // namespace wharf::engine
