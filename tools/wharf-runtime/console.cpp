#include "console.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "common/random.h"

namespace wharf::runtime_cli {

ConsoleListener::~ConsoleListener() {
  if (!path.empty()) ::unlink(path.c_str());
}

Result<std::unique_ptr<ConsoleListener>> listenConsole(const std::string& dir) {
  auto l = std::make_unique<ConsoleListener>();
  l->path = dir + "/console-" + randomHex(8) + ".sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (l->path.size() >= sizeof addr.sun_path)
    return invalidArgument("console socket path too long");
  std::memcpy(addr.sun_path, l->path.data(), l->path.size());
  l->fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!l->fd) return sysError("socket");
  if (::bind(l->fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return sysError("bind \"" + l->path + "\"");
  if (::listen(l->fd.get(), 1) < 0) return sysError("listen");
  return l;
}

Result<UniqueFd> receiveMaster(ConsoleListener& l) {
  UniqueFd conn(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn) return sysError("accept the console connection");
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  if (::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC) <= 0) return sysError("receive the pty master");
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return internalError("no pty master received");
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

void proxyTerminal(int master) {
  termios saved{};
  bool raw = ::isatty(0) && ::tcgetattr(0, &saved) == 0;
  if (raw) {
    termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(0, TCSANOW, &t);
    winsize ws{};
    if (::ioctl(0, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
  }
  char buf[8192];
  bool stdinOpen = true;
  for (;;) {
    pollfd fds[2] = {{master, POLLIN, 0}, {0, static_cast<short>(stdinOpen ? POLLIN : 0), 0}};
    if (::poll(fds, stdinOpen ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO: the container's side is closed
      (void)!::write(1, buf, static_cast<size_t>(n));
    }
    if (stdinOpen && (fds[1].revents & (POLLIN | POLLHUP))) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n <= 0)
        stdinOpen = false;
      else
        (void)!::write(master, buf, static_cast<size_t>(n));
    }
  }
  if (raw) ::tcsetattr(0, TCSANOW, &saved);
}

}  // namespace wharf::runtime_cli
