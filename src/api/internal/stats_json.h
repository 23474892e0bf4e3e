#pragma once
// docker's ContainerStatsResponse (moby's api/types/container/stats.go) from an engine stats
// report. Internal to src/api; exposed for tests.

#include <string>

#include "common/json.h"
#include "engine/backend.h"

namespace wharf::api {

inline constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

// cpu_stats (and precpu_stats) of a sample; the zero CPUStats without one.
Json cpuStatsJson(const shim::StatsSample* s);
// The whole object: `precpu` and `preread` are the previous sample's cpu_stats and read time
// (the zero values for the first). A report without a sample gives docker's answer for a
// container that is not running: name and id, everything else zero.
Json statsJson(const engine::ContainerStatsReport& r, const Json& precpu,
               const std::string& preread);

}  // namespace wharf::api
