// docker's credential helpers (cli/internal/credential_helper.h).

#include "cli/internal/credential_helper.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/json.h"
#include "common/unique_fd.h"

extern char** environ;

namespace wharf::cli {

namespace {

constexpr size_t kMaxHelperOutput = 64 << 10;

std::string trimmedOutput(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return std::string(s.substr(0, 512));
}

Status writeAllFd(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    // A helper that exits without reading its input: its status says what happened.
    if (n < 0) return errno == EPIPE ? okStatus() : sysError("write to the credential helper");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return okStatus();
}

}  // namespace

bool validHelperName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  return name != "." && name != "..";
}

Result<std::optional<HelperCredentials>> parseHelperGet(std::string_view helper, int exitStatus,
                                                        std::string_view output) {
  const std::string program = "docker-credential-" + std::string(helper);
  if (exitStatus != 0) {
    // docker-credential-helpers' ErrCredentialsNotFound, which docker treats as "none".
    if (output.find("credentials not found") != std::string_view::npos)
      return std::optional<HelperCredentials>();
    return unavailable("error getting credentials - err: " + program + " exited with status " +
                       std::to_string(exitStatus) + ", out: `" + trimmedOutput(output) + "`");
  }
  auto j = parseJson(output, program + " get");
  if (!j.ok() || !j->is_object())
    return invalidArgument("error getting credentials - " + program +
                           " printed something that is not a JSON object");
  auto str = [&](const char* k) -> std::string {
    auto it = j->find(k);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  HelperCredentials c{str("ServerURL"), str("Username"), str("Secret")};
  if (c.username.empty() && c.secret.empty()) return std::optional<HelperCredentials>();
  return std::optional<HelperCredentials>(std::move(c));
}

std::string helperStoreInput(const std::string& serverUrl, const std::string& username,
                             const std::string& secret) {
  return Json{{"ServerURL", serverUrl}, {"Username", username}, {"Secret", secret}}.dump();
}

Result<HelperRun> runCredentialHelper(const std::string& helper, const std::string& action,
                                      const std::string& input) {
  if (!validHelperName(helper))
    return invalidArgument("invalid credential helper name \"" + helper + "\"");
  const std::string program = "docker-credential-" + helper;
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return sysError("pipe");
  UniqueFd inRead(in[0]), inWrite(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) return sysError("pipe");
  UniqueFd outRead(out[0]), outWrite(out[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, inRead.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, outWrite.get(), 1);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>(action.c_str()),
                             nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return Error(ErrorCategory::kNotFound,
                 "error getting credentials - err: exec: \"" + program + "\": " +
                     (rc == ENOENT ? "executable file not found in $PATH" : std::strerror(rc)),
                 rc);
  inRead.reset();
  outWrite.reset();
  Status written = writeAllFd(inWrite.get(), input);
  inWrite.reset();
  HelperRun run;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(outRead.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (run.output.size() < kMaxHelperOutput)
      run.output.append(
          buf, std::min<size_t>(static_cast<size_t>(n), kMaxHelperOutput - run.output.size()));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!written.ok()) return written.error();
  run.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

Result<std::optional<HelperCredentials>> helperGet(const std::string& helper,
                                                   const std::string& serverUrl) {
  WHARF_ASSIGN_OR_RETURN(HelperRun r, runCredentialHelper(helper, "get", serverUrl));
  return parseHelperGet(helper, r.exitStatus, r.output);
}

Status helperStore(const std::string& helper, const std::string& serverUrl,
                   const std::string& username, const std::string& secret) {
  WHARF_ASSIGN_OR_RETURN(
      HelperRun r,
      runCredentialHelper(helper, "store", helperStoreInput(serverUrl, username, secret)));
  if (r.exitStatus != 0)
    return unavailable("error storing credentials - err: docker-credential-" + helper +
                       " exited with status " + std::to_string(r.exitStatus) + ", out: `" +
                       trimmedOutput(r.output) + "`");
  return okStatus();
}

Status helperErase(const std::string& helper, const std::string& serverUrl) {
  WHARF_ASSIGN_OR_RETURN(HelperRun r, runCredentialHelper(helper, "erase", serverUrl));
  if (r.exitStatus != 0 && r.output.find("credentials not found") == std::string::npos)
    return unavailable("error erasing credentials - err: docker-credential-" + helper +
                       " exited with status " + std::to_string(r.exitStatus) + ", out: `" +
                       trimmedOutput(r.output) + "`");
  return okStatus();
}

}  // namespace wharf::cli
