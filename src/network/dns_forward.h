#pragma once
// network::DnsForwarder: passes a query the embedded DNS server cannot answer to the
// container's upstream servers, one after the other, each with a timeout, and hands back the
// first well-formed answer (same id, a response) as the upstream sent it: NXDOMAIN, SERVFAIL
// or a truncated UDP answer included, so the client sees what it would have seen asking the
// upstream itself. Over UDP when the client asked over UDP, over TCP when it asked over TCP.
//
// The sockets are the daemon's, in the host's namespace: loopback upstreams (a host-local
// resolver on 127.0.0.53, a test's stub) are reachable, as docker reaches them
// (docs/decisions.md). Everything runs on the io_context thread; nothing blocks.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace wharf::network {

struct DnsUpstream {
  boost::asio::ip::address address;
  uint16_t port = 53;
};

class DnsForwarder {
 public:
  // nullopt: no upstream answered in time (the server answers SERVFAIL, as docker).
  using Done = std::function<void(std::optional<std::vector<uint8_t>>)>;

  DnsForwarder(boost::asio::io_context& io, std::chrono::milliseconds timeout)
      : io_(io), timeout_(timeout) {}

  void forward(std::vector<uint8_t> query, bool tcp, std::vector<DnsUpstream> upstreams, Done done);

 private:
  boost::asio::io_context& io_;
  std::chrono::milliseconds timeout_;
};

}  // namespace wharf::network
