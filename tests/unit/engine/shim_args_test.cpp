#include <gtest/gtest.h>

#include "engine/shim/shim.h"

namespace wharf::shim {
namespace {

bool parse(std::vector<std::string> args, ShimOptions* out) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parseShimArgs(static_cast<int>(argv.size()), argv.data(), out);
}

TEST(ShimArgs, ParsesTheDaemonsCommandLine) {
  ShimOptions o;
  ASSERT_TRUE(parse({"wharf-shim", "--id", "abc", "--bundle", "/b", "--runtime-root", "/r", "--log",
                     "/l", "--exit-file", "/e", "--ready-fd", "3", "--stdin", "1"},
                    &o));
  EXPECT_EQ(o.id, "abc");
  EXPECT_EQ(o.bundle, "/b");
  EXPECT_EQ(o.runtimeRoot, "/r");
  EXPECT_EQ(o.logPath, "/l");
  EXPECT_EQ(o.exitFile, "/e");
  EXPECT_EQ(o.readyFd, 3);
  EXPECT_TRUE(o.openStdin);
}

TEST(ShimArgs, RejectsIncompleteOrUnknown) {
  ShimOptions o;
  EXPECT_FALSE(parse({"wharf-shim", "--id", "abc"}, &o));
  ShimOptions o2;
  EXPECT_FALSE(parse({"wharf-shim", "--bogus", "x"}, &o2));
  ShimOptions o3;
  EXPECT_FALSE(parse({"wharf-shim", "--id"}, &o3));
}

}  // namespace
}  // namespace wharf::shim
