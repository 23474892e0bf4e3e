#pragma once
// network::DnsServer: docker's embedded DNS server. Each container on a user-defined network
// gets a UDP and a TCP socket bound to 127.0.0.11:53 inside its own network namespace (made
// there by a short-lived thread, then served from the daemon's event loop; the container's
// resolv.conf says `nameserver 127.0.0.11`). It answers from the daemon's records
// (network/dns_records.h: the names of the containers on the same networks) and forwards the
// rest to the container's upstreams (network/dns_forward.h), as docker's libnetwork resolver:
//   A of a known name          the addresses (several for a shared alias: shuffled), TTL 600;
//                              `<name>.<network>` names that network's container
//   AAAA of a known name       no data, NOERROR (no IPv6 on wharf networks; the client does
//                              not go on to ask the outside about a container's name)
//   PTR of a container address <name>.<network>
//   anything else              forwarded; no upstream answering, or a container only on
//                              --internal networks: SERVFAIL
//   a malformed query          FORMERR (NOTIMP for an opcode other than QUERY); a message
//                              too short for a header, or a response, is dropped
// The sockets live as long as the container's run: detach() at exit closes them (the
// namespace can only go away once they are closed); after a daemon restart the daemon
// attaches again for every running container (live restore).
//
// Threading: the io_context thread only (attach() waits for its helper thread, briefly).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "network/dns_forward.h"
#include "network/network.h"

namespace wharf::network {

constexpr const char* kEmbeddedDnsAddress = "127.0.0.11";

struct DnsServerConfig {
  std::chrono::milliseconds upstreamTimeout{2000};  // per upstream server
  size_t maxInFlight = 128;       // forwarded queries per container; beyond: SERVFAIL
  size_t maxTcpConnections = 32;  // per container
  std::chrono::milliseconds tcpIdleTimeout{10000};
  uint16_t port = 53;  // tests: another port
};

// What the server does with one message from a container (pure: unit-tested).
struct DnsDecision {
  enum class Kind { kReply, kForward, kDrop } kind = Kind::kDrop;
  std::vector<uint8_t> reply;  // kReply
};
// `shuffle`: several A answers (an alias shared by several containers) come in a random order
// from it, as docker's resolver shuffles them (round-robin DNS); null: in record order.
DnsDecision decideDns(std::span<const uint8_t> raw, const std::vector<Network>& nets,
                      const std::string& self, bool canForward, size_t maxReply,
                      std::minstd_rand* shuffle = nullptr);

class DnsServer {
 public:
  // `networksOf(id)`: the networks a container has an endpoint on (Manager::networksOf), read
  // at each query, so a connect or disconnect changes the answers at once.
  using NetworksOf = std::function<std::vector<Network>(const std::string&)>;

  DnsServer(boost::asio::io_context& io, NetworksOf networksOf, DnsServerConfig cfg = {});
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Serves 127.0.0.11 inside the namespace bound at `netnsPath` (its loopback is set up
  // first), forwarding to `upstreams`. Attaching an attached container only replaces its
  // upstreams.
  Status attach(const std::string& containerId, const std::string& netnsPath,
                std::vector<DnsUpstream> upstreams);
  // Closes the container's sockets; unknown ids are ignored.
  void detach(const std::string& containerId);
  bool attached(const std::string& containerId) const { return listeners_.count(containerId) > 0; }

 private:
  struct Listener;
  struct TcpConnection;
  void receiveUdp(const std::shared_ptr<Listener>& l);
  void acceptTcp(const std::shared_ptr<Listener>& l);
  void readTcp(const std::shared_ptr<TcpConnection>& c);
  // Answers one message; `reply` gets the bytes to send back (or is not called: dropped).
  void handle(const std::shared_ptr<Listener>& l, std::vector<uint8_t> msg, bool tcp,
              std::function<void(std::vector<uint8_t>)> reply);

  boost::asio::io_context& io_;
  NetworksOf networksOf_;
  DnsServerConfig cfg_;
  DnsForwarder forwarder_;
  std::map<std::string, std::shared_ptr<Listener>> listeners_;  // by container id
  std::minstd_rand shuffle_{std::random_device{}()};            // answer order, not secrets
};

// Upstream addresses from strings ("8.8.8.8", "2001:db8::1"); the ones that do not parse are
// skipped (resolv.conf may hold anything).
std::vector<DnsUpstream> parseDnsUpstreams(const std::vector<std::string>& servers);

}  // namespace wharf::network
