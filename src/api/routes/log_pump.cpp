#include "api/internal/log_pump.h"

#include <boost/asio/post.hpp>

#include "api/stream.h"
#include "common/memory.h"

namespace wharf::api {

void LogPump::run(boost::asio::io_context& io, std::unique_ptr<engine::LogReader> reader,
                  ResponderPtr out, PumpOptions opts, std::function<void(bool)> done) {
  auto pump = std::make_shared<LogPump>(io, std::move(reader), out, opts, std::move(done));
  out->onClose([weak = std::weak_ptr<LogPump>(pump)] {
    if (auto self = weak.lock()) self->end(false);
  });
  pump->readNext();
}

LogPump::LogPump(boost::asio::io_context& io, std::unique_ptr<engine::LogReader> reader,
                 ResponderPtr out, PumpOptions opts, std::function<void(bool)> done)
    : io_(io),
      reader_(std::move(reader)),
      out_(std::move(out)),
      opts_(opts),
      done_(std::move(done)) {}

void LogPump::readNext() {
  if (ended_) return;
  reader_->next([self = shared_from_this()](Result<std::optional<engine::LogEntry>> entry) {
    if (self->ended_) return;
    if (!entry.ok()) {
      // The client shows a type-3 frame as an error; a raw (TTY) stream has no way to say it.
      if (!self->opts_.tty)
        self->out_->write(frame(StreamType::kSystemError, entry.error().message()));
      self->end(false);
      return;
    }
    if (!*entry) {
      self->end(true);
      return;
    }
    const engine::LogEntry& e = **entry;
    std::string data = self->opts_.timestamps ? e.timeIso + " " + e.data : e.data;
    if (!self->opts_.tty)
      data = frame(
          e.stream == engine::LogStream::kStderr ? StreamType::kStderr : StreamType::kStdout, data);
    self->out_->write(std::move(data), [self](bool ok) {
      if (!ok) return self->end(false);
      self->readNext();
    });
  });
}

void LogPump::end(bool ok) {
  if (ended_) return;
  ended_ = true;
  // Never destroy the reader from inside its own callback: defer it to the loop.
  boost::asio::post(io_, [self = shared_from_this()] {
    self->reader_.reset();
    // A big log leaves freed heap behind; give it back so the daemon's size returns to its
    // idle size after the response (issue 9, point 7).
    wharf::returnFreedMemory();
  });
  if (auto done = std::move(done_)) {
    done_ = nullptr;
    done(ok);
  }
}

}  // namespace wharf::api
