#include "oci/seccomp_default.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "oci/defaults.h"

namespace wharf::oci {
namespace {

const SeccompHost kAmd64{"amd64", "6.1.0-18-amd64"};
const SeccompHost kArm64{"arm64", "6.1.0"};

// The rules that name `name`, in order.
std::vector<SeccompSyscall> rulesFor(const Seccomp& s, const std::string& name) {
  std::vector<SeccompSyscall> out;
  for (const auto& r : s.syscalls) {
    if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) out.push_back(r);
  }
  return out;
}

// True when an unconditional SCMP_ACT_ALLOW rule names the syscall.
bool allowed(const Seccomp& s, const std::string& name) {
  for (const auto& r : rulesFor(s, name)) {
    if (r.action == "SCMP_ACT_ALLOW" && r.args.empty()) return true;
  }
  return false;
}

std::vector<std::string> withCap(const std::string& cap) {
  auto caps = dockerDefaultCapabilities();
  caps.push_back(cap);
  return caps;
}

TEST(SeccompDefault, DeniesWithEpermByDefault) {
  Seccomp s = dockerDefaultSeccomp(dockerDefaultCapabilities(), kAmd64);
  EXPECT_EQ(s.defaultAction, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.defaultErrnoRet, 1u);
  EXPECT_EQ(s.architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_EQ(dockerDefaultSeccomp({}, kArm64).architectures,
            (std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
}

TEST(SeccompDefault, AllowsTheCommonSyscalls) {
  Seccomp s = dockerDefaultSeccomp(dockerDefaultCapabilities(), kAmd64);
  for (const char* name :
       {"read", "write", "openat", "execve", "mmap", "futex", "exit_group", "capset", "setresuid",
        "prctl", "wait4", "fchmodat2", "arch_prctl", "ptrace", "chroot"}) {
    EXPECT_TRUE(allowed(s, name)) << name;
  }
  // Architecture-specific ones only where they exist.
  EXPECT_FALSE(allowed(s, "set_tls"));
  Seccomp arm = dockerDefaultSeccomp(dockerDefaultCapabilities(), kArm64);
  EXPECT_TRUE(allowed(arm, "set_tls"));
  EXPECT_FALSE(allowed(arm, "arch_prctl"));
}

TEST(SeccompDefault, DeniesWhatCapabilitiesGuard) {
  Seccomp s = dockerDefaultSeccomp(dockerDefaultCapabilities(), kAmd64);
  for (const char* name : {"mount",
                           "umount2",
                           "unshare",
                           "setns",
                           "kexec_load",
                           "init_module",
                           "finit_module",
                           "reboot",
                           "settimeofday",
                           "clock_settime",
                           "acct",
                           "kcmp",
                           "iopl",
                           "vhangup",
                           "mbind",
                           "syslog",
                           "bpf",
                           "perf_event_open",
                           "open_by_handle_at",
                           "keyctl",
                           "add_key",
                           "sethostname",
                           "swapon",
                           "pivot_root",
                           "userfaultfd"}) {
    EXPECT_TRUE(rulesFor(s, name).empty()) << name;
  }
}

TEST(SeccompDefault, CapabilitiesEnableTheirSyscalls) {
  struct Case {
    const char* cap;
    std::vector<const char*> names;
  };
  for (const Case& c : std::vector<Case>{
           {"CAP_SYS_ADMIN", {"mount", "umount2", "unshare", "setns", "clone", "clone3", "bpf"}},
           {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise"}},
           {"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
           {"CAP_SYS_BOOT", {"reboot"}},
           {"CAP_SYS_TIME", {"settimeofday", "clock_settime"}},
           {"CAP_SYS_NICE", {"mbind", "set_mempolicy"}},
           {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
           {"CAP_SYS_PACCT", {"acct"}},
           {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
           {"CAP_SYSLOG", {"syslog"}},
           {"CAP_BPF", {"bpf"}},
           {"CAP_PERFMON", {"perf_event_open"}},
           {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
       }) {
    Seccomp s = dockerDefaultSeccomp(withCap(c.cap), kAmd64);
    for (const char* name : c.names) EXPECT_TRUE(allowed(s, name)) << c.cap << " " << name;
  }
  // chroot needs CAP_SYS_CHROOT, which is a default capability.
  auto noChroot = dockerDefaultCapabilities();
  std::erase(noChroot, "CAP_SYS_CHROOT");
  EXPECT_TRUE(rulesFor(dockerDefaultSeccomp(noChroot, kAmd64), "chroot").empty());
  // Nothing enables kexec_load: it is not in the profile at all.
  EXPECT_TRUE(
      rulesFor(dockerDefaultSeccomp(withCap("CAP_SYS_BOOT"), kAmd64), "kexec_load").empty());
}

TEST(SeccompDefault, CloneWithoutNamespaceFlagsUnlessSysAdmin) {
  Seccomp s = dockerDefaultSeccomp(dockerDefaultCapabilities(), kAmd64);
  auto clone = rulesFor(s, "clone");
  ASSERT_EQ(clone.size(), 1u);
  ASSERT_EQ(clone[0].args.size(), 1u);
  EXPECT_EQ(clone[0].args[0].index, 0u);
  EXPECT_EQ(clone[0].args[0].op, "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ(clone[0].args[0].value, 0x7E020000u);  // CLONE_NEW{NS,UTS,IPC,USER,PID,NET,CGROUP}
  EXPECT_EQ(clone[0].args[0].valueTwo, 0u);
  auto clone3 = rulesFor(s, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0].action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(clone3[0].errnoRet, 38u);  // ENOSYS: glibc falls back to clone

  Seccomp admin = dockerDefaultSeccomp(withCap("CAP_SYS_ADMIN"), kAmd64);
  for (const auto& r : rulesFor(admin, "clone")) EXPECT_TRUE(r.args.empty());
  for (const auto& r : rulesFor(admin, "clone3")) EXPECT_EQ(r.action, "SCMP_ACT_ALLOW");
  // On s390 the flags are clone's second argument.
  auto s390 = rulesFor(dockerDefaultSeccomp({}, SeccompHost{"s390x", "6.1"}), "clone");
  ASSERT_EQ(s390.size(), 1u);
  EXPECT_EQ(s390[0].args[0].index, 1u);
}

TEST(SeccompDefault, ArgumentConditions) {
  Seccomp s = dockerDefaultSeccomp(dockerDefaultCapabilities(), kAmd64);
  auto socket = rulesFor(s, "socket");
  ASSERT_EQ(socket.size(), 1u);
  EXPECT_EQ(socket[0].args, (std::vector<SeccompArg>{{0, 40, 0, "SCMP_CMP_NE"}}));  // AF_VSOCK
  std::vector<uint64_t> personalities;
  for (const auto& r : rulesFor(s, "personality")) {
    ASSERT_EQ(r.args.size(), 1u);
    EXPECT_EQ(r.args[0].op, "SCMP_CMP_EQ");
    personalities.push_back(r.args[0].value);
  }
  EXPECT_EQ(personalities, (std::vector<uint64_t>{0x0, 0x8, 0x20000, 0x20008, 0xffffffff}));
}

TEST(SeccompDefault, PtraceNeedsKernel48) {
  EXPECT_TRUE(allowed(dockerDefaultSeccomp({}, SeccompHost{"amd64", "4.8.0"}), "ptrace"));
  EXPECT_FALSE(allowed(dockerDefaultSeccomp({}, SeccompHost{"amd64", "4.4.0-generic"}), "ptrace"));
}

TEST(SeccompDefault, NativeHostHasAnArchitecture) {
  SeccompHost h = SeccompHost::current();
  EXPECT_FALSE(h.kernel.empty());
  Seccomp s = dockerDefaultSeccomp(dockerDefaultCapabilities());
  if (h.arch == "amd64" || h.arch == "arm64") {
    EXPECT_FALSE(s.architectures.empty());
  }
  EXPECT_TRUE(allowed(s, "read"));
}

}  // namespace
}  // namespace wharf::oci
