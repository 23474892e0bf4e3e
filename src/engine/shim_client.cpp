#include "engine/shim_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/write.hpp>
#include <cstring>

namespace wharf::engine {

namespace asio = boost::asio;
using shim::FrameType;
using shim::TaskReply;
using shim::TaskRequest;

Result<UniqueFd> connectShim(const std::string& bundle) {
  UniqueFd dir(::open(bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return sysError("open " + bundle);
  std::string path = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + shim::kTaskSocketName;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sysError("socket");
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    // No socket, or nobody listening: the shim is gone (or is not this version).
    if (err == ENOENT || err == ECONNREFUSED)
      return Error(ErrorCategory::kConflict, "the container's shim is not running", err);
    return sysError("connect to the shim at " + bundle + "/" + shim::kTaskSocketName, err);
  }
  return fd;
}

namespace {

Status sendAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sysError("write to the shim");
    s.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

}  // namespace

Result<TaskReply> callShim(const std::string& bundle, const TaskRequest& r,
                           std::chrono::milliseconds timeout) {
  WHARF_ASSIGN_OR_RETURN(UniqueFd fd, connectShim(bundle));
  struct timeval tv {};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  WHARF_TRY(sendAll(fd.get(), shim::encodeRequest(r)));
  shim::LineReader line;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("read the shim's reply to " + r.op);
    if (n == 0) return internalError("the shim closed the connection before it replied to " + r.op);
    WHARF_ASSIGN_OR_RETURN(bool done, line.feed(std::string_view(buf, static_cast<size_t>(n))));
    if (done) break;
  }
  WHARF_ASSIGN_OR_RETURN(TaskReply rep, shim::decodeReply(line.line()));
  if (rep.error) return std::move(*rep.error);
  return rep;
}

ShimStream::ShimStream(asio::io_context& io, UniqueFd fd)
    : sock_(io, asio::local::stream_protocol(), fd.release()) {}

ShimStream::~ShimStream() { cancel(); }

Result<std::shared_ptr<ShimStream>> ShimStream::open(asio::io_context& io,
                                                     const std::string& bundle,
                                                     const TaskRequest& r, ReplyFn onReply) {
  WHARF_ASSIGN_OR_RETURN(UniqueFd fd, connectShim(bundle));
  // The request is one short line: written at once, before the socket turns non-blocking.
  WHARF_TRY(sendAll(fd.get(), shim::encodeRequest(r)));
  auto s = std::shared_ptr<ShimStream>(new ShimStream(io, std::move(fd)));
  s->onReply_ = std::move(onReply);
  s->readMore();
  return s;
}

std::shared_ptr<ShimStream> ShimStream::adopt(asio::io_context& io, UniqueFd fd,
                                              const TaskRequest& r, ReplyFn onReply) {
  (void)sendAll(fd.get(), shim::encodeRequest(r));
  auto s = std::shared_ptr<ShimStream>(new ShimStream(io, std::move(fd)));
  s->onReply_ = std::move(onReply);
  s->readMore();
  return s;
}

void ShimStream::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  boost::system::error_code ec;
  sock_.close(ec);
  onReply_ = nullptr;
  pending_ = nullptr;
  writes_.clear();
}

void ShimStream::readMore() {
  if (reading_ || eof_ || cancelled_) return;
  reading_ = true;
  readBuf_.resize(size_t{64} << 10);
  sock_.async_read_some(asio::buffer(readBuf_),
                        [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                          self->reading_ = false;
                          if (self->cancelled_) return;
                          if (ec) {
                            self->eof_ = true;
                            if (ec != asio::error::eof && ec != asio::error::connection_reset)
                              self->failed_ = sysError("read from the shim", ec.value());
                          } else {
                            std::string_view data(self->readBuf_.data(), n);
                            if (!self->replied_) {
                              auto done = self->line_.feed(data);
                              if (!done.ok()) {
                                self->failed_ = std::move(done).error();
                                self->eof_ = true;
                              } else if (*done) {
                                self->replied_ = true;
                                self->frames_.append(self->line_.rest());
                                self->line_.rest().clear();
                                auto rep = shim::decodeReply(self->line_.line());
                                auto cb = std::move(self->onReply_);
                                self->onReply_ = nullptr;
                                if (cb) {
                                  if (!rep.ok())
                                    cb(std::move(rep).error());
                                  else if (rep->error)
                                    cb(std::move(*rep->error));
                                  else
                                    cb(std::move(*rep));
                                }
                                if (self->cancelled_) return;
                              }
                            } else {
                              self->frames_.append(data);
                            }
                          }
                          self->deliver();
                        });
}

void ShimStream::deliver() {
  if (cancelled_) return;
  if (!replied_) {
    if (!eof_) return readMore();
    replied_ = true;
    auto cb = std::move(onReply_);
    onReply_ = nullptr;
    if (cb)
      cb(failed_ ? *failed_
                 : internalError("the shim closed the connection before it replied (see "
                                 "shim.log in the container's bundle)"));
    if (cancelled_) return;
  }
  if (!pending_) return;
  auto f = frames_.next();
  if (!f.ok() || *f || eof_) {
    auto cb = std::move(pending_);
    pending_ = nullptr;
    if (!f.ok()) return cb(std::move(f).error());
    if (*f)
      return cb(std::optional<ShimOutput>(ShimOutput{(*f)->type, std::string((*f)->payload)}));
    if (failed_) return cb(*failed_);
    return cb(std::optional<ShimOutput>());
  }
  readMore();
}

void ShimStream::next(OutputFn cb) {
  pending_ = std::move(cb);
  deliver();
}

void ShimStream::writeStdin(std::string_view data, std::function<void(Status)> done) {
  std::string framed;
  shim::appendFrame(framed, FrameType::kStdin, data);
  queueWrite(std::move(framed), std::move(done));
}

void ShimStream::closeStdin() {
  std::string framed;
  shim::appendFrame(framed, FrameType::kCloseStdin, "");
  queueWrite(std::move(framed), nullptr);
}

void ShimStream::queueWrite(std::string bytes, std::function<void(Status)> done) {
  if (cancelled_) {
    if (done) done(unavailable("the stream to the shim is closed"));
    return;
  }
  writes_.emplace_back(std::move(bytes), std::move(done));
  pumpWrites();
}

void ShimStream::pumpWrites() {
  if (writing_ || writes_.empty() || cancelled_) return;
  writing_ = true;
  asio::async_write(sock_, asio::buffer(writes_.front().first),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      self->writing_ = false;
                      if (self->cancelled_ || self->writes_.empty()) return;
                      auto done = std::move(self->writes_.front().second);
                      self->writes_.pop_front();
                      if (done) done(ec ? sysError("write to the shim", ec.value()) : okStatus());
                      if (ec) {
                        for (auto& w : self->writes_)
                          if (w.second) w.second(sysError("write to the shim", ec.value()));
                        self->writes_.clear();
                        return;
                      }
                      self->pumpWrites();
                    });
}

}  // namespace wharf::engine
