#pragma once
// The daemon's side of the shim task API (engine/shim/task_protocol.h).
//
//   callShim(bundle, request)       one request, one reply, synchronous: the shim answers at
//                                   once (state, start, resize, close-stdin, kill, exec-state,
//                                   delete). Bounded by a receive timeout.
//   ShimStream::open(...)           attach / exec / wait: the request goes out at once, the
//                                   reply and then the frames come back asynchronously on the
//                                   io_context.
// The bundle directory is reached through an O_PATH fd, so the socket's path never hits the
// 108-byte sun_path limit however deep the exec root is.

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "engine/shim/task_protocol.h"

namespace wharf::engine {

// A connected (blocking) socket to the shim of the container whose bundle is `bundle`.
Result<UniqueFd> connectShim(const std::string& bundle);

// Sends r and reads the reply; an error reply comes back as that Error.
Result<shim::TaskReply> callShim(const std::string& bundle, const shim::TaskRequest& r,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

// One output chunk of an attached or exec'd process.
struct ShimOutput {
  shim::FrameType type;  // kStdout, kStderr, or kExit (data is the exit code)
  std::string data;
};

class ShimStream : public std::enable_shared_from_this<ShimStream> {
 public:
  using ReplyFn = std::function<void(Result<shim::TaskReply>)>;
  using OutputFn = std::function<void(Result<std::optional<ShimOutput>>)>;

  // Connects, sends r, and calls onReply once with the shim's answer (on the io_context).
  static Result<std::shared_ptr<ShimStream>> open(boost::asio::io_context& io,
                                                  const std::string& bundle,
                                                  const shim::TaskRequest& r, ReplyFn onReply);
  // Over an already-connected socket (tests use a socketpair).
  static std::shared_ptr<ShimStream> adopt(boost::asio::io_context& io, UniqueFd fd,
                                           const shim::TaskRequest& r, ReplyFn onReply);
  ~ShimStream();

  // The next output frame; nullopt when the shim closed the stream. One call at a time.
  void next(OutputFn cb);
  // Bytes for the process' stdin, in order; then closeStdin() for EOF. done(ok) once written.
  void writeStdin(std::string_view data, std::function<void(Status)> done);
  void closeStdin();
  // Stops everything; no callback runs afterwards.
  void cancel();

 private:
  ShimStream(boost::asio::io_context& io, UniqueFd fd);
  void start(const shim::TaskRequest& r, ReplyFn onReply);
  void readMore();
  void deliver();
  void queueWrite(std::string bytes, std::function<void(Status)> done);
  void pumpWrites();

  boost::asio::local::stream_protocol::socket sock_;
  shim::LineReader line_;
  shim::FrameReader frames_;
  ReplyFn onReply_;
  OutputFn pending_;
  std::optional<Error> failed_;
  bool replied_ = false, eof_ = false, reading_ = false, cancelled_ = false;
  std::deque<std::pair<std::string, std::function<void(Status)>>> writes_;
  bool writing_ = false;
  std::string readBuf_;
};

}  // namespace wharf::engine
