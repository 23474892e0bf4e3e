#include "network/etc_files.h"

#include <sstream>

#include "network/address.h"

namespace wharf::network {

namespace {

constexpr const char* kHostsBase =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

bool isLoopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || ip == "0:0:0:0:0:0:0:1";
}

std::vector<std::string> fields(const std::string& line) {
  std::istringstream ss(line);
  std::vector<std::string> out;
  std::string f;
  while (ss >> f) out.push_back(f);
  return out;
}

}  // namespace

std::string hostsFile(const std::vector<HostsEntry>& extra, const std::vector<HostsEntry>& own) {
  std::string out = kHostsBase;
  for (const auto* list : {&extra, &own}) {
    for (const auto& e : *list) {
      out += e.ip;
      char sep = '\t';
      for (const auto& n : e.names) {
        out += sep;
        out += n;
        sep = ' ';
      }
      out += '\n';
    }
  }
  return out;
}

Result<HostsEntry> parseExtraHost(const std::string& spec, const std::string& hostGateway) {
  // The name ends at the first separator: IPv6 addresses contain ':' themselves.
  size_t sep = spec.find_first_of("=:");
  if (sep == std::string::npos || sep == 0 || sep + 1 >= spec.size())
    return invalidArgument("bad format for add-host: \"" + spec + "\"");
  HostsEntry e;
  e.names.push_back(spec.substr(0, sep));
  e.ip = spec.substr(sep + 1);
  if (e.ip.size() > 2 && e.ip.front() == '[' && e.ip.back() == ']')
    e.ip = e.ip.substr(1, e.ip.size() - 2);
  if (e.ip == "host-gateway") {
    if (hostGateway.empty())
      return invalidArgument("unable to derive the IP value for host-gateway");
    e.ip = hostGateway;
  }
  if (!parseIpv4(e.ip) && e.ip.find(':') == std::string::npos)
    return invalidArgument("invalid IP address in add-host: \"" + e.ip + "\"");
  return e;
}

std::vector<std::string> resolvConfNameservers(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    auto f = fields(line);
    if (f.size() >= 2 && f[0] == "nameserver") out.push_back(f[1]);
  }
  return out;
}

std::string resolvConf(const std::string& hostText, const DnsOptions& dns, bool embeddedDns) {
  std::vector<std::string> servers, search, options, other;
  std::istringstream ss(hostText);
  std::string line;
  while (std::getline(ss, line)) {
    auto f = fields(line);
    if (f.empty() || f[0][0] == '#' || f[0][0] == ';') continue;
    if (f[0] == "nameserver" && f.size() >= 2) {
      if (!isLoopback(f[1])) servers.push_back(f[1]);
    } else if ((f[0] == "search" || f[0] == "domain") && f.size() >= 2) {
      search.assign(f.begin() + 1, f.end());
    } else if (f[0] == "options") {
      options.assign(f.begin() + 1, f.end());
    } else {
      other.push_back(line);
    }
  }
  if (!dns.servers.empty()) servers = dns.servers;
  if (!dns.search.empty()) search = dns.search;
  if (!dns.options.empty()) options = dns.options;
  if (servers.empty() && !embeddedDns) servers = {"8.8.8.8", "8.8.4.4"};
  if (embeddedDns) {
    // The container asks the embedded server; it forwards what it does not know to the
    // servers above (docker's "ExtServers").
    servers = {"127.0.0.11"};
    if (dns.options.empty()) {
      bool hasNdots = false;
      for (const auto& o : options) hasNdots = hasNdots || o.rfind("ndots:", 0) == 0;
      if (!hasNdots) options.insert(options.begin(), "ndots:0");
    }
  }
  std::string out;
  for (const auto& s : servers) out += "nameserver " + s + "\n";
  if (!search.empty() && !(search.size() == 1 && search[0] == ".")) {
    out += "search";
    for (const auto& s : search) out += " " + s;
    out += "\n";
  }
  if (!options.empty()) {
    out += "options";
    for (const auto& o : options) out += " " + o;
    out += "\n";
  }
  for (const auto& o : other) out += o + "\n";
  return out;
}

}  // namespace wharf::network
