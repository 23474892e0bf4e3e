#pragma once
// What Runtime::exec needs from a container's state.json, kept between execs by a long-lived
// caller (the shim runs every exec of its container in-process). Parsing the state file,
// its spec and preparing the seccomp program was half of the shim's time per exec.
//
// Reused only while it is provably the same file: the cache holds the file open, so its
// inode cannot be freed and handed to a newer state.json (writes replace the file by a
// rename, so a new content is a new inode), and the path must still name that inode with
// the same size and times. The status is never cached: exec computes it every time.

#include <sys/stat.h>

#include <optional>
#include <string>

#include "common/unique_fd.h"
#include "oci/runtime_spec.h"
#include "runtime/internal/state_file.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

struct ExecContext {
  std::string id;
  UniqueFd file;  // the state.json this was read from, held open (see above)
  struct stat identity {};
  PersistedState persisted;
  oci::Spec spec;
  std::optional<PreparedSeccomp> filter;

  // Whether `now` (a fresh stat of the path) is still the file this was read from.
  bool sameFile(const struct stat& now) const {
    return now.st_dev == identity.st_dev && now.st_ino == identity.st_ino &&
           now.st_size == identity.st_size && now.st_mtim.tv_sec == identity.st_mtim.tv_sec &&
           now.st_mtim.tv_nsec == identity.st_mtim.tv_nsec &&
           now.st_ctim.tv_sec == identity.st_ctim.tv_sec &&
           now.st_ctim.tv_nsec == identity.st_ctim.tv_nsec;
  }
};

}  // namespace wharf::runtime
