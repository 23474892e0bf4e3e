#pragma once
// HOME for the container's process, as runc sets it: when process.env has no HOME, the home
// directory of process.user.uid in the container's /etc/passwd, or "/" when there is none.
// dockerd and the images people run rely on it (`docker run busybox env` shows HOME=/root).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::runtime {

// The home field of the first passwd(5) line whose uid field is `uid`; "/" when no line
// matches or the field is empty. Malformed lines are skipped.
std::string homeFromPasswd(std::string_view passwd, uint32_t uid);

// `env` unchanged when it has a HOME entry; else `env` plus HOME=<home of uid>, read from
// `passwdPath` (resolved in the caller's root: call it inside the container). A passwd file
// that is missing, unreadable, not a regular file or larger than 4 MiB counts as empty.
std::vector<std::string> withHomeEnv(std::vector<std::string> env, uint32_t uid,
                                     const char* passwdPath = "/etc/passwd");

}  // namespace wharf::runtime
