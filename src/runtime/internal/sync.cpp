#include "runtime/internal/sync.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace wharf::runtime {

Status sendMessage(int fd, std::string_view msg) {
  if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) < 0) return sysError("sync send");
  return okStatus();
}

Result<std::string> recvMessage(int fd, UniqueFd* received) {
  char buf[8192];
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
  for (;;) {
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    ssize_t n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sysError("sync receive");
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof got);
      if (received)
        received->reset(got);
      else
        ::close(got);
    }
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
