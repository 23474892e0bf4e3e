#pragma once
// Disk usage of a directory tree, as docker measures it (moby's pkg/directory.Size): the sum
// of the apparent sizes (st_size) of everything that is not a directory, each inode counted
// once (hard links), symlinks never followed. Used for snapshots, containers' rw layers and
// volumes. It walks the whole tree: callers run it off the API loop.

#include <cstdint>
#include <filesystem>

#include "common/error.h"

namespace wharf::store {

// NotFound when `dir` does not exist. Entries that vanish or cannot be read while the walk
// runs are skipped (a running container changes its rw layer under us).
Result<int64_t> directorySize(const std::filesystem::path& dir);

}  // namespace wharf::store
