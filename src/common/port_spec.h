#pragma once
// docker's port notation, shared by the CLI (`-p`, `--expose`, `wharf port`, the PORTS column)
// and the daemon (HostConfig.PortBindings, Config.ExposedPorts): what go-connections' `nat`
// package is to docker. Pure string work, no sockets.
//
//   -p [ip:][hostPort:]containerPort[/proto]   ports and ranges: 80, 8080:80, 127.0.0.1::80,
//                                              8000-8010:80-90, 8000-8010:80 (one free host
//                                              port of the range), [::1]:80:80
//   port keys (ExposedPorts, PortBindings)     "80/tcp", "80-90/udp" ("80" means tcp)
//
// Errors carry nat.ParsePortSpec's words ("invalid containerPort: x", "invalid proto: x",
// "invalid ranges specified for container and host Ports: 80-90 and 8000").

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf {

struct PortBinding {
  std::string hostIp;    // "" or "0.0.0.0": every address
  std::string hostPort;  // "" or "0": any free port; "8080"; "8000-8010": one free port of it
  bool operator==(const PortBinding&) const = default;
};

// One container port (a key of PortBindings) with one binding.
struct PortMapping {
  std::string port;  // "80/tcp"
  PortBinding binding;
};

struct PortRange {
  int first = 0, last = 0;
};

// "80" or "80-90", each 0..65535, first <= last.
Result<PortRange> parsePortRange(std::string_view s);

// A port key: "80/tcp", "80" (tcp), "80-90/udp"; proto lower-cased, one of tcp, udp, sctp.
struct PortKey {
  PortRange range;
  std::string proto = "tcp";
  std::string toString() const;  // "80/tcp", "80-90/udp"
};
Result<PortKey> parsePortKey(std::string_view s);

// One `-p` value, expanded to one mapping per container port (nat.ParsePortSpec).
Result<std::vector<PortMapping>> parsePortSpec(std::string_view raw);

// One `--expose` value ("80", "80-90/udp"): the port keys it names, one per port.
Result<std::vector<std::string>> parseExpose(std::string_view raw);

// One entry of /containers/json's Ports (swagger: Port).
struct PortSummary {
  std::string ip;  // "" when exposed only
  int privatePort = 0;
  int publicPort = 0;  // 0 when exposed only
  std::string type;    // "tcp"
};

// The PORTS column of `docker ps` (the docker CLI's DisplayablePorts): sorted, consecutive
// ports with the same host port grouped ("0.0.0.0:8000-8002->8000-8002/tcp"), ports mapped to
// another host port listed after the groups ("0.0.0.0:8080->80/tcp").
std::string displayPorts(std::vector<PortSummary> ports);

// ip:port as Go's net.JoinHostPort writes it ("[::1]:80" for IPv6).
std::string joinHostPort(const std::string& ip, const std::string& port);

}  // namespace wharf
