#pragma once
// The init <-> runtime protocol over a SOCK_SEQPACKET pair, one message per packet:
//   init -> runtime  "R"                        ready: blocked on the exec fifo
//                    "U"                        in its new user namespace: write the id maps
//                    "E<category>:<errno>:<msg>" setup failed; the init then exits
//   runtime -> init  "G"                        go on (after the id maps are written)

#include <string>

#include "common/error.h"

namespace wharf::runtime {

Status sendMessage(int fd, std::string_view msg);
Result<std::string> recvMessage(int fd);  // "" when the peer closed without a word
std::string encodeError(const Error& e);
Error decodeError(std::string_view msg);

}  // namespace wharf::runtime
