#pragma once
// Small filesystem helpers that return Result instead of throwing.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::fs {

namespace stdfs = std::filesystem;

Result<std::string> readFile(const stdfs::path& path);
// The rest of an open file (from its current offset); `what` names it in errors.
Result<std::string> readFd(int fd, std::string_view what);
// Writes to "<path>.tmp-<random>", fsyncs if asked, then renames over path: readers see the
// old content or the new, never half of it.
Status writeFileAtomic(const stdfs::path& path, std::string_view data, unsigned mode = 0644,
                       bool sync = false);
Status mkdirAll(const stdfs::path& path, unsigned mode = 0755);
// Removes path and everything below it; a missing path is not an error.
Status removeAll(const stdfs::path& path);
bool exists(const stdfs::path& path);

}  // namespace wharf::fs
