#pragma once
// Copies a LogReader into a streamed or hijacked response, one entry at a time: the next entry
// is read only when the previous one was written (back-pressure on slow clients). When the
// client goes away the reader is destroyed, which cancels it (engine/backend.h).

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "api/router.h"
#include "engine/backend.h"

namespace wharf::api {

struct PumpOptions {
  bool tty = false;         // raw bytes; else stdcopy frames (api/stream.h)
  bool timestamps = false;  // prefix each entry with its RFC 3339 time and a space
};

class LogPump : public std::enable_shared_from_this<LogPump> {
 public:
  // done(true) when the reader ended, done(false) when it failed or the client left.
  static void run(boost::asio::io_context& io, std::unique_ptr<engine::LogReader> reader,
                  ResponderPtr out, PumpOptions opts, std::function<void(bool)> done);

  LogPump(boost::asio::io_context& io, std::unique_ptr<engine::LogReader> reader, ResponderPtr out,
          PumpOptions opts, std::function<void(bool)> done);

 private:
  void readNext();
  void end(bool ok);

  boost::asio::io_context& io_;
  std::unique_ptr<engine::LogReader> reader_;
  ResponderPtr out_;
  PumpOptions opts_;
  std::function<void(bool)> done_;
  bool ended_ = false;
};

}  // namespace wharf::api
