#include "oci/seccomp_profile.h"

#include <gtest/gtest.h>

#include "oci/seccomp_default.h"

namespace wharf::oci {
namespace {

const SeccompHost kHost{"amd64", "6.1.0-18-amd64"};

std::string profileError(const std::string& json) {
  auto r = loadSeccompProfile(json, {}, kHost);
  if (r.ok()) return "<ok>";
  EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument);
  return r.error().message();
}

TEST(SeccompProfile, LoadsDockerFormat) {
  const char* json = R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "defaultErrnoRet": 1,
    "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": null}
    ],
    "syscalls": [
      {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"name": "chmod", "action": "SCMP_ACT_KILL_PROCESS", "comment": "legacy single name"},
      {"names": ["socket"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 0, "value": 16, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mount"], "action": "SCMP_ACT_LOG", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["reboot"], "action": "SCMP_ACT_TRAP", "excludes": {"caps": ["CAP_SYS_BOOT"]}},
      {"names": ["set_tls"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["arm64"]}},
      {"names": ["acct"], "action": "SCMP_ACT_ERRNO", "excludes": {"arches": ["amd64"]}},
      {"names": ["kcmp"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "99.0"}},
      {"names": ["iopl"], "action": "SCMP_ACT_ERRNO", "excludes": {"minKernel": "5.10"}},
      {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "6.1"}}
    ],
    "someFutureMember": true
  })";
  auto r = loadSeccompProfile(json, {"CAP_CHOWN"}, kHost);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_TRUE(r->has_value());
  const Seccomp& s = **r;
  EXPECT_EQ(s.defaultAction, "SCMP_ACT_ALLOW");
  EXPECT_EQ(s.defaultErrnoRet, 1u);
  EXPECT_EQ(s.architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  std::vector<std::vector<std::string>> names;
  for (const auto& sc : s.syscalls) names.push_back(sc.names);
  EXPECT_EQ(names, (std::vector<std::vector<std::string>>{
                       {"mkdir", "mkdirat"}, {"chmod"}, {"socket"}, {"reboot"}, {"ptrace"}}));
  EXPECT_EQ(s.syscalls[0].errnoRet, 13u);
  EXPECT_EQ(s.syscalls[1].action, "SCMP_ACT_KILL_PROCESS");
  EXPECT_EQ(s.syscalls[2].args, (std::vector<SeccompArg>{{0, 16, 0, "SCMP_CMP_EQ"}}));

  // The capabilities choose the rules.
  r = loadSeccompProfile(json, {"CAP_SYS_ADMIN", "CAP_SYS_BOOT"}, kHost);
  ASSERT_TRUE(r.ok());
  names.clear();
  for (const auto& sc : (*r)->syscalls) names.push_back(sc.names);
  EXPECT_EQ(names, (std::vector<std::vector<std::string>>{
                       {"mkdir", "mkdirat"}, {"chmod"}, {"socket"}, {"mount"}, {"ptrace"}}));
  // So does the architecture: arm64's entry of the archMap, its rules.
  r = loadSeccompProfile(json, {}, SeccompHost{"arm64", "5.4.0"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->architectures, std::vector<std::string>{"SCMP_ARCH_AARCH64"});
  names.clear();
  for (const auto& sc : (*r)->syscalls) names.push_back(sc.names);
  EXPECT_EQ(names, (std::vector<std::vector<std::string>>{{"mkdir", "mkdirat"},
                                                          {"chmod"},
                                                          {"socket"},
                                                          {"reboot"},
                                                          {"set_tls"},
                                                          {"acct"},
                                                          {"iopl"}}));
}

TEST(SeccompProfile, ExplicitArchitecturesAndFlags) {
  auto r = loadSeccompProfile(
      R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
          "flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]})",
      {}, kHost);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)->architectures, std::vector<std::string>{"SCMP_ARCH_X86_64"});
  EXPECT_EQ((*r)->flags, std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
}

TEST(SeccompProfile, EmptyProfileDisablesSeccomp) {
  auto r = loadSeccompProfile("{}", {}, kHost);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(SeccompProfile, ErrorsNameTheJsonPath) {
  const std::string p = "Decoding seccomp profile failed: ";
  EXPECT_EQ(profileError("[]"), p + "(root): expected an object, got array");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_BOGUS"})"),
            p + "defaultAction: unknown action \"SCMP_ACT_BOGUS\"");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-1})"),
            p + "defaultErrnoRet: value -1 out of range");
  EXPECT_EQ(profileError(R"({"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]})"),
            p + "defaultAction: required");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_Z80"]})"),
            p + "architectures[0]: unknown architecture \"SCMP_ARCH_Z80\"");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],
                  "archMap":[{"architecture":"SCMP_ARCH_X86_64"}]})"),
            p + "archMap: both \"architectures\" and \"archMap\" are specified, use either "
                "\"architectures\" or \"archMap\"");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_ERRNO",
                        "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[3]}]})"),
            p + "archMap[0].subArchitectures[0]: expected a string, got integer");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_ERRNO","flags":["SECCOMP_FILTER_FLAG_X"]})"),
            p + "flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\"");
  const std::string d =
      R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},)";
  EXPECT_EQ(profileError(d + R"({"names":["x"],"action":"SCMP_ACT_NOPE"}]})"),
            p + "syscalls[1].action: unknown action \"SCMP_ACT_NOPE\"");
  EXPECT_EQ(profileError(d + R"({"names":["x"]}]})"), p + "syscalls[1].action: required");
  EXPECT_EQ(profileError(d + R"({"action":"SCMP_ACT_ALLOW"}]})"),
            p + "syscalls[1].names: required");
  EXPECT_EQ(profileError(d + R"({"names":"read","action":"SCMP_ACT_ALLOW"}]})"),
            p + "syscalls[1].names: expected an array, got string");
  EXPECT_EQ(profileError(d + R"({"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]})"),
            p + "syscalls[1]: both \"name\" and \"names\" are specified, use either \"name\" or "
                "\"names\"");
  EXPECT_EQ(
      profileError(
          d +
          R"({"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_FOO"}]}]})"),
      p + "syscalls[1].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
  EXPECT_EQ(
      profileError(
          d +
          R"({"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]})"),
      p + "syscalls[1].args[0].index: must be 0-5, got 6");
  EXPECT_EQ(
      profileError(
          d +
          R"({"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":"1","op":"SCMP_CMP_EQ"}]}]})"),
      p + "syscalls[1].args[0].value: expected an unsigned integer, got string");
  EXPECT_EQ(
      profileError(
          d + R"({"names":["x"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_NOPE"]}}]})"),
      p + "syscalls[1].includes.caps[0]: unknown capability \"CAP_NOPE\"");
  EXPECT_EQ(profileError(
                d + R"({"names":["x"],"action":"SCMP_ACT_ALLOW","excludes":{"minKernel":"4"}}]})"),
            p + "syscalls[1].excludes.minKernel: invalid kernel version \"4\", expected "
                "\"<kernel>.<major>\"");
  EXPECT_EQ(profileError(d + R"({"names":["x"],"action":"SCMP_ACT_ALLOW","errnoRet":1}]})"),
            p + "syscalls[1].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  EXPECT_EQ(profileError(R"({"defaultAction":"SCMP_ACT_NOTIFY"})"),
            p + "listenerPath: required with SCMP_ACT_NOTIFY");
  EXPECT_NE(profileError("{not json").find(p + "invalid JSON in the seccomp profile"),
            std::string::npos);
}

TEST(SeccompProfile, DefaultProfileHasValidRules) {
  // Every rule of the built-in profile would pass the loader's checks.
  const SeccompProfile& p = dockerDefaultSeccompProfile();
  EXPECT_EQ(p.defaultAction, "SCMP_ACT_ERRNO");
  for (const auto& r : p.syscalls) {
    EXPECT_FALSE(r.syscall.names.empty());
    for (const auto& n : r.syscall.names) EXPECT_FALSE(n.empty());
    for (const auto& c : r.includes.caps) EXPECT_GE(capabilityNumber(c), 0) << c;
    for (const auto& c : r.excludes.caps) EXPECT_GE(capabilityNumber(c), 0) << c;
  }
}

TEST(SeccompProfile, NativeArchitectures) {
  EXPECT_EQ(seccompArchOfNative("amd64"), "SCMP_ARCH_X86_64");
  EXPECT_EQ(seccompArchOfNative("arm64"), "SCMP_ARCH_AARCH64");
  EXPECT_EQ(seccompArchOfNative("z80"), "");
}

}  // namespace
}  // namespace wharf::oci
