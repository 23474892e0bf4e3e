#pragma once
// docker's legacy links (`--link name[:alias]`, HostConfig.Links; docs/networking.md "Links"),
// the engine's part; the pure part (parsing, environment, hosts lines) is network/links.h.
//  - At create (resolveLinks): on the default bridge each linked container must exist (docker's
//    `could not get container for X: No such container: X`) and not use the host's network;
//    the link is stored as inspect shows it, "/db:/web/alias". Links and --network host or
//    container:<x> conflict (docker's messages). On a user network links are names only:
//    stored as given, nothing checked (as dockerd).
//  - At start on the default bridge (linkedContainers): each linked container must be running
//    and on the default bridge (docker's `Cannot link to a non running container: /db AS
//    /web/alias`); the linking container gets its ALIAS_* variables and /etc/hosts lines.
//  - On a user network (linkAliases): alias -> name, answered by the embedded DNS server (and
//    written in /etc/hosts) for the linking container only.

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/backend.h"
#include "engine/container_resources.h"
#include "network/links.h"

namespace wharf::engine {

class ContainerNetworking;

Status resolveLinks(ContainerSpec& spec, const std::string& myName,
                    const ContainerResources::ContainerLookup& lookup);
Result<std::vector<network::LinkedContainer>> linkedContainers(
    const ContainerInfo& c, const ContainerResources::ContainerLookup& lookup,
    const ContainerNetworking& networking);
std::map<std::string, std::string> linkAliases(const ContainerSpec& spec);
// Adds the links' variables to `env` ("K=V"); the container's own values win, as docker's
// ReplaceOrAppendEnvValues does.
void addLinkEnv(std::vector<std::string>& env, const std::vector<network::LinkedContainer>& links);

}  // namespace wharf::engine
