#include "runtime/internal/hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "common/unique_fd.h"

namespace wharf::runtime {

Status runHook(const oci::Hook& hook, const std::string& stateJson) {
  // A socketpair rather than a pipe: MSG_NOSIGNAL spares us SIGPIPE from a hook that does
  // not read its stdin, without touching the process's signal dispositions.
  int p[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) return sysError("socketpair");
  UniqueFd rd(p[0]), wr(p[1]);
  std::vector<std::string> args =
      hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = hook.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return sysError("fork hook");
  if (pid == 0) {
    ::dup2(rd.get(), 0);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  rd.reset();
  (void)!::send(wr.get(), stateJson.data(), stateJson.size(), MSG_NOSIGNAL);
  wr.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(hook.timeout.value_or(0));
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, hook.timeout ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return sysError("wait for hook " + hook.path);
    if (hook.timeout && std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return Error(ErrorCategory::kUnavailable,
                   "hook " + hook.path + " timed out after " + std::to_string(*hook.timeout) + "s");
    }
    if (r == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return okStatus();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return internalError("hook " + hook.path + " could not be executed (or exited 127)");
  return internalError("hook " + hook.path + " failed: " +
                       (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status))));
}

Status runHooks(const std::vector<oci::Hook>& hooks, const std::string& stateJson,
                const char* kind) {
  for (size_t i = 0; i < hooks.size(); ++i)
    WHARF_TRY_CTX(runHook(hooks[i], stateJson),
                  std::string("hooks.") + kind + "[" + std::to_string(i) + "]");
  return okStatus();
}

void runHooksWarnOnly(const std::vector<oci::Hook>& hooks, const std::string& stateJson,
                      const char* kind, const std::string& id) {
  for (size_t i = 0; i < hooks.size(); ++i)
    if (auto st = runHook(hooks[i], stateJson); !st.ok())
      log::warn("container {}: hooks.{}[{}]: {}", id, kind, i, st.error().message());
}

Result<std::string> runCreateRuntimeHooks(const oci::Hooks& hooks, State base) {
  base.ociVersion = std::string(oci::kRuntimeSpecVersion);
  base.status = "created";
  WHARF_TRY(runHooks(hooks.prestart, stateToJson(base), "prestart"));
  base.status = "creating";
  std::string creating = stateToJson(base);
  WHARF_TRY(runHooks(hooks.createRuntime, creating, "createRuntime"));
  return creating;
}

}  // namespace wharf::runtime
