#pragma once
// The files a container sees as /etc/hosts, /etc/hostname and /etc/resolv.conf, generated as
// docker's libnetwork does (docs/networking.md):
//  - hosts: the localhost lines, then --add-host entries, then the container's own addresses
//    with its hostname (and aliases on user networks);
//  - resolv.conf: the host's file with loopback nameservers removed (they would point into
//    the container's own namespace); none left -> Google's public resolvers, as docker;
//    --dns/--dns-search/--dns-option replace the matching lines. On a user network the
//    nameserver is the embedded DNS server (127.0.0.11), which forwards to the host's.

#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace wharf::network {

struct HostsEntry {
  std::string ip;
  std::vector<std::string> names;
};

std::string hostsFile(const std::vector<HostsEntry>& extra, const std::vector<HostsEntry>& own);

// --add-host "name:ip" or "name=ip"; "host-gateway" as ip -> `hostGateway`.
Result<HostsEntry> parseExtraHost(const std::string& spec, const std::string& hostGateway);

struct DnsOptions {
  std::vector<std::string> servers;  // --dns
  std::vector<std::string> search;   // --dns-search
  std::vector<std::string> options;  // --dns-option
};

// The nameservers of a resolv.conf text, in order.
std::vector<std::string> resolvConfNameservers(const std::string& text);

// `hostText`: the host's /etc/resolv.conf. `embeddedDns`: the container is on a user network
// and asks 127.0.0.11.
std::string resolvConf(const std::string& hostText, const DnsOptions& dns, bool embeddedDns);

}  // namespace wharf::network
