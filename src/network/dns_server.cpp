#include "network/dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "common/log.h"
#include "common/unique_fd.h"
#include "network/dns_message.h"
#include "network/dns_records.h"
#include "network/netlink.h"
#include "network/netns.h"

namespace wharf::network {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using ErrorCode = boost::system::error_code;

namespace {

struct NsSockets {
  UniqueFd udp, tcp;
};

// Sockets belong to the namespace they are made in: make them on a thread that enters the
// container's namespace and ends right after, so no daemon thread changes namespace.
Result<NsSockets> socketsIn(int nsFd) {
  Result<NsSockets> out = internalError("namespace thread did not run");
  std::thread t([&] {
    if (::setns(nsFd, CLONE_NEWNET) != 0) {
      out = sysError("enter the container's network namespace");
      return;
    }
    NsSockets s;
    s.udp.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    s.tcp.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s.udp || !s.tcp) {
      out = sysError("create a socket in the container's network namespace");
      return;
    }
    out = std::move(s);
  });
  t.join();
  return out;
}

Status bindEmbedded(int fd, uint16_t port, bool stream) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, kEmbeddedDnsAddress, &sa.sin_addr);
  int one = 1;
  // A daemon restarted while a client's connection lingers in TIME_WAIT binds anyway.
  if (stream) (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return sysError(std::string("bind ") + kEmbeddedDnsAddress + ":" + std::to_string(port) +
                    (stream ? "/tcp" : "/udp"));
  if (stream && ::listen(fd, 64) != 0) return sysError("listen on the embedded DNS socket");
  return okStatus();
}

}  // namespace

DnsDecision decideDns(std::span<const uint8_t> raw, const std::vector<Network>& nets,
                      const std::string& self, bool canForward, size_t maxReply,
                      std::minstd_rand* shuffle) {
  DnsDecision d;
  auto q = dns::parseQuery(raw);
  if (!q.ok()) {
    bool notImp = q.error().category() == ErrorCategory::kNotImplemented;
    auto err = dns::buildError(raw, notImp ? dns::Rcode::kNotImp : dns::Rcode::kFormErr);
    if (err) {
      d.kind = DnsDecision::Kind::kReply;
      d.reply = std::move(*err);
    }
    return d;
  }
  const dns::Question& question = q->questions.front();
  auto reply = [&](dns::Rcode rc, const std::vector<dns::Answer>& answers) {
    d.kind = DnsDecision::Kind::kReply;
    d.reply = dns::buildResponse(raw, *q, rc, answers, maxReply);
    return d;
  };
  if (question.cls == dns::kClassIn) {
    if (question.type == dns::kTypeA || question.type == dns::kTypeAaaa) {
      auto ips = lookupContainerName(nets, self, question.name);
      auto ips6 = lookupContainerName6(nets, self, question.name);
      if (shuffle && ips.size() > 1) std::shuffle(ips.begin(), ips.end(), *shuffle);
      if (shuffle && ips6.size() > 1) std::shuffle(ips6.begin(), ips6.end(), *shuffle);
      // A container's name: its addresses of the family asked, else no data (NOERROR), so
      // the client never asks the outside about it.
      if (!ips.empty() || !ips6.empty()) {
        std::vector<dns::Answer> answers;
        if (question.type == dns::kTypeA) {
          for (Ipv4 ip : ips) answers.push_back({dns::kTypeA, 600, ip, {}, {}});
        } else {
          for (const Ipv6& ip : ips6) answers.push_back({dns::kTypeAaaa, 600, 0, {}, ip});
        }
        return reply(dns::Rcode::kNoError, answers);
      }
    } else if (question.type == dns::kTypePtr) {
      if (auto ip = dns::parseReverseName(question.name)) {
        if (auto name = lookupContainerAddress(nets, self, *ip))
          return reply(dns::Rcode::kNoError, {{dns::kTypePtr, 600, 0, *name}});
      } else if (auto ip6 = dns::parseReverseName6(question.name)) {
        if (auto name = lookupContainerAddress6(nets, self, *ip6))
          return reply(dns::Rcode::kNoError, {{dns::kTypePtr, 600, 0, *name}});
      }
    }
  }
  if (!canForward) return reply(dns::Rcode::kServFail, {});
  d.kind = DnsDecision::Kind::kForward;
  return d;
}

std::vector<DnsUpstream> parseDnsUpstreams(const std::vector<std::string>& servers) {
  std::vector<DnsUpstream> out;
  for (const auto& s : servers) {
    ErrorCode ec;
    auto addr = asio::ip::make_address(s, ec);
    if (!ec) out.push_back({addr, 53});
  }
  return out;
}

struct DnsServer::Listener {
  Listener(asio::io_context& io, std::string containerId)
      : id(std::move(containerId)), udpSock(io), acceptor(io) {}
  std::string id;
  udp::socket udpSock;
  tcp::acceptor acceptor;
  std::vector<DnsUpstream> upstreams;
  bool closed = false;
  size_t inFlight = 0;
  size_t tcpConnections = 0;
  std::vector<std::weak_ptr<TcpConnection>> connections;  // closed with the listener
  std::vector<uint8_t> buf = std::vector<uint8_t>(dns::kMaxMessageSize);
  udp::endpoint peer;
};

struct DnsServer::TcpConnection {
  TcpConnection(asio::io_context& io, std::shared_ptr<Listener> l)
      : listener(std::move(l)), sock(io), idle(io) {}
  ~TcpConnection() { --listener->tcpConnections; }
  std::shared_ptr<Listener> listener;
  tcp::socket sock;
  asio::steady_timer idle;
  uint8_t len[2] = {0, 0};
  std::vector<uint8_t> msg, out;
};

DnsServer::DnsServer(asio::io_context& io, NetworksOf networksOf, DnsServerConfig cfg)
    : io_(io), networksOf_(std::move(networksOf)), cfg_(cfg), forwarder_(io, cfg.upstreamTimeout) {}

DnsServer::~DnsServer() {
  while (!listeners_.empty()) detach(listeners_.begin()->first);
}

Status DnsServer::attach(const std::string& containerId, const std::string& netnsPath,
                         std::vector<DnsUpstream> upstreams) {
  if (auto it = listeners_.find(containerId); it != listeners_.end()) {
    it->second->upstreams = std::move(upstreams);
    return okStatus();
  }
  WHARF_ASSIGN_OR_RETURN(UniqueFd ns, openNetns(netnsPath));
  // 127.0.0.11 is a local address only once loopback is up (the runtime would bring it up at
  // the container's start, after this).
  WHARF_ASSIGN_OR_RETURN(Netlink nl, Netlink::openIn(ns.get()));
  WHARF_ASSIGN_OR_RETURN(int lo, nl.linkIndex("lo"));
  WHARF_TRY_CTX(nl.setUp(lo), "loopback of the container");
  WHARF_ASSIGN_OR_RETURN(NsSockets s, socketsIn(ns.get()));
  WHARF_TRY(bindEmbedded(s.udp.get(), cfg_.port, false));
  WHARF_TRY(bindEmbedded(s.tcp.get(), cfg_.port, true));
  auto l = std::make_shared<Listener>(io_, containerId);
  l->upstreams = std::move(upstreams);
  ErrorCode ec;
  l->udpSock.assign(udp::v4(), s.udp.get(), ec);
  if (ec) return internalError("embedded DNS socket: " + ec.message());
  s.udp.release();
  l->acceptor.assign(tcp::v4(), s.tcp.get(), ec);
  if (ec) return internalError("embedded DNS socket: " + ec.message());
  s.tcp.release();
  listeners_[containerId] = l;
  receiveUdp(l);
  acceptTcp(l);
  return okStatus();
}

void DnsServer::detach(const std::string& containerId) {
  auto it = listeners_.find(containerId);
  if (it == listeners_.end()) return;
  auto l = it->second;
  listeners_.erase(it);
  l->closed = true;
  ErrorCode ignored;
  l->udpSock.close(ignored);
  l->acceptor.close(ignored);
  for (const auto& w : l->connections) {
    if (auto c = w.lock()) {
      c->sock.close(ignored);
      c->idle.cancel();
    }
  }
}

void DnsServer::receiveUdp(const std::shared_ptr<Listener>& l) {
  l->udpSock.async_receive_from(
      asio::buffer(l->buf), l->peer, [this, l](const ErrorCode& ec, size_t n) {
        if (l->closed || ec == asio::error::operation_aborted) return;
        if (!ec) {
          std::vector<uint8_t> msg(l->buf.begin(), l->buf.begin() + static_cast<std::ptrdiff_t>(n));
          udp::endpoint peer = l->peer;
          handle(l, std::move(msg), false, [l, peer](std::vector<uint8_t> out) {
            if (l->closed) return;
            // Non-blocking: a full socket buffer drops the answer, as UDP may.
            ErrorCode e;
            l->udpSock.send_to(asio::buffer(out), peer, 0, e);
          });
        }
        receiveUdp(l);
      });
}

void DnsServer::acceptTcp(const std::shared_ptr<Listener>& l) {
  l->acceptor.async_accept([this, l](const ErrorCode& ec, tcp::socket sock) {
    if (l->closed || ec == asio::error::operation_aborted) return;
    if (!ec && l->tcpConnections < cfg_.maxTcpConnections) {
      ++l->tcpConnections;
      auto c = std::make_shared<TcpConnection>(io_, l);
      c->sock = std::move(sock);
      std::erase_if(l->connections, [](const auto& w) { return w.expired(); });
      l->connections.push_back(c);
      readTcp(c);
    }
    acceptTcp(l);
  });
}

void DnsServer::readTcp(const std::shared_ptr<TcpConnection>& c) {
  // A connection that sends nothing for a while is closed (and so is one whose container
  // stopped: its listener is closed).
  c->idle.expires_after(cfg_.tcpIdleTimeout);
  c->idle.async_wait([c](const ErrorCode& ec) {
    ErrorCode ignored;
    if (!ec) c->sock.close(ignored);
  });
  asio::async_read(c->sock, asio::buffer(c->len), [this, c](const ErrorCode& ec, size_t) {
    if (ec || c->listener->closed) return;
    size_t len = static_cast<size_t>((c->len[0] << 8) | c->len[1]);
    c->msg.resize(len);
    asio::async_read(c->sock, asio::buffer(c->msg), [this, c](const ErrorCode& ec2, size_t) {
      if (ec2 || c->listener->closed) return;
      c->idle.cancel();
      handle(c->listener, std::move(c->msg), true, [this, c](std::vector<uint8_t> out) {
        if (c->listener->closed || out.size() > dns::kMaxMessageSize) return;
        c->out.clear();
        c->out.push_back(static_cast<uint8_t>(out.size() >> 8));
        c->out.push_back(static_cast<uint8_t>(out.size() & 0xFF));
        c->out.insert(c->out.end(), out.begin(), out.end());
        asio::async_write(c->sock, asio::buffer(c->out), [this, c](const ErrorCode& e, size_t) {
          if (!e && !c->listener->closed) readTcp(c);
        });
      });
    });
  });
}

void DnsServer::handle(const std::shared_ptr<Listener>& l, std::vector<uint8_t> msg, bool tcp,
                       std::function<void(std::vector<uint8_t>)> reply) {
  std::vector<Network> nets = networksOf_(l->id);
  bool canForward = hasExternalAccess(nets) && !l->upstreams.empty();
  DnsDecision d = decideDns(msg, nets, l->id, canForward,
                            tcp ? dns::kMaxMessageSize : dns::kMaxUdpSize, &shuffle_);
  if (d.kind == DnsDecision::Kind::kReply) return reply(std::move(d.reply));
  if (d.kind == DnsDecision::Kind::kDrop) return;
  auto servfail = [&msg] {
    auto q = dns::parseQuery(msg);
    return dns::buildResponse(msg, *q, dns::Rcode::kServFail, {}, dns::kMaxMessageSize);
  };
  if (l->inFlight >= cfg_.maxInFlight) {
    log::debug("embedded DNS of {}: too many queries in flight", l->id.substr(0, 12));
    return reply(servfail());
  }
  ++l->inFlight;
  std::vector<uint8_t> fail = servfail();
  forwarder_.forward(std::move(msg), tcp, l->upstreams,
                     [l, fail = std::move(fail), reply = std::move(reply)](
                         std::optional<std::vector<uint8_t>> answer) mutable {
                       --l->inFlight;
                       reply(answer ? std::move(*answer) : std::move(fail));
                     });
}

}  // namespace wharf::network
