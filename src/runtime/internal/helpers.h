#pragma once
// Small helpers shared by create (runtime.cpp) and exec (exec.cpp).

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

// "pid" -> CLONE_NEWPID ...; 0 if unknown.
int namespaceFlag(std::string_view type);

// A container id as runc accepts it (letters, digits, _ - . +; at most 1024 bytes).
Status validateId(const std::string& id);
// A connected unix stream socket (the console socket).
Result<UniqueFd> connectUnix(const std::string& path);
// SIGKILL and waitpid: undoes a half-made init or exec'd process.
void killAndReap(pid_t pid);
// Writes /proc/<pid>/<file> (uid_map or gid_map).
Status writeIdMap(int pid, const char* file, const std::vector<oci::IdMapping>& maps);
// A user namespace holding these mappings, for idmapped mounts (a short-lived helper process
// makes it; the fd keeps it alive).
Result<UniqueFd> makeUserns(const std::vector<oci::IdMapping>& uids,
                            const std::vector<oci::IdMapping>& gids);

// runc's protocol: the container process state (ContainerProcessState JSON) with the seccomp
// notify fd as SCM_RIGHTS, over a new connection to linux.seccomp.listenerPath.
Status sendToSeccompListener(const oci::Spec& spec, const std::string& id, pid_t pid,
                             const std::string& bundle, int notifyFd);

}  // namespace wharf::runtime
