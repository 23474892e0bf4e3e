#include "runtime/internal/helpers.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/json.h"
#include "runtime/internal/process.h"

namespace wharf::runtime {

Status validateId(const std::string& id) {
  if (id.empty() || id.size() > 1024 || id == "." || id == "..")
    return invalidArgument("invalid container id \"" + id + "\"");
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' &&
        c != '+')
      return invalidArgument("invalid container id \"" + id + "\": use letters, digits, _ - . +");
  return okStatus();
}

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

Status writeIdMap(int pid, const char* file, const std::vector<oci::IdMapping>& maps) {
  std::string text;
  for (const auto& m : maps)
    text += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " +
            std::to_string(m.size) + "\n";
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), text.data(), text.size()) < 0) return sysError("write " + path);
  return okStatus();
}

Result<UniqueFd> makeUserns(const std::vector<oci::IdMapping>& uids,
                            const std::vector<oci::IdMapping>& gids) {
  int toChild[2], toParent[2];
  if (::pipe2(toChild, O_CLOEXEC) < 0) return sysError("pipe");
  UniqueFd childR(toChild[0]), childW(toChild[1]);
  if (::pipe2(toParent, O_CLOEXEC) < 0) return sysError("pipe");
  UniqueFd parentR(toParent[0]), parentW(toParent[1]);
  pid_t pid = ::fork();
  if (pid < 0) return sysError("fork");
  if (pid == 0) {
    // Our copies of the runtime's ends would keep the pipes open: EOF must mean it is done.
    ::close(childW.get());
    ::close(parentR.get());
    char c = 'x';
    if (::unshare(CLONE_NEWUSER) < 0) ::_exit(1);
    (void)!::write(parentW.get(), &c, 1);
    (void)!::read(childR.get(), &c, 1);  // until the runtime has what it needs
    ::_exit(0);
  }
  parentW.reset();
  childR.reset();
  auto reap = [&] {
    childW.reset();
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  };
  char c;
  if (::read(parentR.get(), &c, 1) != 1) {
    reap();
    return internalError("could not create a user namespace for the id mappings");
  }
  Status st = writeIdMap(pid, "uid_map", uids);
  if (st.ok() && !gids.empty()) st = writeIdMap(pid, "gid_map", gids);
  UniqueFd ns;
  if (st.ok()) {
    std::string path = "/proc/" + std::to_string(pid) + "/ns/user";
    ns.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) st = sysError("open " + path);
  }
  reap();
  if (!st.ok()) return std::move(st).error();
  return ns;
}

}  // namespace wharf::runtime
