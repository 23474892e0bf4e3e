#include "engine/stdin_pipe.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

namespace wharf::engine {

void StdinPipe::connect(UniqueFd writeEnd) {
  pipe_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, writeEnd.release());
  boost::system::error_code ec;
  pipe_->non_blocking(true, ec);
  pump();
}

void StdinPipe::disconnect() {
  pending_.clear();
  if (pipe_) {
    boost::system::error_code ec;
    pipe_->close(ec);
    pipe_.reset();
  }
  writing_ = false;
}

void StdinPipe::write(std::string data) {
  if (closeRequested_ || data.empty()) return;
  pending_.push_back(std::move(data));
  pump();
}

void StdinPipe::close() {
  closeRequested_ = true;
  pump();
}

void StdinPipe::pump() {
  if (!pipe_ || writing_) return;
  if (pending_.empty()) {
    if (closeRequested_) {
      boost::system::error_code ec;
      pipe_->close(ec);
      pipe_.reset();
    }
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  boost::asio::async_write(*pipe_, boost::asio::buffer(pending_.front()),
                           [self](const boost::system::error_code& ec, size_t) {
                             self->writing_ = false;
                             if (ec) {
                               // The container closed its stdin or exited: drop the rest.
                               self->pending_.clear();
                               return;
                             }
                             self->pending_.pop_front();
                             self->pump();
                           });
}

void PipeStdinWriter::write(std::string data, std::function<void(Status)> done) {
  if (auto p = pipe_.lock()) p->write(std::move(data));
  if (done) done(okStatus());
}

void PipeStdinWriter::close() {
  if (auto p = pipe_.lock()) p->close();
}

}  // namespace wharf::engine
