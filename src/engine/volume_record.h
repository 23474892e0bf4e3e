#pragma once
// The volume part of a container's record (engine/container_record.h): the mount requests of
// its spec and the mount points resolved at create, as JSON. Kept apart so the record's other
// fields and these evolve separately.
//
//   spec: "binds":[...], "mounts":[{MountRequest}], "tmpfs":{path:opts}, "volumesFrom":[...],
//         "volumes":[...]
//   record: "mountPoints":[{"type","name","source","destination","driver","mode","rw",
//         "propagation","copyData","anonymous","chown","createSource","nonRecursive",
//         "tmpfsOptions"}]

#include <vector>

#include "common/json.h"
#include "engine/backend.h"

namespace wharf::engine {

void volumeSpecToJson(const ContainerSpec& s, Json& j);
void volumeSpecFromJson(const Json& j, ContainerSpec& s);  // throws Json::exception on bad types
Json mountPointsToJson(const std::vector<volume::MountPoint>& mps);
std::vector<volume::MountPoint> mountPointsFromJson(const Json& j);  // throws likewise

}  // namespace wharf::engine
