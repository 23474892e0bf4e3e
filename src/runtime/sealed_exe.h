#pragma once
// Every wharf binary that puts a process into a container (wharf-runtime for create, run and
// exec; wharf-shim, which creates containers and execs into them in-process) first re-executes
// itself from a copy of its own executable that nobody can write (CVE-2019-5736): a process
// forked to enter a container carries our executable as /proc/<pid>/exe, and a container that
// opens that link must reach a read-only file, never the host's binary.
//
// Two ways, the cheap one first (runc 1.2 does the same):
//   1. a private, read-only overlayfs made with fsopen/fsmount and attached nowhere: its lower
//      layers are the directory of our executable and an empty detached tmpfs (overlayfs wants
//      two layers when it has no upper one). The kernel refuses writes on it (EROFS), the page
//      cache of the original file is shared, and it costs a few syscalls and no memory;
//   2. a sealed memfd copy (F_SEAL_WRITE|SHRINK|GROW|SEAL) when overlayfs is unavailable.
// Then execveat(fd, "", AT_EMPTY_PATH). The environment variable kSealedExeEnv marks the
// re-executed process; it is removed before anything else runs, and the process checks that
// its executable really is protected (fail closed: an unprotected exe is an error).

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::runtime {

inline constexpr const char* kSealedExeEnv = "_WHARF_SEALED_EXE";

// True when /proc/self/exe is a sealed memfd or a file on a read-only overlayfs.
bool selfExeIsProtected();

// A read-only copy of the executable at `path` (an overlay view, else a sealed memfd), for a
// process that spawns a wharf binary many times (the daemon and its shims): exec'ing
// "/proc/self/fd/N" of it starts the binary already protected, without its own re-exec.
Result<UniqueFd> openReadOnlyCopy(const std::string& path);

// Returns ok when we already run from a protected copy; otherwise re-executes from one and
// does not return, or returns the error that prevented it. argv/envp as main() got them.
Status ensureSealedExe(char** argv);

}  // namespace wharf::runtime
