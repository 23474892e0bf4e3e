// The JSON depth bound (no recursion on client input) and the mountinfo reader.
#include <gtest/gtest.h>

#include "common/json.h"
#include "common/mountinfo.h"

namespace wharf {
namespace {

TEST(JsonDepth, CountsNestingOutsideStrings) {
  EXPECT_EQ(jsonDepth("{}", 10), 1u);
  EXPECT_EQ(jsonDepth(R"({"a":[1,{"b":[]}]})", 10), 4u);
  EXPECT_EQ(jsonDepth(R"({"a":"[[[[[[[["})", 10), 1u);
  EXPECT_EQ(jsonDepth(R"({"a":"\"[[[[["})", 10), 1u) << "an escaped quote does not end a string";
  EXPECT_EQ(jsonDepth("42", 10), 0u);
}

TEST(JsonDepth, DeepDocumentsAreRefusedBeforeParsing) {
  std::string deep(1 << 20, '[');
  deep += std::string(1 << 20, ']');
  auto r = parseJson(deep, "request body");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_NE(r.error().message().find("nested deeper than"), std::string::npos);
}

TEST(JsonDepth, AtTheBoundIsParsed) {
  std::string ok(kMaxJsonDepth, '[');
  ok += std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(parseJson(ok, "x").ok());
  std::string over = "[" + ok + "]";
  EXPECT_FALSE(parseJson(over, "x").ok());
}

TEST(MountInfo, ParsesMountPointsWithEscapes) {
  const char* text =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "41 22 0:37 / /var/lib/wharf/containers/abc/merged rw - overlay overlay rw,lowerdir=x\n"
      "42 22 0:38 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
      "garbage\n";
  auto points = parseMountPoints(text);
  EXPECT_TRUE(points.count("/"));
  EXPECT_TRUE(points.count("/var/lib/wharf/containers/abc/merged"));
  EXPECT_TRUE(points.count("/mnt/with space"));
  EXPECT_EQ(points.size(), 3u);
}

TEST(MountInfo, ThisProcessHasARoot) {
  auto root = isMountPoint("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(*root);
}

}  // namespace
}  // namespace wharf
