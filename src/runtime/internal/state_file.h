#pragma once
// <root>/<id>/state.json: what later commands need to find the container again.
//   {"ociVersion","id","pid","pidStartTime","bundle","rootfs","created","owner",
//    "annotations":{},"cgroupV2":false,"cgroupDirs":[...],"config":{<the spec>}}
// Written once at create (atomically); pidStartTime guards against pid reuse.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/runtime_spec.h"
#include "runtime/runtime.h"

namespace wharf::runtime {

struct PersistedState {
  State state;  // status is not stored: it is computed from the process and the fifo
  uint64_t pidStartTime = 0;
  bool cgroupV2 = false;
  std::vector<std::string> cgroupDirs;
  // The spec: serialized when writing; kept as JSON when reading and parsed only by the
  // commands that need it (exec), so state/start/delete stay cheap.
  std::string configText;
  Result<oci::Spec> config() const { return oci::parseSpec(configText); }
};

Status writeStateFile(const std::filesystem::path& dir, const PersistedState& st);
Result<PersistedState> readStateFile(const std::filesystem::path& dir, const std::string& id);
// The file's text, already read.
Result<PersistedState> parseStateFile(std::string_view text, const std::string& id);

// Field 22 of /proc/<pid>/stat, and whether the process is alive (exists, not a zombie).
struct ProcInfo {
  bool alive = false;
  uint64_t startTime = 0;
};
ProcInfo procInfo(int pid);

}  // namespace wharf::runtime
