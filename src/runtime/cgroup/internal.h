#pragma once
// Private to runtime/cgroup: the backend factories and shared parsing.

#include <memory>
#include <string>
#include <vector>

#include "runtime/cgroup/cgroup_manager.h"

namespace wharf::runtime {

// Cgroup files take decimal text.
inline std::string num(int64_t v) { return std::to_string(v); }
inline std::string unum(uint64_t v) { return std::to_string(v); }

std::unique_ptr<CgroupManager> makeV1Manager(const CgroupLayout& layout,
                                             std::vector<std::string> dirs);
std::unique_ptr<CgroupManager> makeV2Manager(const CgroupLayout& layout,
                                             std::vector<std::string> dirs);
Result<std::vector<int>> parsePids(const std::string& text);

// The devices every container may use whatever its spec says (runc's AllowedDevices), as
// v1 devices.allow lines: "c 1:3 rwm" ...
const std::vector<std::string>& defaultAllowedDevices();
// One v1 devices.allow/deny line for a rule: "c 1:3 rwm", "a *:* rwm".
std::string deviceRuleLine(const oci::DeviceCgroup& rule);
// The reverse, for the default lines: "c 136:* rwm" -> an allow rule.
oci::DeviceCgroup parseDeviceRuleLine(const std::string& line);

}  // namespace wharf::runtime
