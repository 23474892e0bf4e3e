// Bounds and create-time validation (issue 9): every client input is bounded before it is
// matched, and create refuses what docker refuses.
#include <gtest/gtest.h>

#include <set>

#include "engine/create_checks.h"
#include "engine/names.h"
#include "engine/shim_scan.h"

namespace wharf::engine {
namespace {

TEST(NameBound, ThirtyThousandCharactersAreRefusedWithoutRecursion) {
  // std::regex overflowed the stack on this (severe 2); the loop answers at once.
  std::string huge(30000, 'a');
  auto r = validateName(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_LT(r.error().message().size(), 300u) << "the message must not echo the whole name";
  EXPECT_FALSE(validateName("/" + std::string(1 << 20, 'b')).ok());
}

TEST(NameBound, TheBoundItself) {
  std::string max(kMaxNameLength, 'a');
  EXPECT_TRUE(validateName(max).ok());
  EXPECT_TRUE(validateName("/" + max).ok()) << "the leading slash does not count";
  EXPECT_FALSE(validateName(max + "a").ok());
}

TEST(NameBound, DockersCharacterRuleStillHolds) {
  EXPECT_FALSE(validateName(std::string(100, 'a') + "!").ok());
  EXPECT_FALSE(validateName("_abc").ok());
  EXPECT_TRUE(validateName("a_b.c-d9").ok());
}

bool none(const std::string&) { return false; }

ContainerSpec base() {
  ContainerSpec s;
  s.image = "busybox";
  return s;
}

TEST(CreateChecks, AcceptsDefaults) { EXPECT_TRUE(checkCreateSpec(base(), none).ok()); }

TEST(CreateChecks, RelativeWorkingDirIs400) {
  auto s = base();
  s.workingDir = "relative/dir";
  auto st = checkCreateSpec(s, none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_NE(st.error().message().find("absolute path"), std::string::npos);
  s.workingDir = "/newdir";
  EXPECT_TRUE(checkCreateSpec(s, none).ok());
}

TEST(CreateChecks, UnknownStopSignalIs400) {
  auto s = base();
  s.stopSignal = "SIGFOO";
  auto st = checkCreateSpec(s, none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kInvalidArgument);
  s.stopSignal = "SIGUSR1";
  EXPECT_TRUE(checkCreateSpec(s, none).ok());
}

TEST(CreateChecks, NegativeRetryCountIs400) {
  auto s = base();
  s.restartPolicy = "on-failure";
  s.restartMaxRetries = -1;
  auto st = checkCreateSpec(s, none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kInvalidArgument);
  s.restartMaxRetries = 3;
  EXPECT_TRUE(checkCreateSpec(s, none).ok());
}

TEST(CreateChecks, NetworkModes) {
  auto s = base();
  for (const char* ok : {"", "default", "bridge", "none", "host"}) {
    s.networkMode = ok;
    EXPECT_TRUE(checkCreateSpec(s, none).ok()) << ok;
  }
  s.networkMode = "mynet";
  auto st = checkCreateSpec(s, none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kNotFound);
  s.networkMode = "container:ghost";
  st = checkCreateSpec(s, none);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kNotFound);
  EXPECT_NE(st.error().message().find("ghost"), std::string::npos);
  std::set<std::string> have = {"web"};
  s.networkMode = "container:web";
  EXPECT_TRUE(checkCreateSpec(s, [&](const std::string& n) { return have.count(n) > 0; }).ok());
}

TEST(ShimScan, IdFromCommandLine) {
  using namespace std::string_literals;
  EXPECT_EQ(shimIdFromCmdline("/usr/bin/wharf-shim\0--id\0abc\0--bundle\0/x\0"s), "abc");
  EXPECT_EQ(shimIdFromCmdline("wharf-shim\0--bundle\0/x\0--id\0def\0"s), "def");
  EXPECT_EQ(shimIdFromCmdline("/bin/sleep\0--id\0abc\0"s), "");
  EXPECT_EQ(shimIdFromCmdline("/usr/bin/not-wharf-shim\0--id\0abc\0"s), "");
  EXPECT_EQ(shimIdFromCmdline("wharf-shim\0--id\0"s), "");
  EXPECT_EQ(shimIdFromCmdline(""), "");
}

}  // namespace
}  // namespace wharf::engine
