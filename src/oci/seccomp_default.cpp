#include "oci/seccomp_default.h"

#include <sched.h>

#include <algorithm>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace wharf::oci {

namespace {

// Allowed for every container. Names a kernel or libseccomp does not know are skipped by the
// runtime, so 32-bit variants (chown32, fcntl64...) and new syscalls cost nothing where they
// do not exist.
constexpr std::string_view kAllowed = R"(
_llseek _newselect accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir
chmod chown chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime
clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range
creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2
fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32
fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat
fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64
futex_wait futex_waitv futex_wake futimesat get_robust_list get_thread_area getcpu getcwd
getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32
getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32
getresuid getresuid32 getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday
getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel
io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit io_uring_enter
io_uring_register io_uring_setup ioctl ioprio_get ioprio_set ipc kill landlock_add_rule
landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen
listxattr llistxattr lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack
membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall
mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock
munlockall munmap name_to_handle_at nanosleep newfstatat open openat openat2 pause pidfd_open
pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl
pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev
pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction
rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min
sched_getaffinity sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval
sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler
sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile
sendfile64 sendmmsg sendmsg sendto set_robust_list set_thread_area set_tid_address setfsgid
setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid
setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32
setrlimit setsid setsockopt setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown
sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64
statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time
timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime
utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
)";

// Syscalls a capability guards: allowed only when the container holds it.
struct CapRule {
  const char* cap;
  std::initializer_list<const char*> names;
};
const CapRule kCapRules[] = {
    {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
    {"CAP_SYS_ADMIN",
     {"bpf",           "clone",         "clone3",      "fanotify_init",   "fsconfig",
      "fsmount",       "fsopen",        "fspick",      "lookup_dcookie",  "mount",
      "mount_setattr", "move_mount",    "open_tree",   "perf_event_open", "quotactl",
      "quotactl_fd",   "setdomainname", "sethostname", "setns",           "syslog",
      "umount",        "umount2",       "unshare"}},
    {"CAP_SYS_BOOT", {"reboot"}},
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_PTRACE",
     {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
    {"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
    {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
    {"CAP_SYSLOG", {"syslog"}},
    {"CAP_BPF", {"bpf"}},
    {"CAP_PERFMON", {"perf_event_open"}},
};

// Syscalls that exist only on some architectures (Go's names of the host architecture).
struct ArchRule {
  std::initializer_list<const char*> arches;
  std::initializer_list<const char*> names;
};
const ArchRule kArchRules[] = {
    {{"amd64", "x32"}, {"arch_prctl"}},
    {{"amd64", "x32", "x86"}, {"modify_ldt"}},
    {{"arm", "arm64"},
     {"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
      "set_tls"}},
    {{"ppc64le"}, {"sync_file_range2", "swapcontext"}},
    {{"s390", "s390x"}, {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}},
    {{"riscv64"}, {"riscv_flush_icache"}},
};

// personality(2) values programs use: PER_LINUX, PER_LINUX32, UNAME26 with either, and
// 0xffffffff, which only queries the current persona.
constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

constexpr uint64_t kAfVsock = 40;
constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
constexpr uint32_t kEnosys = 38;

SeccompProfileRule allow(std::initializer_list<const char*> names) {
  SeccompProfileRule r;
  for (const char* n : names) r.syscall.names.emplace_back(n);
  r.syscall.action = "SCMP_ACT_ALLOW";
  return r;
}

SeccompArg arg(uint32_t index, const char* op, uint64_t value, uint64_t valueTwo = 0) {
  SeccompArg a;
  a.index = index;
  a.op = op;
  a.value = value;
  a.valueTwo = valueTwo;
  return a;
}

SeccompProfile makeProfile() {
  SeccompProfile p;
  p.defaultAction = "SCMP_ACT_ERRNO";
  p.defaultErrnoRet = 1;  // EPERM
  p.archMap = {
      {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
      {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
      {"SCMP_ARCH_RISCV64", {}},
  };
  SeccompProfileRule all;
  all.syscall.action = "SCMP_ACT_ALLOW";
  for (size_t i = kAllowed.find_first_not_of(" \n"); i != std::string_view::npos;) {
    size_t end = std::min(kAllowed.find_first_of(" \n", i), kAllowed.size());
    all.syscall.names.emplace_back(kAllowed.substr(i, end - i));
    i = kAllowed.find_first_not_of(" \n", end);
  }
  p.syscalls.push_back(std::move(all));

  // Since 4.8 ptrace can no longer be used to get around seccomp, so it is safe to allow.
  SeccompProfileRule ptrace = allow({"process_vm_readv", "process_vm_writev", "ptrace"});
  ptrace.includes.minKernel = "4.8";
  p.syscalls.push_back(std::move(ptrace));

  SeccompProfileRule socket = allow({"socket"});
  socket.syscall.args = {arg(0, "SCMP_CMP_NE", kAfVsock)};
  socket.comment = "no AF_VSOCK: vsock sockets are not namespaced";
  p.syscalls.push_back(std::move(socket));

  for (uint64_t v : kPersonalities) {
    SeccompProfileRule r = allow({"personality"});
    r.syscall.args = {arg(0, "SCMP_CMP_EQ", v)};
    p.syscalls.push_back(std::move(r));
  }

  for (const ArchRule& a : kArchRules) {
    SeccompProfileRule r = allow(a.names);
    for (const char* arch : a.arches) r.includes.arches.emplace_back(arch);
    p.syscalls.push_back(std::move(r));
  }

  for (const CapRule& c : kCapRules) {
    SeccompProfileRule r = allow(c.names);
    r.includes.caps = {c.cap};
    p.syscalls.push_back(std::move(r));
  }

  // Without CAP_SYS_ADMIN: clone only without namespace flags (on s390 the flags are the
  // second argument), and clone3, whose flags live in memory a filter cannot read, fails with
  // ENOSYS so that libcs fall back to clone.
  SeccompProfileRule clone = allow({"clone"});
  clone.syscall.args = {arg(0, "SCMP_CMP_MASKED_EQ", kNamespaceFlags, 0)};
  clone.excludes.caps = {"CAP_SYS_ADMIN"};
  clone.excludes.arches = {"s390", "s390x"};
  p.syscalls.push_back(std::move(clone));

  SeccompProfileRule cloneS390 = allow({"clone"});
  cloneS390.syscall.args = {arg(1, "SCMP_CMP_MASKED_EQ", kNamespaceFlags, 0)};
  cloneS390.includes.arches = {"s390", "s390x"};
  cloneS390.excludes.caps = {"CAP_SYS_ADMIN"};
  cloneS390.comment = "s390 parameter ordering for clone is different";
  p.syscalls.push_back(std::move(cloneS390));

  SeccompProfileRule clone3;
  clone3.syscall.names = {"clone3"};
  clone3.syscall.action = "SCMP_ACT_ERRNO";
  clone3.syscall.errnoRet = kEnosys;
  clone3.excludes.caps = {"CAP_SYS_ADMIN"};
  p.syscalls.push_back(std::move(clone3));
  return p;
}

}  // namespace

const SeccompProfile& dockerDefaultSeccompProfile() {
  static const SeccompProfile profile = makeProfile();
  return profile;
}

Seccomp dockerDefaultSeccomp(const std::vector<std::string>& caps, const SeccompHost& host) {
  // The built-in profile always has a defaultAction.
  return *resolveSeccompProfile(dockerDefaultSeccompProfile(), caps, host);
}

Seccomp dockerDefaultSeccomp(const std::vector<std::string>& caps) {
  static const SeccompHost host = SeccompHost::current();
  return dockerDefaultSeccomp(caps, host);
}

}  // namespace wharf::oci
