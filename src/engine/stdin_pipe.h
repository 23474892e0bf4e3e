#pragma once
// A container's stdin (`docker run -i`): the daemon owns the write end of a pipe whose read
// end the shim hands to the init. Attach comes before start, so bytes written (and a close)
// before the pipe exists are kept and flushed when the container starts.
//
// Limitation: the pipe lives in the daemon, so after a daemon restart a live-restored
// container's stdin is at EOF.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <deque>
#include <memory>
#include <string>

#include "common/unique_fd.h"
#include "engine/backend.h"

namespace wharf::engine {

class StdinPipe : public std::enable_shared_from_this<StdinPipe> {
 public:
  explicit StdinPipe(boost::asio::io_context& io) : io_(io) {}

  // Called at start: the write end of the init's stdin pipe.
  void connect(UniqueFd writeEnd);
  // Called when the container exits: the pipe is gone; later writes are dropped.
  void disconnect();

  void write(std::string data);
  void close();

 private:
  void pump();

  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> pipe_;
  std::deque<std::string> pending_;
  bool writing_ = false;
  bool closeRequested_ = false;
};

// What the API holds: forwards to the container's StdinPipe while it exists.
class PipeStdinWriter final : public StdinWriter {
 public:
  explicit PipeStdinWriter(std::weak_ptr<StdinPipe> pipe) : pipe_(std::move(pipe)) {}
  void write(std::string data, std::function<void(Status)> done) override;
  void close() override;

 private:
  std::weak_ptr<StdinPipe> pipe_;
};

}  // namespace wharf::engine
