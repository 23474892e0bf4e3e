// spec_builder's choice of seccomp profile and its reading of HostConfig.SecurityOpt.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/random.h"
#include "engine/spec_builder.h"
#include "oci/defaults.h"
#include "oci/seccomp_default.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;

const oci::SeccompHost kHost{"amd64", "6.1.0"};

class SeccompSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("wharf-seccomptest-" + randomHex(6));
    stdfs::create_directories(root_ / "etc");
    std::ofstream(root_ / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
    std::ofstream(root_ / "etc/group") << "root:x:0:\n";
    c_.id = std::string(64, 'b');
    c_.path = {"true"};
  }
  void TearDown() override { stdfs::remove_all(root_); }

  Result<oci::Spec> build() { return buildSpec(c_, SpecContext{root_.string(), ~0ull, kHost}); }

  stdfs::path root_;
  ContainerInfo c_;
};

bool names(const oci::Seccomp& s, const std::string& name) {
  for (const auto& r : s.syscalls) {
    if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) return true;
  }
  return false;
}

TEST_F(SeccompSpecTest, DefaultProfileForTheFinalCapabilities) {
  auto spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  ASSERT_TRUE(spec->linux->seccomp.has_value());
  EXPECT_EQ(*spec->linux->seccomp,
            oci::dockerDefaultSeccomp(oci::dockerDefaultCapabilities(), kHost));
  EXPECT_FALSE(names(*spec->linux->seccomp, "mount"));
  EXPECT_TRUE(names(*spec->linux->seccomp, "chroot"));

  // --cap-add SYS_ADMIN enables mount; --cap-drop SYS_CHROOT takes chroot away.
  c_.spec.capAdd = {"sys_admin"};
  c_.spec.capDrop = {"SYS_CHROOT"};
  spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_TRUE(names(*spec->linux->seccomp, "mount"));
  EXPECT_FALSE(names(*spec->linux->seccomp, "chroot"));
  EXPECT_EQ(*spec->linux->seccomp,
            oci::dockerDefaultSeccomp(spec->process->capabilities->bounding, kHost));

  c_.spec.securityOpt = {"seccomp=builtin"};
  spec = build();
  ASSERT_TRUE(spec.ok());
  EXPECT_TRUE(spec->linux->seccomp.has_value());
}

TEST_F(SeccompSpecTest, UnconfinedAndPrivilegedHaveNone) {
  c_.spec.securityOpt = {"seccomp=unconfined"};
  auto spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_FALSE(spec->linux->seccomp.has_value());
  c_.spec.securityOpt = {"seccomp:unconfined"};  // the old separator
  spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_FALSE(spec->linux->seccomp.has_value());

  c_.spec.securityOpt = {};
  c_.spec.privileged = true;
  spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_FALSE(spec->linux->seccomp.has_value());
  // A custom profile does not confine a privileged container either (as Docker).
  c_.spec.securityOpt = {R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW"})"};
  spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_FALSE(spec->linux->seccomp.has_value());
}

TEST_F(SeccompSpecTest, CustomProfileFromJson) {
  c_.spec.securityOpt = {
      R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[)"
      R"({"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1},)"
      R"({"names":["mount"],"action":"SCMP_ACT_ERRNO","excludes":{"caps":["CAP_SYS_ADMIN"]}}]})",
      "no-new-privileges"};
  auto spec = build();
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  ASSERT_TRUE(spec->linux->seccomp.has_value());
  const oci::Seccomp& s = *spec->linux->seccomp;
  EXPECT_EQ(s.defaultAction, "SCMP_ACT_ALLOW");
  ASSERT_EQ(s.syscalls.size(), 2u);
  EXPECT_EQ(s.syscalls[0].names, (std::vector<std::string>{"mkdir", "mkdirat"}));
  EXPECT_TRUE(spec->process->noNewPrivileges);

  c_.spec.capAdd = {"SYS_ADMIN"};
  spec = build();
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->linux->seccomp->syscalls.size(), 1u);
}

TEST_F(SeccompSpecTest, BadProfileFailsCreateAndStart) {
  c_.spec.securityOpt = {R"(seccomp={"defaultAction":"SCMP_ACT_NOPE"})"};
  auto spec = build();
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(spec.error().message(),
            "Decoding seccomp profile failed: defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  Status st = validateSecurity(c_.spec, ~0ull);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), spec.error().message());

  c_.spec.securityOpt = {"seccomp={not json"};
  st = validateSecurity(c_.spec, ~0ull);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message().rfind("Decoding seccomp profile failed: invalid JSON", 0), 0u);

  c_.spec.securityOpt = {"seccomp=unconfined"};
  EXPECT_TRUE(validateSecurity(c_.spec, ~0ull).ok());
  c_.spec.capAdd = {"CAP_BOGUS"};
  EXPECT_FALSE(validateSecurity(c_.spec, ~0ull).ok());
}

TEST(SecurityOpts, ParsesLikeDockerd) {
  auto o = parseSecurityOpts({});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->noNewPrivileges);
  EXPECT_EQ(o->seccompProfile, "");
  o = parseSecurityOpts({"no-new-privileges", "label=disable", "apparmor=unconfined"});
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_TRUE(o->noNewPrivileges);
  o = parseSecurityOpts({"no-new-privileges=true", "no-new-privileges:false"});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->noNewPrivileges);
  o = parseSecurityOpts({"no-new-privileges=1", R"(seccomp={"a":"b=c"})"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->noNewPrivileges);
  EXPECT_EQ(o->seccompProfile, R"({"a":"b=c"})");

  auto bad = parseSecurityOpts({"foo=bar"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "invalid --security-opt 2: \"foo=bar\"");
  bad = parseSecurityOpts({"seccomp"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "invalid --security-opt 1: \"seccomp\"");
  bad = parseSecurityOpts({"no-new-privileges=maybe"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "invalid --security-opt 2: \"no-new-privileges=maybe\"");
}

}  // namespace
}  // namespace wharf::engine
