#include "runtime/internal/sync.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>

namespace wharf::runtime {

Status sendMessage(int fd, std::string_view msg) {
  if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) < 0) return sysError("sync send");
  return okStatus();
}

Result<std::string> recvMessage(int fd) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("sync receive");
    return std::string(buf, static_cast<size_t>(n));
  }
}

std::string encodeError(const Error& e) {
  return "E" + std::to_string(static_cast<int>(e.category())) + ":" + std::to_string(e.sysErrno()) +
         ":" + e.rawMessage();
}

Error decodeError(std::string_view msg) {
  std::string s(msg.substr(1));
  auto a = s.find(':'), b = s.find(':', a + 1);
  if (a == std::string::npos || b == std::string::npos) return internalError("init: " + s);
  int cat = std::atoi(s.substr(0, a).c_str());
  int err = std::atoi(s.substr(a + 1, b - a - 1).c_str());
  return Error(static_cast<ErrorCategory>(cat), s.substr(b + 1), err);
}

}  // namespace wharf::runtime
