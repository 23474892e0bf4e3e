#pragma once
// `wharf run` / `create` networks, as the docker CLI 28 turns them into a create body
// (cli/command/container/opts.go parseNetworkOpts, opts/network.go): `--network` repeated
// (`--network a --network b`: the container joins both; the first is HostConfig.NetworkMode),
// in the short form (a name or id, bridge, host, none, container:<x>) or docker's long one
// (`name=a,alias=web,ip=172.20.0.5,mac-address=02:42:ac:14:00:05`); `--ip`, `--network-alias`
// and `--mac-address` apply to the first network.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace wharf::cli {

struct NetworkAttachmentOpt {
  std::string target;
  std::vector<std::string> aliases;
  std::string ipv4, mac;
  std::string ipv6;  // ip6= (the first network only: the daemon refuses it on the others)
};

// One `--network` value. docker's errors: `invalid field x`, `invalid field key x`,
// `network name/id is not specified`; keys docker knows and wharf does not apply yet
// (link-local-ip, driver-opt, gw-priority) are refused rather than ignored.
Result<NetworkAttachmentOpt> parseNetworkOpt(std::string_view value);

// Sets host["NetworkMode"] and body["NetworkingConfig"] from the flags.
Status addNetworkFields(const std::vector<std::string>& networks, const std::string& ip,
                        const std::string& ip6, const std::vector<std::string>& aliases,
                        const std::string& mac, Json& host, Json& body);

}  // namespace wharf::cli
