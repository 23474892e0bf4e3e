#include "runtime/internal/process.h"

#include <gtest/gtest.h>
#include <seccomp.h>

#include <cerrno>

#include "oci/defaults.h"
#include "runtime/internal/sync.h"
#include "runtime/seccomp.h"

namespace wharf::runtime {
namespace {

TEST(Capabilities, Masks) {
  oci::Capabilities caps;
  caps.bounding = oci::dockerDefaultCapabilities();
  caps.ambient = {"CAP_KILL"};
  CapMasks m = capabilityMasks(caps);
  EXPECT_EQ(__builtin_popcountll(m.bounding), 14);
  EXPECT_TRUE(m.bounding & (uint64_t{1} << 0));    // CHOWN
  EXPECT_FALSE(m.bounding & (uint64_t{1} << 21));  // SYS_ADMIN
  EXPECT_EQ(m.ambient, uint64_t{1} << 5);
  EXPECT_EQ(m.effective, 0u);
}

TEST(LookPath, DockerErrors) {
  auto r = lookPath("definitely-not-here", {"PATH=/nonexistent:/also-not"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category(), ErrorCategory::kNotFound);
  EXPECT_EQ(r.error().message(),
            "exec: \"definitely-not-here\": executable file not found in $PATH");
  auto sh = lookPath("sh", {"PATH=/nonexistent:/bin:/usr/bin"});
  ASSERT_TRUE(sh.ok());
  EXPECT_EQ(*sh, "/bin/sh");
  auto dir = lookPath("/tmp", {});
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().category(), ErrorCategory::kForbidden);
  EXPECT_EQ(dir.error().message(), "exec: \"/tmp\": permission denied");
}

TEST(Sysctl, OnlyNamespacedOnes) {
  EXPECT_TRUE(validateSysctl("net.ipv4.ip_forward", true, false, false).ok());
  EXPECT_FALSE(validateSysctl("net.ipv4.ip_forward", false, true, true).ok());
  EXPECT_TRUE(validateSysctl("kernel.shmmax", false, true, false).ok());
  EXPECT_TRUE(validateSysctl("fs.mqueue.msg_max", false, true, false).ok());
  EXPECT_FALSE(validateSysctl("kernel.shmmax", true, false, true).ok());
  EXPECT_TRUE(validateSysctl("kernel.hostname", false, false, true).ok());
  auto e = validateSysctl("vm.swappiness", true, true, true);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(),
            "linux.sysctl.vm.swappiness: not namespaced, it would change the host");
}

TEST(Sync, ErrorsRoundTrip) {
  Error e(ErrorCategory::kNotFound, "exec: \"x\": not found: with: colons", ENOENT);
  Error d = decodeError(encodeError(e));
  EXPECT_EQ(d.category(), ErrorCategory::kNotFound);
  EXPECT_EQ(d.sysErrno(), ENOENT);
  EXPECT_EQ(d.rawMessage(), e.rawMessage());
}

TEST(Seccomp, Translations) {
  EXPECT_EQ(*seccompAction("SCMP_ACT_ALLOW", std::nullopt), SCMP_ACT_ALLOW);
  EXPECT_EQ(*seccompAction("SCMP_ACT_ERRNO", std::nullopt), SCMP_ACT_ERRNO(EPERM));
  EXPECT_EQ(*seccompAction("SCMP_ACT_ERRNO", 38u), SCMP_ACT_ERRNO(38));
  EXPECT_EQ(*seccompAction("SCMP_ACT_KILL", std::nullopt), SCMP_ACT_KILL_THREAD);
  EXPECT_FALSE(seccompAction("SCMP_ACT_BOGUS", std::nullopt).ok());
  EXPECT_EQ(seccompOperator("SCMP_CMP_MASKED_EQ"), SCMP_CMP_MASKED_EQ);
  EXPECT_EQ(seccompOperator("EQ"), -1);
  EXPECT_EQ(seccompArch("SCMP_ARCH_X86_64"), SCMP_ARCH_X86_64);
  EXPECT_EQ(seccompArch("SCMP_ARCH_AARCH64"), SCMP_ARCH_AARCH64);
  EXPECT_EQ(seccompArch("x86_64"), 0u);
}

TEST(Seccomp, CompilesAProfile) {
  oci::Seccomp s;
  s.defaultAction = "SCMP_ACT_ERRNO";
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
  s.syscalls.push_back({{"read", "write", "no_such_syscall"}, "SCMP_ACT_ALLOW", std::nullopt, {}});
  s.syscalls.push_back({{"personality"},
                        "SCMP_ACT_ALLOW",
                        std::nullopt,
                        {{0, 0, 0, "SCMP_CMP_EQ"}, {0, 8, 0, "SCMP_CMP_EQ"}}});
  s.syscalls.push_back(
      {{"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"}}});
  auto f = compileSeccomp(s);
  ASSERT_TRUE(f.ok()) << f.error().message();
  auto bpf = f->exportBpf();
  ASSERT_TRUE(bpf.ok());
  EXPECT_GT(bpf->size(), 64u);

  s.syscalls.push_back({{"read"}, "SCMP_ACT_ALLOW", std::nullopt, {{7, 0, 0, "SCMP_CMP_EQ"}}});
  auto bad = compileSeccomp(s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "linux.seccomp.syscalls[3].args[0].index: must be 0-5");
}

}  // namespace
}  // namespace wharf::runtime
