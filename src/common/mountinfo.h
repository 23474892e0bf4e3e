#pragma once
// What is mounted, from /proc/self/mountinfo: the kernel's word, not a flag in a record that
// a daemon killed between mount(2) and its next write could not update.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf {

// The mount points listed in a mountinfo text (field 5, with the kernel's \ooo escapes of
// space, tab, newline and backslash undone).
std::set<std::string> parseMountPoints(std::string_view mountinfo);

// One line of mountinfo (proc(5)), the fields a reader of cgroup mounts needs; paths with the
// kernel's escapes undone.
struct MountInfoEntry {
  std::string root;                       // field 4: the mount's root inside its filesystem
  std::string mountPoint;                 // field 5
  std::string fsType;                     // after the " - " separator
  std::vector<std::string> superOptions;  // the last field, split at commas
};
// Every well-formed line of a mountinfo text; malformed lines are skipped.
std::vector<MountInfoEntry> parseMountInfo(std::string_view mountinfo);

// The mount points of this process's mount namespace.
Result<std::set<std::string>> mountPoints();

// Whether path (absolute, normalised) is a mount point now.
Result<bool> isMountPoint(const std::string& path);

}  // namespace wharf
