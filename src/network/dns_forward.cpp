#include "network/dns_forward.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "network/dns_message.h"

namespace wharf::network {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using ErrorCode = boost::system::error_code;

// One forwarded query: the upstreams in turn until one answers. `gen_` numbers the attempts,
// so that a late completion of an abandoned attempt (its socket closed on timeout) is ignored.
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, std::chrono::milliseconds timeout, std::vector<uint8_t> query,
          bool tcp, std::vector<DnsUpstream> upstreams, DnsForwarder::Done done)
      : io_(io),
        timeout_(timeout),
        query_(std::move(query)),
        tcp_(tcp),
        upstreams_(std::move(upstreams)),
        done_(std::move(done)),
        timer_(io) {
    id_ = static_cast<uint16_t>((query_[0] << 8) | query_[1]);
  }

  void tryNext() {
    closeSockets();
    if (next_ >= upstreams_.size()) return finish(std::nullopt);
    const DnsUpstream& up = upstreams_[next_++];
    unsigned gen = ++gen_;
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this(), gen](const ErrorCode& ec) {
      if (!ec && gen == self->gen_ && !self->finished_) self->tryNext();
    });
    if (tcp_) {
      startTcp(tcp::endpoint(up.address, up.port), gen);
    } else {
      startUdp(udp::endpoint(up.address, up.port), gen);
    }
  }

 private:
  // A completion that still matters: of the current attempt, before the end.
  bool current(unsigned gen) const { return gen == gen_ && !finished_; }

  void failed(unsigned gen) {
    if (!current(gen)) return;
    timer_.cancel();
    tryNext();
  }

  void startUdp(const udp::endpoint& to, unsigned gen) {
    ErrorCode ec;
    udp_.emplace(io_);
    udp_->open(to.protocol(), ec);
    if (!ec) udp_->connect(to, ec);  // only the upstream's datagrams are received
    if (ec) return asio::post(io_, [self = shared_from_this(), gen] { self->failed(gen); });
    udp_->async_send(asio::buffer(query_),
                     [self = shared_from_this(), gen](const ErrorCode& e, size_t) {
                       if (e) return self->failed(gen);
                       if (self->current(gen)) self->receiveUdp(gen);
                     });
  }

  void receiveUdp(unsigned gen) {
    buf_.resize(dns::kMaxMessageSize);
    udp_->async_receive(
        asio::buffer(buf_), [self = shared_from_this(), gen](const ErrorCode& e, size_t n) {
          if (e) return self->failed(gen);
          if (!self->current(gen)) return;
          self->buf_.resize(n);
          if (self->answers()) return self->finish(std::move(self->buf_));
          self->receiveUdp(gen);  // not the answer to this query: wait on, until the timeout
        });
  }

  void startTcp(const tcp::endpoint& to, unsigned gen) {
    tcp_sock_.emplace(io_);
    tcp_sock_->async_connect(to, [self = shared_from_this(), gen](const ErrorCode& e) {
      if (e) return self->failed(gen);
      if (!self->current(gen)) return;
      self->framed_.clear();
      self->framed_.push_back(static_cast<uint8_t>(self->query_.size() >> 8));
      self->framed_.push_back(static_cast<uint8_t>(self->query_.size() & 0xFF));
      self->framed_.insert(self->framed_.end(), self->query_.begin(), self->query_.end());
      asio::async_write(*self->tcp_sock_, asio::buffer(self->framed_),
                        [self, gen](const ErrorCode& e2, size_t) {
                          if (e2) return self->failed(gen);
                          if (self->current(gen)) self->readTcpLength(gen);
                        });
    });
  }

  void readTcpLength(unsigned gen) {
    asio::async_read(*tcp_sock_, asio::buffer(len_),
                     [self = shared_from_this(), gen](const ErrorCode& e, size_t) {
                       if (e) return self->failed(gen);
                       if (!self->current(gen)) return;
                       size_t len = static_cast<size_t>((self->len_[0] << 8) | self->len_[1]);
                       if (len < dns::kHeaderSize) return self->failed(gen);
                       self->buf_.resize(len);
                       asio::async_read(*self->tcp_sock_, asio::buffer(self->buf_),
                                        [self, gen](const ErrorCode& e2, size_t) {
                                          if (e2) return self->failed(gen);
                                          if (!self->current(gen)) return;
                                          if (self->answers())
                                            return self->finish(std::move(self->buf_));
                                          self->failed(gen);
                                        });
                     });
  }

  // The upstream's message answers our query: a response with its id.
  bool answers() const {
    auto h = dns::parseHeader(buf_);
    return h.ok() && h->isResponse() && h->id == id_;
  }

  void closeSockets() {
    ErrorCode ignored;
    if (udp_) udp_->close(ignored);
    if (tcp_sock_) tcp_sock_->close(ignored);
  }

  void finish(std::optional<std::vector<uint8_t>> answer) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    closeSockets();
    auto done = std::move(done_);
    done(std::move(answer));
  }

  asio::io_context& io_;
  std::chrono::milliseconds timeout_;
  std::vector<uint8_t> query_;
  bool tcp_;
  std::vector<DnsUpstream> upstreams_;
  DnsForwarder::Done done_;
  asio::steady_timer timer_;
  std::optional<udp::socket> udp_;
  std::optional<tcp::socket> tcp_sock_;
  std::vector<uint8_t> buf_, framed_;
  uint8_t len_[2] = {0, 0};
  uint16_t id_ = 0;
  size_t next_ = 0;
  unsigned gen_ = 0;
  bool finished_ = false;
};

}  // namespace

void DnsForwarder::forward(std::vector<uint8_t> query, bool tcp, std::vector<DnsUpstream> upstreams,
                           Done done) {
  if (query.size() < dns::kHeaderSize || upstreams.empty()) return done(std::nullopt);
  auto a = std::make_shared<Attempt>(io_, timeout_, std::move(query), tcp, std::move(upstreams),
                                     std::move(done));
  a->tryNext();
}

}  // namespace wharf::network
