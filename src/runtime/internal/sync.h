#pragma once
// The init <-> runtime protocol over a SOCK_SEQPACKET pair, one message per packet:
//   init -> runtime  "S" + fd                  the seccomp notify fd, for
//   linux.seccomp.listenerPath
//                    "R"                        ready: blocked on the exec fifo
//                    "U"                        in its new user namespace: write the id maps
//                    "E<category>:<errno>:<msg>" setup failed; the init then exits
//   runtime -> init  "G"                        go on (after the id maps are written)

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::runtime {

Status sendMessage(int fd, std::string_view msg);
// "" when the peer closed without a word; a file descriptor sent along (SCM_RIGHTS) goes to
// *received when given (and is closed otherwise).
Result<std::string> recvMessage(int fd, UniqueFd* received = nullptr);
std::string encodeError(const Error& e);
Error decodeError(std::string_view msg);

}  // namespace wharf::runtime
