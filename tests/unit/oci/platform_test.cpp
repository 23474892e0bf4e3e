#include "oci/platform.h"

#include <gtest/gtest.h>

namespace wharf::oci {
namespace {

TEST(Platform, ParsesAndNormalises) {
  EXPECT_EQ(parsePlatform("linux/amd64").value().str(), "linux/amd64");
  EXPECT_EQ(parsePlatform("linux/aarch64").value().str(), "linux/arm64");
  EXPECT_EQ(parsePlatform("linux/arm64/v8").value().str(), "linux/arm64");
  EXPECT_EQ(parsePlatform("linux/arm").value().str(), "linux/arm/v7");
  EXPECT_EQ(parsePlatform("Linux/X86_64").value().str(), "linux/amd64");
  EXPECT_EQ(parsePlatform("linux").value().architecture, hostPlatform().architecture);
  for (const char* bad : {"", "linux/", "/amd64", "a/b/c/d", "linux/am d64", "linux//v7"})
    EXPECT_FALSE(parsePlatform(bad).ok()) << bad;
}

TEST(Platform, Matches) {
  Platform arm64{"linux", "arm64", ""};
  EXPECT_TRUE(platformMatches(arm64, {"linux", "arm64", "v8"}));
  EXPECT_TRUE(platformMatches(arm64, {"linux", "aarch64", ""}));
  EXPECT_FALSE(platformMatches(arm64, {"linux", "amd64", ""}));
  EXPECT_FALSE(platformMatches(arm64, {"windows", "arm64", ""}));
  EXPECT_TRUE(platformMatches({"linux", "arm", ""}, {"linux", "arm", "v7"}));
  EXPECT_FALSE(platformMatches({"linux", "arm", "v6"}, {"linux", "arm", "v7"}));
}

TEST(Platform, HostArchitectureIsGoArch) {
  std::string a = hostArchitecture();
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, "x86_64");
  EXPECT_NE(a, "aarch64");
}

}  // namespace
}  // namespace wharf::oci
