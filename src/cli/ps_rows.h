#pragma once
// The rows `wharf ps` and `wharf images` format: one JSON object per line, its fields named as
// docker's --format fields ({{.ID}}, {{.RunningFor}}, {{.Repository}}...), all strings.

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"

namespace wharf::cli {

// c is one element of GET /containers/json; trunc is the opposite of --no-trunc; now is the
// current unix time (for RunningFor).
Json psRow(const Json& c, bool trunc, int64_t now);
Json psHeader();

// One row per repo:tag of an element of GET /images/json ("<none>" when it has none).
std::vector<Json> imageRows(const Json& image, bool trunc, int64_t now);
Json imagesHeader();

// `wharf stats` (container_stats.cpp): one row of a ContainerStatsResponse, computed as the
// docker CLI does; container is what the user named (the id when listing).
Json statsRow(const Json& stats, const std::string& container, bool trunc);
Json statsHeader();

}  // namespace wharf::cli
