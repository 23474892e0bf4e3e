#pragma once
// Reads a container's json-file log (engine/shim/json_log.h) as engine::LogReader entries:
// `docker logs` (tail, since/until, stdout/stderr selection, follow) and `docker attach`
// (the same, starting at the current end of the file).
//
// Following: when the file has no more complete lines the reader waits for inotify
// (IN_MODIFY) on the file, or for the engine's wake-up (see waker()), and ends once `done()`
// says the container will write no more and the file is drained. The shim drains the
// container's pipes into the log before it exits, so "exited and drained" loses nothing.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::engine {

class JsonFileLogReader final : public LogReader {
 public:
  // fromEnd: start at the current end of the file (attach); tail/since then do not apply.
  // done: true once no more output will come (checked only when following).
  static Result<std::unique_ptr<JsonFileLogReader>> open(boost::asio::io_context& io,
                                                         const std::string& path,
                                                         const LogOptions& opts, bool fromEnd,
                                                         std::function<bool()> done);
  ~JsonFileLogReader() override;

  void next(std::function<void(Result<std::optional<LogEntry>>)> cb) override;

  // Wakes the reader (if it still exists) to look for new data and re-check done(). Returns
  // false once the reader is gone, so the caller can forget the waker.
  std::function<bool()> waker();

  // Bytes of the log this reader holds right now (parsed entries not yet taken plus the
  // unparsed rest of the last piece read): bounded by about one read piece (1 MiB) whatever
  // the log's size.
  size_t bufferedBytes() const;

  struct Core;

 private:
  explicit JsonFileLogReader(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  std::shared_ptr<Core> core_;
};

}  // namespace wharf::engine
