#include "runtime/internal/terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "common/unique_fd.h"
#include "runtime/internal/path_in_root.h"
#include "runtime/internal/process.h"

namespace wharf::runtime {

namespace {

// Bind-mounts the slave on /dev/console; the mount is named through our procfs (cwd).
Status makeDevConsole(int slave, int rootFd, int procFd) {
  ResolveOptions ro;
  ro.create = Create::kFile;
  ro.fileMode = 0666;
  ro.noFollowLast = true;
  auto console = resolveInRoot(rootFd, "/dev/console", ro);
  if (!console.ok()) return std::move(console).error().context("create /dev/console");
  if (console->type != S_IFREG && console->type != S_IFCHR)
    return invalidArgument("/dev/console in the container is not a file: refusing to mount on it");
  if (::fchdir(procFd) < 0) return sysError("enter the runtime's procfs");
  int rc =
      ::mount(fdPath(slave).c_str(), fdPath(console->fd.get()).c_str(), nullptr, MS_BIND, nullptr);
  int err = errno;
  if (::fchdir(rootFd) < 0) return sysError("return to the container's root");
  if (rc < 0) return sysError("bind the terminal on /dev/console", err);
  return okStatus();
}

}  // namespace

Status setupTerminal(int consoleFd, const oci::Process& p, int rootFd, int procFd,
                     bool makeConsole) {
  auto ptmx = resolveInRoot(rootFd, "/dev/ptmx");
  if (!ptmx.ok()) return std::move(ptmx).error().context("open /dev/ptmx in the container");
  struct stat st;
  if (::fstat(ptmx->fd.get(), &st) < 0) return sysError("stat /dev/ptmx");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))
    return invalidArgument("/dev/ptmx in the container is not the ptmx device (5:2)");
  UniqueFd master(::openat(procFd, fdPath(ptmx->fd.get()).c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return sysError("open /dev/ptmx");
  if (::unlockpt(master.get()) < 0) return sysError("unlockpt");
  // The slave straight from the master (no path to look up in a directory the container owns).
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return sysError("open the pty's slave");
  if (::fchown(slave.get(), p.user.uid, static_cast<gid_t>(-1)) < 0)
    return sysError("chown the pty's slave");
  if (p.consoleSize) {
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(p.consoleSize->height);
    ws.ws_col = static_cast<unsigned short>(p.consoleSize->width);
    ::ioctl(slave.get(), TIOCSWINSZ, &ws);
  }
  if (makeConsole) WHARF_TRY(makeDevConsole(slave.get(), rootFd, procFd));
  WHARF_TRY(sendFd(consoleFd, master.get()));
  master.reset();
  if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) return sysError("set the controlling terminal");
  for (int i = 0; i < 3; ++i)
    if (::dup2(slave.get(), i) < 0) return sysError("dup2 the terminal");
  return okStatus();
}

}  // namespace wharf::runtime
