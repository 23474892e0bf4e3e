#include "network/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <thread>

namespace wharf::network {

Status createNetns(const std::string& path) {
  {
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
    if (!f) return sysError("create " + path);
  }
  // unshare() moves only the calling thread: do it on a thread of its own that ends right
  // after binding its new namespace, so no daemon thread changes namespace.
  Status st = internalError("netns thread did not run");
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      st = sysError("create a network namespace");
      return;
    }
    std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    if (::mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      st = sysError("bind-mount the network namespace on " + path);
      return;
    }
    st = okStatus();
  });
  t.join();
  if (!st.ok()) ::unlink(path.c_str());
  return st;
}

Status removeNetns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return sysError("unmount " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sysError("remove " + path);
  return okStatus();
}

Result<UniqueFd> openNetns(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sysError("open network namespace " + path);
  return fd;
}

bool isNetnsMount(const std::string& path) {
  struct statfs sf {};
  return ::statfs(path.c_str(), &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

Status enableIpv6In(int netnsFd, const std::string& ifname) {
  Status st = internalError("netns thread did not run");
  std::thread t([&] {
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
      st = sysError("enter the container's network namespace");
      return;
    }
    for (const std::string& conf : {std::string("all"), std::string("default"), ifname}) {
      std::string path = "/proc/sys/net/ipv6/conf/" + conf + "/disable_ipv6";
      UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
      if (!fd) {
        st = sysError("open " + path);
        return;
      }
      char cur = 0;
      if (::read(fd.get(), &cur, 1) == 1 && cur == '0') continue;
      if (::pwrite(fd.get(), "0", 1, 0) != 1) {
        st = sysError("write " + path);
        return;
      }
    }
    st = okStatus();
  });
  t.join();
  return st;
}

}  // namespace wharf::network
