#include "runtime/internal/helpers.h"

#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "common/json.h"
#include "runtime/internal/process.h"

namespace wharf::runtime {

int namespaceFlag(std::string_view type) {
  if (type == "pid") return CLONE_NEWPID;
  if (type == "network") return CLONE_NEWNET;
  if (type == "mount") return CLONE_NEWNS;
  if (type == "ipc") return CLONE_NEWIPC;
  if (type == "uts") return CLONE_NEWUTS;
  if (type == "user") return CLONE_NEWUSER;
  if (type == "cgroup") return CLONE_NEWCGROUP;
  if (type == "time") return CLONE_NEWTIME;
  return 0;
}

Result<UniqueFd> connectUnix(const std::string& path) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return sysError("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return invalidArgument("console socket path too long");
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return sysError("connect to console socket \"" + path + "\"");
  return s;
}

void killAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// runc's protocol: the container process state (specs.ContainerProcessState) as JSON, with
// the seccomp notify fd as SCM_RIGHTS, over a new connection to listenerPath.
Status sendToSeccompListener(const oci::Spec& spec, const std::string& id, pid_t pid,
                             const std::string& bundle, int notifyFd) {
  if (notifyFd < 0) return internalError("no seccomp notify fd from the container init");
  WHARF_ASSIGN_OR_RETURN(UniqueFd conn, connectUnix(spec.linux->seccomp->listenerPath));
  OrderedJson j;
  j["ociVersion"] = std::string(oci::kRuntimeSpecVersion);
  j["fds"] = {"seccompFd"};
  j["pid"] = pid;
  j["metadata"] = spec.linux->seccomp->listenerMetadata;
  j["state"] = {{"ociVersion", std::string(oci::kRuntimeSpecVersion)},
                {"id", id},
                {"status", "creating"},
                {"pid", pid},
                {"bundle", bundle},
                {"annotations", spec.annotations}};
  return sendFd(conn.get(), notifyFd, j.dump());
}

}  // namespace wharf::runtime
