// HostConfig's resource fields (Memory, NanoCpus, PidsLimit ...: moby swagger "Resources") in
// create bodies, inspect and POST /containers/{id}/update bodies (the route: containers.cpp).

#include "api/internal/container_json.h"
#include "common/json_read.h"

namespace wharf::api {

namespace {

using json::field;
using json::read;

// A nullable Go *int64 / *bool: null or absent leaves it unset.
Status readOpt(const Json& hc, std::string_view key, std::string_view path,
               std::optional<int64_t>& out) {
  if (!field(hc, key)) return okStatus();
  int64_t v = 0;
  WHARF_TRY(read(hc, key, path, v));
  out = v;
  return okStatus();
}

Status readOpt(const Json& hc, std::string_view key, std::string_view path,
               std::optional<bool>& out) {
  if (!field(hc, key)) return okStatus();
  bool v = false;
  WHARF_TRY(read(hc, key, path, v));
  out = v;
  return okStatus();
}

}  // namespace

Status readResourceFields(const Json& hc, std::string_view path, engine::ResourceLimits& r) {
  WHARF_TRY(read(hc, "Memory", path, r.memory));
  WHARF_TRY(read(hc, "MemorySwap", path, r.memorySwap));
  WHARF_TRY(read(hc, "MemoryReservation", path, r.memoryReservation));
  WHARF_TRY(readOpt(hc, "MemorySwappiness", path, r.memorySwappiness));
  WHARF_TRY(readOpt(hc, "OomKillDisable", path, r.oomKillDisable));
  WHARF_TRY(read(hc, "NanoCpus", path, r.nanoCpus));
  WHARF_TRY(read(hc, "CpuShares", path, r.cpuShares));
  WHARF_TRY(read(hc, "CpuPeriod", path, r.cpuPeriod));
  WHARF_TRY(read(hc, "CpuQuota", path, r.cpuQuota));
  WHARF_TRY(read(hc, "CpusetCpus", path, r.cpusetCpus));
  WHARF_TRY(read(hc, "CpusetMems", path, r.cpusetMems));
  WHARF_TRY(readOpt(hc, "PidsLimit", path, r.pidsLimit));
  // A Go uint16: anything else does not decode.
  uint64_t weight = 0;
  WHARF_TRY(read(hc, "BlkioWeight", path, weight));
  if (weight > 65535)
    return invalidArgument("invalid JSON: " + json::member(path, "BlkioWeight") +
                           ": the number does not fit a uint16");
  r.blkioWeight = static_cast<int>(weight);
  return okStatus();
}

void addResourceFields(const engine::ResourceLimits& r, Json& hc) {
  hc["Memory"] = r.memory;
  hc["MemorySwap"] = r.memorySwap;
  hc["MemoryReservation"] = r.memoryReservation;
  hc["MemorySwappiness"] = r.memorySwappiness ? Json(*r.memorySwappiness) : Json(nullptr);
  hc["OomKillDisable"] = r.oomKillDisable ? Json(*r.oomKillDisable) : Json(nullptr);
  hc["NanoCpus"] = r.nanoCpus;
  hc["CpuShares"] = r.cpuShares;
  hc["CpuPeriod"] = r.cpuPeriod;
  hc["CpuQuota"] = r.cpuQuota;
  hc["CpusetCpus"] = r.cpusetCpus;
  hc["CpusetMems"] = r.cpusetMems;
  hc["PidsLimit"] = r.pidsLimit ? Json(*r.pidsLimit) : Json(nullptr);
  hc["BlkioWeight"] = r.blkioWeight;
}

Result<engine::ContainerUpdate> updateFromBody(const Json& body) {
  if (!body.is_object()) return invalidArgument("invalid JSON: the body must be an object");
  engine::ContainerUpdate u;
  WHARF_TRY(readResourceFields(body, "", u.resources));
  WHARF_ASSIGN_OR_RETURN(const Json* rp, json::object(body, "RestartPolicy", ""));
  if (rp) {
    std::string name;
    WHARF_TRY(read(*rp, "Name", "RestartPolicy", name));
    WHARF_TRY(read(*rp, "MaximumRetryCount", "RestartPolicy", u.restartMaxRetries));
    if (!name.empty()) u.restartPolicy = name;
  }
  return u;
}

}  // namespace wharf::api
