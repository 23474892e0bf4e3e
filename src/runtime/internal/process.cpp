#include "runtime/internal/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>

#include "common/unique_fd.h"
#include "runtime/internal/procfs.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {

namespace {

uint64_t maskOf(const std::vector<std::string>& names) {
  uint64_t m = 0;
  for (const auto& n : names) {
    int c = oci::capabilityNumber(n);
    if (c >= 0) m |= uint64_t{1} << c;
  }
  return m;
}

Status capget(CapMasks& out) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &hdr, data) < 0) return sysError("capget");
  out.effective = data[0].effective | (uint64_t{data[1].effective} << 32);
  out.permitted = data[0].permitted | (uint64_t{data[1].permitted} << 32);
  out.inheritable = data[0].inheritable | (uint64_t{data[1].inheritable} << 32);
  return okStatus();
}

Status capset(const CapMasks& m) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  data[0].effective = static_cast<uint32_t>(m.effective);
  data[1].effective = static_cast<uint32_t>(m.effective >> 32);
  data[0].permitted = static_cast<uint32_t>(m.permitted);
  data[1].permitted = static_cast<uint32_t>(m.permitted >> 32);
  data[0].inheritable = static_cast<uint32_t>(m.inheritable);
  data[1].inheritable = static_cast<uint32_t>(m.inheritable >> 32);
  if (::syscall(SYS_capset, &hdr, data) < 0) return sysError("capset");
  return okStatus();
}

std::string envValue(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
      return e.substr(key.size() + 1);
  return {};
}

}  // namespace

CapMasks capabilityMasks(const oci::Capabilities& caps) {
  return CapMasks{maskOf(caps.bounding), maskOf(caps.effective), maskOf(caps.permitted),
                  maskOf(caps.inheritable), maskOf(caps.ambient)};
}

Status applyRlimits(const std::vector<oci::Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    int res = oci::rlimitNumber(r.type);
    if (res < 0) return invalidArgument("process.rlimits: unknown type \"" + r.type + "\"");
    struct rlimit want {
      static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)
    };
    if (::setrlimit(res, &want) == 0) continue;
    int err = errno;
    struct rlimit cur {};
    ::getrlimit(res, &cur);
    if (err == EPERM && want.rlim_max > cur.rlim_max)
      return Error(ErrorCategory::kForbidden,
                   "process.rlimits: " + r.type + " hard limit " + std::to_string(r.hard) +
                       " is above the current hard limit " + std::to_string(cur.rlim_max) +
                       ", which cannot be raised here",
                   err);
    return sysError("process.rlimits: setrlimit " + r.type, err);
  }
  return okStatus();
}

Status applyUserAndCapabilities(const oci::Process& p, bool setgroupsAllowed) {
  std::optional<CapMasks> want;
  if (p.capabilities) want = capabilityMasks(*p.capabilities);
  if (want) {
    // Drop from the bounding set everything not asked for; EINVAL ends the kernel's list.
    for (int c = 0; c < 64; ++c) {
      if (want->bounding & (uint64_t{1} << c)) continue;
      if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
        if (errno == EINVAL) break;
        return sysError("drop capability " + std::string(oci::capabilityName(c)));
      }
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return sysError("prctl(PR_SET_KEEPCAPS)");
  if (setgroupsAllowed) {
    std::vector<gid_t> gids(p.user.additionalGids.begin(), p.user.additionalGids.end());
    if (::setgroups(gids.size(), gids.data()) < 0) return sysError("setgroups");
  }
  if (::setresgid(p.user.gid, p.user.gid, p.user.gid) < 0)
    return sysError("setgid " + std::to_string(p.user.gid));
  if (::setresuid(p.user.uid, p.user.uid, p.user.uid) < 0)
    return sysError("setuid " + std::to_string(p.user.uid));
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return sysError("prctl(PR_SET_KEEPCAPS)");
  // The init ran with umask 0 to make devices with exact modes; the process gets Docker's 022.
  ::umask(p.user.umask ? static_cast<mode_t>(*p.user.umask) : 022);
  if (!want) return okStatus();

  // What the kernel lets us keep (this VM's bounding set lacks CAP_SYS_RESOURCE, say) caps
  // what we can grant; asking for more would fail the whole capset.
  CapMasks cur;
  WHARF_TRY(capget(cur));
  CapMasks set = *want;
  set.permitted &= cur.permitted;
  set.effective &= set.permitted;
  set.inheritable &= set.permitted | cur.inheritable;
  WHARF_TRY(capset(set));
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return sysError("clear ambient capabilities");
  for (int c = 0; c < 64; ++c) {
    uint64_t bit = uint64_t{1} << c;
    if (!(want->ambient & bit) || !(set.permitted & set.inheritable & bit)) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return sysError("raise ambient capability " + std::string(oci::capabilityName(c)));
  }
  return okStatus();
}

Result<std::string> lookPath(const std::string& arg0, const std::vector<std::string>& env) {
  auto quoted = "exec: \"" + arg0 + "\": ";
  if (arg0.empty()) return notFound("exec: \"\": executable file not found in $PATH");
  auto check = [&](const std::string& path) -> int {
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) return errno;
    if (S_ISDIR(st.st_mode)) return EACCES;
    if (::access(path.c_str(), X_OK) < 0) return errno;
    return 0;
  };
  if (arg0.find('/') != std::string::npos) {
    int err = check(arg0);
    if (err == 0) return arg0;
    if (err == ENOENT || err == ENOTDIR)
      return Error(ErrorCategory::kNotFound,
                   quoted + "stat " + arg0 + ": no such file or directory");
    return Error(ErrorCategory::kForbidden, quoted + "permission denied");
  }
  std::string path = envValue(env, "PATH");
  bool sawDenied = false;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    i = j + 1;
    if (dir.empty()) dir = ".";
    std::string cand = dir + "/" + arg0;
    int err = check(cand);
    if (err == 0) return cand;
    if (err == EACCES) sawDenied = true;
  }
  if (sawDenied) return Error(ErrorCategory::kForbidden, quoted + "permission denied");
  return Error(ErrorCategory::kNotFound, quoted + "executable file not found in $PATH");
}

Status loadSeccompFilter(Seccomp& filter, int syncFd) {
  WHARF_TRY(filter.load());
  if (!filter.usesNotify()) return okStatus();
  WHARF_ASSIGN_OR_RETURN(int fd, filter.notifyFd());
  auto st = sendFd(syncFd, fd, "S");
  ::close(fd);
  return st;
}

Status loadSeccompFilter(PreparedSeccomp& filter, int syncFd) {
  if (filter.ctx) return loadSeccompFilter(*filter.ctx, syncFd);
  return loadPreparedBpf(filter);
}

Status sendFd(int sock, int fd, std::string_view payload) {
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) return sysError("send the console fd");
  return okStatus();
}

Status setupStdio(int in, int out, int err) {
  // Move them out of the way first: a given fd may itself be 0, 1 or 2.
  int src[3] = {in, out, err};
  int tmp[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i)
    if (src[i] >= 0 && (tmp[i] = ::fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
      return sysError("dup stdio");
  for (int i = 0; i < 3; ++i) {
    if (tmp[i] < 0) continue;
    if (::dup2(tmp[i], i) < 0) return sysError("dup2 stdio");
    ::close(tmp[i]);
  }
  return okStatus();
}

Status loopbackUp() {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return sysError("socket");
  ifreq ifr{};
  std::strcpy(ifr.ifr_name, "lo");
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) < 0) return sysError("get lo flags");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) < 0) return sysError("bring lo up");
  return okStatus();
}

Status validateSysctl(const std::string& key, bool netNs, bool ipcNs, bool utsNs) {
  auto starts = [&](std::string_view p) { return key.compare(0, p.size(), p) == 0; };
  bool ipc = key == "kernel.msgmax" || key == "kernel.msgmnb" || key == "kernel.msgmni" ||
             key == "kernel.sem" || key == "kernel.shmall" || key == "kernel.shmmax" ||
             key == "kernel.shmmni" || key == "kernel.shm_rmid_forced" || starts("fs.mqueue.");
  if (ipc) {
    if (ipcNs) return okStatus();
    return invalidArgument("linux.sysctl." + key + ": needs a new IPC namespace");
  }
  if (starts("net.")) {
    if (netNs) return okStatus();
    return invalidArgument("linux.sysctl." + key + ": needs a new network namespace");
  }
  if (key == "kernel.hostname" || key == "kernel.domainname") {
    if (utsNs) return okStatus();
    return invalidArgument("linux.sysctl." + key + ": needs a new UTS namespace");
  }
  return invalidArgument("linux.sysctl." + key + ": not namespaced, it would change the host");
}

Status applySysctl(int procFd, const std::map<std::string, std::string>& sysctl) {
  for (const auto& [k, v] : sysctl) {
    if (k.empty() || k.find("..") != std::string::npos || k.find('/') != std::string::npos)
      return invalidArgument("linux.sysctl." + k + ": invalid name");
    std::string rel = "sys/" + k;
    for (size_t i = 4; i < rel.size(); ++i)
      if (rel[i] == '.') rel[i] = '/';
    WHARF_TRY(writeProcFile(procFd, rel, v, "linux.sysctl." + k));
  }
  return okStatus();
}

Status applyOomScoreAdj(int procFd, int adj) {
  return writeProcFile(procFd, "self/oom_score_adj", std::to_string(adj), "process.oomScoreAdj");
}

namespace {

bool fileStartsWith(const char* path, char c) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  char b = 0;
  return fd && ::read(fd.get(), &b, 1) == 1 && b == c;
}

struct SchedAttr {
  uint32_t size;
  uint32_t policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};

}  // namespace

Status applyLsmLabels(int procFd, const oci::Process& p) {
  if (!p.apparmorProfile.empty()) {
    if (!fileStartsWith("/sys/module/apparmor/parameters/enabled", 'Y'))
      return invalidArgument(
          "process.apparmorProfile: AppArmor is not enabled on this host; remove \"" +
          p.apparmorProfile + "\" or use an empty profile");
    std::string value = "exec " + p.apparmorProfile;
    auto st = writeProcFile(procFd, "thread-self/attr/apparmor/exec", value, "");
    if (!st.ok())
      WHARF_TRY(writeProcFile(procFd, "thread-self/attr/exec", value, "process.apparmorProfile"));
  }
  if (!p.selinuxLabel.empty()) {
    struct stat st;
    if (::stat("/sys/fs/selinux/enforce", &st) < 0)
      return invalidArgument(
          "process.selinuxLabel: SELinux is not enabled on this host; remove \"" + p.selinuxLabel +
          "\"");
    WHARF_TRY(
        writeProcFile(procFd, "thread-self/attr/exec", p.selinuxLabel, "process.selinuxLabel"));
  }
  return okStatus();
}

Status applyProcessAttributes(const oci::Process& p, const oci::Personality* personality) {
  if (p.ioPriority) {
    int cls = p.ioPriority->ioClass == "IOPRIO_CLASS_RT"   ? 1
              : p.ioPriority->ioClass == "IOPRIO_CLASS_BE" ? 2
                                                           : 3;
    if (::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0,
                  (cls << 13) | p.ioPriority->priority) < 0)
      return sysError("process.ioPriority");
  }
  if (p.scheduler) {
    static constexpr std::pair<std::string_view, uint32_t> kPolicies[] = {
        {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},      {"SCHED_BATCH", 3},
        {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}};
    SchedAttr attr{};
    attr.size = sizeof attr;
    bool known = false;
    for (const auto& [n, v] : kPolicies)
      if (n == p.scheduler->policy) attr.policy = v, known = true;
    if (!known)
      return invalidArgument("process.scheduler.policy: unknown \"" + p.scheduler->policy + "\"");
    attr.nice = p.scheduler->nice.value_or(0);
    attr.priority = static_cast<uint32_t>(p.scheduler->priority.value_or(0));
    attr.runtime = p.scheduler->runtime.value_or(0);
    attr.deadline = p.scheduler->deadline.value_or(0);
    attr.period = p.scheduler->period.value_or(0);
    for (const auto& f : p.scheduler->flags) {
      if (f == "SCHED_FLAG_RESET_ON_FORK")
        attr.flags |= 0x01;
      else if (f == "SCHED_FLAG_RECLAIM")
        attr.flags |= 0x02;
      else if (f == "SCHED_FLAG_DL_OVERRUN")
        attr.flags |= 0x04;
      else if (f == "SCHED_FLAG_KEEP_POLICY")
        attr.flags |= 0x08;
      else if (f == "SCHED_FLAG_KEEP_PARAMS")
        attr.flags |= 0x10;
      else if (f == "SCHED_FLAG_UTIL_CLAMP_MIN")
        attr.flags |= 0x20;
      else if (f == "SCHED_FLAG_UTIL_CLAMP_MAX")
        attr.flags |= 0x40;
      else
        return invalidArgument("process.scheduler.flags: unknown \"" + f + "\"");
    }
    if (::syscall(SYS_sched_setattr, 0, &attr, 0) < 0) return sysError("process.scheduler");
  }
  if (personality) {
    unsigned long persona = 0;
    if (personality->domain == "LINUX")
      persona = 0x0000;
    else if (personality->domain == "LINUX32")
      persona = 0x0008;
    else
      return invalidArgument("linux.personality.domain: unknown \"" + personality->domain + "\"");
    if (::syscall(SYS_personality, persona) < 0) return sysError("linux.personality");
  }
  return okStatus();
}

namespace {

// The container's process must start with every signal at its default and none blocked, as
// runc does: an ignored disposition survives execve, and whoever started us (a shell, a
// daemon, a test harness) may ignore some -- then `trap ... INT` in PID 1 would never fire.
// The raw syscall also reaches 32 and 33, which glibc's sigaction() refuses to touch.
void resetSignals() {
  struct KernelSigaction {
    void* handler;
    unsigned long flags;
    void* restorer;
    std::uint64_t mask;
  } dfl{};
  dfl.handler = nullptr;  // SIG_DFL
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(std::uint64_t));
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

Error execProcess(const std::string& path, const std::vector<std::string>& args,
                  const std::vector<std::string>& env, int preserveFds) {
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // runc's --preserve-fds: fds 3 .. 3+N-1 stay open for the process (socket activation).
  for (int fd = 3; fd < 3 + preserveFds; ++fd) ::fcntl(fd, F_SETFD, 0);
  ::syscall(SYS_close_range, static_cast<unsigned>(3 + preserveFds), ~0U,
            4U /* CLOSE_RANGE_CLOEXEC */);
  resetSignals();
  ::execve(path.c_str(), argv.data(), envp.data());
  return sysError("exec \"" + path + "\"");
}

}  // namespace wharf::runtime
