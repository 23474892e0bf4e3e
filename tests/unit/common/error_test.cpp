#include "common/error.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/fs.h"
#include "common/random.h"

namespace wharf {
namespace {

Result<int> half(int x) {
  if (x % 2) return invalidArgument("odd number " + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  WHARF_ASSIGN_OR_RETURN(int h, half(x));
  WHARF_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

TEST(Result, PropagatesErrorsWithCategory) {
  EXPECT_EQ(*quarter(8), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "odd number 3");
}

TEST(Error, ContextChainsAndKeepsErrno) {
  Error e = sysError("mount \"proc\" on \"/proc\"", EPERM);
  e.context("create container");
  EXPECT_EQ(e.category(), ErrorCategory::kInternal);
  EXPECT_EQ(e.sysErrno(), EPERM);
  EXPECT_EQ(e.message(), "create container: mount \"proc\" on \"/proc\": Operation not permitted");
}

TEST(Digest, KnownVector) {
  EXPECT_EQ(sha256Digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(parseDigest(sha256Digest("x")).ok());
  EXPECT_FALSE(parseDigest("md5:abc").ok());
  EXPECT_FALSE(parseDigest("sha256:ABC").ok());
}

TEST(Fs, AtomicWriteThenRead) {
  auto dir = std::filesystem::temp_directory_path() / ("wharf-test-" + randomHex(6));
  ASSERT_TRUE(fs::mkdirAll(dir).ok());
  ASSERT_TRUE(fs::writeFileAtomic(dir / "f", "hello").ok());
  EXPECT_EQ(*fs::readFile(dir / "f"), "hello");
  EXPECT_EQ(fs::readFile(dir / "missing").error().sysErrno(), ENOENT);
  ASSERT_TRUE(fs::removeAll(dir).ok());
  EXPECT_FALSE(fs::exists(dir));
}

TEST(Random, HexLength) { EXPECT_EQ(randomHex(32).size(), 64u); }

}  // namespace
}  // namespace wharf
