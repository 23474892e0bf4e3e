#pragma once
// Per-process setup shared by the container's init and exec'd processes: rlimits, user and
// capabilities, the executable lookup, the terminal, the final execve.

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

// What a process entering the container execs (the init, or an exec'd process): program and
// environment, settled during setup while the container's /etc/passwd can still be read for
// HOME (a seccomp profile may forbid open once loaded).
struct ExecTarget {
  std::string exe;
  std::vector<std::string> env;
};

struct CapMasks {
  uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
};
// Capability names (already validated by the parser) to bit masks.
CapMasks capabilityMasks(const oci::Capabilities& caps);

// setrlimit for each; a hard limit above the current one is an error that says so.
Status applyRlimits(const std::vector<oci::Rlimit>& rlimits);
// Drops the bounding set, switches to user.uid/gid/additionalGids, sets the other sets.
// setgroupsAllowed is false in a user namespace whose setgroups is "deny".
Status applyUserAndCapabilities(const oci::Process& process, bool setgroupsAllowed);

// The executable args[0] names, looked up in env's PATH unless it contains '/'. Errors are
// docker's: NotFound `exec: "x": executable file not found in $PATH`, Forbidden
// `exec: "x": permission denied`.
Result<std::string> lookPath(const std::string& arg0, const std::vector<std::string>& env);

// dup2s the given fds to 0/1/2 (-1 leaves that one alone).
Status setupStdio(int in, int out, int err);
// Brings the loopback interface of the current network namespace up.
Status loopbackUp();
// Only namespaced sysctls may be set (runc's rule), or a container would change the host:
// net.* with its own network namespace, kernel.msg*/sem/shm*/fs.mqueue.* with its own IPC
// namespace, kernel.hostname/domainname with its own UTS namespace.
Status validateSysctl(const std::string& key, bool netNs, bool ipcNs, bool utsNs);
// Writes <procfs>/sys/<key with dots as slashes> through the runtime's procfs (procfs.h).
Status applySysctl(int procFd, const std::map<std::string, std::string>& sysctl);
// <procfs>/self/oom_score_adj; called before entering a user namespace (the file belongs to
// the host's root while the process is not dumpable).
Status applyOomScoreAdj(int procFd, int adj);
// apparmorProfile / selinuxLabel through <procfs>/self/attr (refused with a clear error where
// the LSM is absent); called before entering the container's namespaces, for the same reason.
Status applyLsmLabels(int procFd, const oci::Process& process);

// ioPriority, scheduler; and linux.personality when given.
Status applyProcessAttributes(const oci::Process& process, const oci::Personality* personality);

// Closes every inherited fd above 2 + preserveFds and execs; returns only on failure.
Error execProcess(const std::string& path, const std::vector<std::string>& args,
                  const std::vector<std::string>& env, int preserveFds = 0);

class Seccomp;
struct PreparedSeccomp;
// Loads the filter; with SCMP_ACT_NOTIFY sends the listener fd to the runtime over syncFd
// (message "S"), which passes it on to linux.seccomp.listenerPath.
Status loadSeccompFilter(Seccomp& filter, int syncFd);
// The prepared form (raw BPF, or a libseccomp context when it uses notify).
Status loadSeccompFilter(PreparedSeccomp& filter, int syncFd);

// Sends a file descriptor over a unix socket, with a payload (one byte "T" by default).
Status sendFd(int sock, int fd, std::string_view payload = "T");

}  // namespace wharf::runtime
