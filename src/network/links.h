#pragma once
// docker's legacy links (`--link name[:alias]`), the pure part (docs/networking.md, "Links"):
//  - parseLink: opts.ParseLink ("name", "name:alias", and the stored "/name:/me/alias");
//  - linkEnv: links.Link.ToEnv, the variables a container linked to `child` gets on the
//    default bridge (ALIAS_PORT, ALIAS_PORT_80_TCP*, ranges' _START/_END, ALIAS_NAME,
//    ALIAS_ENV_*), in docker's order;
//  - linkHostsEntries: the /etc/hosts lines ("<ip>\t<alias> <hostname> <name>").

#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "network/etc_files.h"

namespace wharf::network {

// {name, alias}: "db" -> {db, db}; "db:d" -> {db, d}; "/db:/web/d" -> {db, d}. docker's
// errors: `empty string specified for links`, `bad format for links: X`.
Result<std::pair<std::string, std::string>> parseLink(const std::string& spec);

struct LinkedContainer {
  std::string alias;                      // as the linking container calls it
  std::string parentName;                 // the linking container's name, without '/'
  std::string name;                       // the linked container's name, without '/'
  std::string hostname;                   // its Config.Hostname
  std::string ip, ip6;                    // its addresses on the default bridge ("" when none)
  std::vector<std::string> env;           // its Config.Env ("K=V")
  std::vector<std::string> exposedPorts;  // its Config.ExposedPorts ("80/tcp")
};

std::vector<std::string> linkEnv(const LinkedContainer& child);
std::vector<HostsEntry> linkHostsEntries(const LinkedContainer& child);

}  // namespace wharf::network
