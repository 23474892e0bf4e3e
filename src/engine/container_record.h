#pragma once
// The engine's record of one container, kept as ContainerRow.json in the metadata DB (the
// store treats it as opaque). Everything a restarted daemon needs is here: what the container
// was created with, its state, and how to find its shim again.
//
// JSON, version 1:
//   {"v":1, "id", "name", "imageRef", "imageId", "created", "createdUnix", "path":[...],
//    "spec":{...ContainerSpec..., "resources":{memory, memorySwap, nanoCpus, pidsLimit ...}
//            (engine/resource_limits.h; only the limits that are set)}, "state":{status, pid,
//            exitCode, oomKilled, error, startedAt,
//    finishedAt}, "logPath", "rootfs", "upperDir", "workDir", "lowerDirs":[...],
//    "hostnamePath", "hostsPath", "resolvConfPath", "restartCount",
//    "mountPoints":[...] (engine/volume_record.h), "shimPid", "bundle", "exitFile", "mounted",
//    "manuallyStopped", "starting", "oomKillsReported" (optional)}
//   "starting" is written (with "mounted") before the shim is spawned: a daemon that dies
//   before the shim answers finds it again at restore by its command line (--id <id>).

#include <string>
#include <string_view>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::engine {

struct ContainerRecord {
  ContainerInfo info;
  int shimPid = 0;     // the running shim, 0 when none
  std::string bundle;  // <exec-root>/containers/<id>: config.json, exit file
  std::string exitFile;
  bool mounted = false;  // the overlay is mounted at info.rootfsPath
  // Stopped or killed by a user: no restart by policy (docker's HasBeenManuallyStopped).
  bool manuallyStopped = false;
  // A shim was (or was about to be) spawned and has not answered yet.
  bool starting = false;
  // OOM kills of this run already published as "oom" events (the shim's count).
  uint64_t oomKillsReported = 0;
};

std::string recordToJson(const ContainerRecord& r);
Result<ContainerRecord> recordFromJson(std::string_view json);

// "created" -> kCreated ...; InvalidArgument for an unknown word.
Result<ContainerStatus> parseStatus(std::string_view s);

}  // namespace wharf::engine
