#include "store/content_store.h"

#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/fs.h"
#include "store/temp_dir.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;

size_t countFiles(const stdfs::path& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = stdfs::directory_iterator(dir, ec); !ec && it != stdfs::directory_iterator(); ++it)
    ++n;
  return n;
}

TEST(ContentStore, PutReadHasRemove) {
  testing::TempDir tmp;
  LocalContentStore cs(tmp.path() / "content");
  auto d = cs.put("hello");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(*d, sha256Digest("hello"));
  EXPECT_TRUE(cs.has(*d));
  EXPECT_EQ(cs.blobPath(*d), tmp.path() / "content/blobs/sha256" / parseDigest(*d).value());
  auto data = cs.read(*d);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "hello");
  EXPECT_EQ(cs.size(*d).value(), 5);
  EXPECT_EQ(cs.list().value(), std::vector<std::string>{*d});
  // Idempotent.
  EXPECT_EQ(cs.put("hello", *d).value(), *d);
  ASSERT_TRUE(cs.remove(*d).ok());
  EXPECT_FALSE(cs.has(*d));
  EXPECT_EQ(cs.read(*d).error().category(), ErrorCategory::kNotFound);
  EXPECT_TRUE(cs.remove(*d).ok());  // already gone is fine
  EXPECT_EQ(countFiles(tmp.path() / "content/ingest"), 0u);
}

TEST(ContentStore, DigestMismatchLeavesNothing) {
  testing::TempDir tmp;
  LocalContentStore cs(tmp.path() / "content");
  std::string wrong = sha256Digest("other");
  auto d = cs.put("hello", wrong);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_NE(d.error().message().find("digest mismatch"), std::string::npos);
  EXPECT_FALSE(cs.has(wrong));
  EXPECT_FALSE(cs.has(sha256Digest("hello")));
  EXPECT_EQ(countFiles(tmp.path() / "content/blobs/sha256"), 0u);
  EXPECT_EQ(countFiles(tmp.path() / "content/ingest"), 0u);
}

TEST(ContentStore, PutFileStreamsAndLeavesSourceAlone) {
  testing::TempDir tmp;
  LocalContentStore cs(tmp.path() / "content");
  std::string big(3 << 20, 'x');  // larger than the copy buffer
  big[12345] = 'y';
  stdfs::path src = tmp.path() / "src";
  ASSERT_TRUE(fs::writeFileAtomic(src, big).ok());
  auto d = cs.putFile(src, sha256Digest(big));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(cs.read(*d).value(), big);
  EXPECT_EQ(fs::readFile(src).value(), big);

  auto bad = cs.putFile(src, sha256Digest("nope"));
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(cs.has(sha256Digest("nope")));
  EXPECT_EQ(countFiles(tmp.path() / "content/ingest"), 0u);
  EXPECT_EQ(countFiles(tmp.path() / "content/blobs/sha256"), 1u);
  EXPECT_FALSE(cs.putFile(tmp.path() / "missing").ok());
  EXPECT_EQ(countFiles(tmp.path() / "content/ingest"), 0u);
}

TEST(ContentStore, StreamingWriter) {
  testing::TempDir tmp;
  LocalContentStore cs(tmp.path() / "content");
  {
    auto w = cs.writer();
    ASSERT_TRUE(w.ok()) << w.error().message();
    ASSERT_TRUE((*w)->write("hel").ok());
    ASSERT_TRUE((*w)->write("lo").ok());
    EXPECT_EQ((*w)->size(), 5);
    EXPECT_FALSE(cs.has(sha256Digest("hello")));  // invisible until committed
    auto d = (*w)->commit(sha256Digest("hello"));
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(cs.read(*d).value(), "hello");
    EXPECT_FALSE((*w)->write("more").ok());
  }
  {
    auto w = cs.writer();
    ASSERT_TRUE((*w)->write("bad").ok());
    EXPECT_FALSE((*w)->commit(sha256Digest("good")).ok());
  }
  {
    auto w = cs.writer();
    ASSERT_TRUE((*w)->write("abandoned").ok());
  }  // dropped uncommitted
  EXPECT_EQ(countFiles(tmp.path() / "content/ingest"), 0u);
  EXPECT_EQ(countFiles(tmp.path() / "content/blobs/sha256"), 1u);
}

TEST(ContentStore, RejectsInvalidDigests) {
  testing::TempDir tmp;
  LocalContentStore cs(tmp.path() / "content");
  EXPECT_FALSE(cs.put("x", "md5:abc").ok());
  EXPECT_FALSE(cs.has("sha256:../../etc/passwd"));
  EXPECT_TRUE(cs.blobPath("sha256:../x").empty());
  EXPECT_FALSE(cs.read("sha256:zz").ok());
  EXPECT_FALSE(cs.remove("nonsense").ok());
}

TEST(ContentStore, StaleIngestFilesAreCleaned) {
  testing::TempDir tmp;
  ASSERT_TRUE(fs::mkdirAll(tmp.path() / "content/ingest").ok());
  ASSERT_TRUE(fs::writeFileAtomic(tmp.path() / "content/ingest/leftover", "half").ok());
  LocalContentStore cs(tmp.path() / "content");
  ASSERT_TRUE(cs.put("data").ok());
  EXPECT_EQ(countFiles(tmp.path() / "content/ingest"), 0u);
}

}  // namespace
}  // namespace wharf::store
