#include "engine/shim_session.h"

#include <charconv>

namespace wharf::engine {

namespace {

class SessionReader final : public LogReader {
 public:
  explicit SessionReader(std::shared_ptr<ShimSession> s) : s_(std::move(s)) {}
  void next(std::function<void(Result<std::optional<LogEntry>>)> cb) override {
    s_->next(std::move(cb));
  }

 private:
  std::shared_ptr<ShimSession> s_;
};

class SessionWriter final : public StdinWriter {
 public:
  explicit SessionWriter(std::shared_ptr<ShimSession> s) : s_(std::move(s)) {}
  void write(std::string data, std::function<void(Status)> done) override {
    s_->write(std::move(data), std::move(done));
  }
  void close() override { s_->close(); }

 private:
  std::shared_ptr<ShimSession> s_;
};

}  // namespace

ShimSession::~ShimSession() {
  if (stream_) stream_->cancel();
}

std::unique_ptr<LogReader> ShimSession::reader() {
  return std::make_unique<SessionReader>(shared_from_this());
}

std::unique_ptr<StdinWriter> ShimSession::writer() {
  return std::make_unique<SessionWriter>(shared_from_this());
}

void ShimSession::connect(std::shared_ptr<ShimStream> stream) {
  if (ended_) return stream->cancel();
  stream_ = std::move(stream);
  if (!pendingIn_.empty()) stream_->writeStdin(pendingIn_, [](const Status&) {});
  pendingIn_.clear();
  if (closeRequested_) stream_->closeStdin();
  if (pendingNext_) forward();
}

void ShimSession::end() {
  if (stream_ || ended_) return;
  ended_ = true;
  pendingIn_.clear();
  if (auto cb = std::move(pendingNext_)) {
    pendingNext_ = nullptr;
    cb(std::optional<LogEntry>());
  }
}

void ShimSession::next(std::function<void(Result<std::optional<LogEntry>>)> cb) {
  if (!stream_) {
    if (ended_) return cb(std::optional<LogEntry>());
    pendingNext_ = std::move(cb);
    return;
  }
  pendingNext_ = std::move(cb);
  forward();
}

void ShimSession::forward() {
  std::weak_ptr<ShimSession> weak = weak_from_this();
  stream_->next([weak](Result<std::optional<ShimOutput>> r) {
    auto self = weak.lock();
    if (!self || !self->pendingNext_) return;
    auto cb = std::move(self->pendingNext_);
    self->pendingNext_ = nullptr;
    if (!r.ok()) return cb(std::move(r).error());
    if (!*r) return cb(std::optional<LogEntry>());
    ShimOutput& o = **r;
    if (o.type == shim::FrameType::kExit) {
      int code = 0;
      std::from_chars(o.data.data(), o.data.data() + o.data.size(), code);
      if (self->onExit_) self->onExit_(code);
      return cb(std::optional<LogEntry>());
    }
    LogEntry e;
    e.stream = o.type == shim::FrameType::kStderr ? LogStream::kStderr : LogStream::kStdout;
    e.data = std::move(o.data);
    cb(std::optional<LogEntry>(std::move(e)));
  });
}

void ShimSession::write(std::string data, std::function<void(Status)> done) {
  if (stream_) return stream_->writeStdin(data, std::move(done));
  if (ended_) return done(okStatus());  // nobody reads it any more
  if (pendingIn_.empty())
    pendingIn_ = std::move(data);
  else
    pendingIn_ += data;
  done(okStatus());
}

void ShimSession::close() {
  if (stream_) return stream_->closeStdin();
  closeRequested_ = true;
}

}  // namespace wharf::engine
