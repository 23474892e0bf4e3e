#pragma once
// Container resource limits (HostConfig.Memory, NanoCpus, PidsLimit ...): what the host can
// limit, docker's checks at create and update (moby daemon/daemon_unix.go
// verifyPlatformContainerResources, container/container_unix.go UpdateContainer), and docker's
// mapping to the OCI spec's linux.resources (daemon/oci_linux.go, daemon/update_linux.go).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "engine/backend.h"
#include "oci/runtime_spec.h"

namespace wharf::engine {

// What the host's cgroups can limit (moby's pkg/sysinfo), read from the cgroup mount.
struct HostResources {
  bool v2 = false;
  bool memoryLimit = false, swapLimit = false, memoryReservation = false, memorySwappiness = false,
       oomKillDisable = false;
  bool cpuCfs = false, cpuShares = false, cpuset = false, pidsLimit = false, blkioWeight = false;
  int ncpu = 1;
  std::string cpus = "0", mems = "0";  // the cpuset the containers may use ("0-3")

  // Reads `mountRoot` (v1: one dir per controller; v2: cgroup.controllers at the root).
  static HostResources detect(const std::string& mountRoot = "/sys/fs/cgroup");
  // detect() of /sys/fs/cgroup, once per process (the mounts do not change under a daemon).
  static const HostResources& current();
  // docker's /info warnings for what is missing ("WARNING: No swap limit support").
  std::vector<std::string> warnings() const;
};

inline constexpr int64_t kMinMemory = int64_t{6} << 20;  // moby's linuxMinMemory

// docker's checks and adjustments, in its order and words. Unsupported limits are dropped
// with a warning (as dockerd does), invalid ones are InvalidArgument. `update`: the values of
// a `docker update` (MemorySwap without Memory allowed). At create (not update) docker's
// defaults are filled in first: MemorySwap 2x Memory, PidsLimit <= 0 and swappiness -1 unset.
Status checkResources(ResourceLimits& r, const HostResources& host, bool update,
                      std::vector<std::string>* warnings);

// Merges a `docker update` into the container's current limits (set fields replace), with
// docker's conflicts ("Conflicting options: Nano CPUs cannot be updated as CPU Period has
// already been set", the memory/memoryswap rule). InvalidArgument on conflict.
Result<ResourceLimits> mergeUpdate(const ResourceLimits& current, const ResourceLimits& update);

// linux.resources for these limits (devices untouched): NanoCpus as quota over a 100 ms
// period, MemorySwap only when > 0, PidsLimit <= 0 as -1 (unlimited). nullopt parts when
// nothing of them is set.
void applyToOci(const ResourceLimits& r, oci::Resources& out);
// The same for a live update: every part present, so that a limit can also be raised.
oci::Resources updateResources(const ResourceLimits& r);

// "0-3,5" -> its numbers (moby's parsers.ParseUintList), bounded: at most 1024 characters and
// numbers below 8192. InvalidArgument "invalid format: <s>".
Result<std::vector<int>> parseCpuList(std::string_view s);

// The container record's "resources" member (only set fields are written).
Json resourcesToJson(const ResourceLimits& r);
ResourceLimits resourcesFromJson(const Json& j);

}  // namespace wharf::engine
