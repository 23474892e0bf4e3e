// store::StagedLayer: a layer unpacked from its bytes as they arrive (image pulls) must give
// exactly what the file path gives, and fail (leaving nothing) wherever the file path fails.

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <random>

#include "common/digest.h"
#include "common/fs.h"
#include "store/snapshotter.h"
#include "store/tar_builder.h"
#include "store/temp_dir.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;
using testing::TarBuilder;
using Compression = TarBuilder::Compression;

std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

// A layer big enough to fill the bounded queue several times over, half of it compressible.
TarBuilder bigLayer() {
  TarBuilder b;
  std::string text;
  for (int i = 0; text.size() < (3u << 20); ++i) text += "line " + std::to_string(i) + "\n";
  b.dir("etc/", 0750)
      .file("etc/hosts", "127.0.0.1 localhost\n", 0600)
      .file("bin/tool", "#!/bin/sh\n", 0755)
      .symlink("bin/alias", "tool")
      .hardlink("bin/tool2", "bin/tool")
      .file("data/random", randomBytes(5 << 20, 7))
      .file("data/text", text)
      .file("data/empty", "");
  return b;
}

// One gzip member of `data` (libarchive's raw format writes the bytes as they are).
std::string gzipOf(const std::string& data) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  archive_write_set_bytes_per_block(a, 0);
  auto cb = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  EXPECT_EQ(archive_write_open(a, &out, nullptr, cb, nullptr), ARCHIVE_OK);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
  EXPECT_EQ(archive_write_data(a, data.data(), data.size()), static_cast<la_ssize_t>(data.size()));
  archive_entry_free(e);
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

// What a tree shows: type, mode, link count, size and time, content, link target.
std::map<std::string, std::string> describe(const stdfs::path& root) {
  std::map<std::string, std::string> out;
  for (auto& e : stdfs::recursive_directory_iterator(root)) {
    struct stat st {};
    EXPECT_EQ(::lstat(e.path().c_str(), &st), 0);
    std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_nlink);
    // Directories the tar does not list are created when needed, with the time of the day.
    if (!S_ISDIR(st.st_mode))
      d += " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtime);
    if (S_ISREG(st.st_mode)) d += " " + sha256Digest(fs::readFile(e.path()).value());
    if (S_ISLNK(st.st_mode)) d += " -> " + stdfs::read_symlink(e.path()).string();
    out[stdfs::relative(e.path(), root).string()] = d;
  }
  return out;
}

class StagedLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    outside_ = tmp_.path() / "outside";
    ASSERT_TRUE(fs::mkdirAll(outside_).ok());
    ASSERT_TRUE(fs::writeFileAtomic(outside_ / "secret", "untouched").ok());
  }

  std::string blob(const TarBuilder& b, Compression c) {
    stdfs::path p = tmp_.path() / ("blob" + std::to_string(n_++));
    EXPECT_TRUE(b.write(p, c));
    return fs::readFile(p).value();
  }

  // Feeds `bytes` in odd-sized pieces (1 byte up to a little over 1 MiB); the first error.
  static Status feed(StagedLayer& s, std::string_view bytes) {
    static const size_t kSizes[] = {1, 3, 4093, 65537, 7, (1 << 20) + 3, 511, 2 << 20};
    for (size_t off = 0, k = 0; off < bytes.size(); ++k) {
      size_t n = std::min(kSizes[k % std::size(kSizes)], bytes.size() - off);
      WHARF_TRY(s.write(bytes.substr(off, n)));
      off += n;
    }
    return okStatus();
  }

  // Streams `bytes` and returns the error of write or finish, if any.
  Status stream(OverlaySnapshotter& sn, std::string_view bytes) {
    auto s = sn.stageLayer();
    if (!s.ok()) return std::move(s).error();
    WHARF_TRY(feed(**s, bytes));
    WHARF_TRY((*s)->finish(sha256Digest(bytes)));
    return okStatus();
  }

  void expectNothingLeft(const stdfs::path& root) {
    EXPECT_EQ(fs::readFile(outside_ / "secret").value(), "untouched");
    EXPECT_EQ(std::distance(stdfs::directory_iterator(outside_), stdfs::directory_iterator()), 1);
    std::error_code ec;
    for (auto& e : stdfs::directory_iterator(root, ec))
      ADD_FAILURE() << "left behind: " << e.path();
  }

  testing::TempDir tmp_;
  stdfs::path outside_;
  int n_ = 0;
};

TEST_F(StagedLayerTest, SameTreeAndDiffIdAsTheFilePath) {
  TarBuilder b = bigLayer();
  const std::string diffId = sha256Digest(b.tarBytes());
  for (auto c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(static_cast<int>(c));
    std::string bytes = blob(b, c);
    const std::string blobDigest = sha256Digest(bytes);
    OverlaySnapshotter files(tmp_.path() / ("files" + std::to_string(n_)));
    stdfs::path p = tmp_.path() / "layer";
    ASSERT_TRUE(fs::writeFileAtomic(p, bytes).ok());
    auto fromFile = files.unpackLayer(diffId, "", p);
    ASSERT_TRUE(fromFile.ok()) << fromFile.error().message();

    OverlaySnapshotter streamed(tmp_.path() / ("streamed" + std::to_string(n_)));
    auto s = streamed.stageLayer();
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_TRUE(feed(**s, bytes).ok());
    auto d = (*s)->finish(blobDigest);
    ASSERT_TRUE(d.ok()) << d.error().message();
    // A plain tar's diff id is its blob digest (not hashed twice): the same value.
    EXPECT_EQ(*d, diffId);
    auto fsDir = (*s)->commit(diffId, "");
    ASSERT_TRUE(fsDir.ok()) << fsDir.error().message();
    EXPECT_TRUE(streamed.hasSnapshot(diffId));
    EXPECT_EQ(describe(*fsDir), describe(*fromFile));
    // The file path with a known digest skips the hash too, and still checks the chain id.
    OverlaySnapshotter known(tmp_.path() / ("known" + std::to_string(n_)));
    EXPECT_TRUE(known.unpackLayer(diffId, "", p, blobDigest).ok());
  }
}

TEST_F(StagedLayerTest, ChecksTheChainIdAndParent) {
  TarBuilder b;
  b.file("a", "1");
  OverlaySnapshotter sn(tmp_.path() / "sn");
  std::string bytes = blob(b, Compression::kGzip);
  for (const auto& [chainId, parent] :
       {std::pair{sha256Digest("other"), std::string()},
        std::pair{sha256Digest(sha256Digest("p") + " " + sha256Digest(b.tarBytes())),
                  sha256Digest("p")}}) {
    auto s = sn.stageLayer();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(feed(**s, bytes).ok());
    ASSERT_TRUE((*s)->finish(sha256Digest(bytes)).ok());
    EXPECT_FALSE((*s)->commit(chainId, parent).ok());
    EXPECT_FALSE(sn.hasSnapshot(chainId));
  }
  expectNothingLeft(tmp_.path() / "sn");
}

TEST_F(StagedLayerTest, GzipOfSeveralMembers) {
  // pigz and concatenated gzip files: one stream, as Go's gzip reader (docker's) reads it.
  TarBuilder b = bigLayer();
  std::string tar = b.tarBytes();
  std::string bytes = gzipOf(tar.substr(0, 1234567)) + gzipOf(tar.substr(1234567));
  OverlaySnapshotter sn(tmp_.path() / "sn");
  auto s = sn.stageLayer();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(feed(**s, bytes).ok());
  auto d = (*s)->finish(sha256Digest(bytes));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(*d, sha256Digest(tar));
  stdfs::path p = tmp_.path() / "layer";
  ASSERT_TRUE(fs::writeFileAtomic(p, bytes).ok());
  EXPECT_TRUE(sn.unpackLayer(sha256Digest(tar), "", p).ok());
}

TEST_F(StagedLayerTest, CorruptOrTruncatedLayersFail) {
  TarBuilder b = bigLayer();
  std::string gz = blob(b, Compression::kGzip);
  std::string tar = blob(b, Compression::kNone);
  std::string corrupt = gz;
  corrupt[corrupt.size() / 2] ^= 0x55;
  std::string badCrc = gz;
  badCrc[badCrc.size() - 6] ^= 0x01;  // the trailer's CRC-32
  const std::map<std::string, std::string> cases = {
      {"corrupt gzip", corrupt},
      {"gzip with a wrong CRC", badCrc},
      {"gzip cut in its data", gz.substr(0, gz.size() / 2)},
      {"gzip cut in its trailer", gz.substr(0, gz.size() - 3)},
      {"gzip followed by garbage", gz + "garbage"},
      {"tar cut in a file", tar.substr(0, tar.size() / 2)},
      {"zstd cut", blob(b, Compression::kZstd).substr(0, 100000)},
  };
  for (const auto& [what, bytes] : cases) {
    SCOPED_TRACE(what);
    OverlaySnapshotter sn(tmp_.path() / "sn");
    EXPECT_FALSE(stream(sn, bytes).ok());
    stdfs::path p = tmp_.path() / "layer";
    ASSERT_TRUE(fs::writeFileAtomic(p, bytes).ok());
    EXPECT_FALSE(sn.unpackLayer(sha256Digest(b.tarBytes()), "", p).ok());
    expectNothingLeft(tmp_.path() / "sn");
  }
}

TEST_F(StagedLayerTest, AnEntryEscapingTheLayerFailsAndWritesNothingOutside) {
  for (auto c : {Compression::kNone, Compression::kGzip}) {
    OverlaySnapshotter sn(tmp_.path() / "sn");
    TarBuilder b;
    b.file("ok", "x").file("../outside/pwned", "x");
    EXPECT_FALSE(stream(sn, blob(b, c)).ok());
    TarBuilder l;
    l.symlink("link", "../../outside").file("link/pwned", "x");
    // Resolved inside the root: written (if at all) under the staging dir, never outside.
    (void)stream(sn, blob(l, c));
    expectNothingLeft(tmp_.path() / "sn");
  }
}

TEST_F(StagedLayerTest, ADroppedLayerLeavesNothingAndAFreshOneStartsOver) {
  TarBuilder b = bigLayer();
  std::string bytes = blob(b, Compression::kGzip);
  OverlaySnapshotter sn(tmp_.path() / "sn");
  {
    // A download the registry restarted from zero: what was extracted goes with the layer,
    // even while its extractor waits for more bytes.
    auto s = sn.stageLayer();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(feed(**s, std::string_view(bytes).substr(0, bytes.size() / 3)).ok());
  }
  expectNothingLeft(tmp_.path() / "sn");
  auto s = sn.stageLayer();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(feed(**s, bytes).ok());
  auto d = (*s)->finish(sha256Digest(bytes));
  ASSERT_TRUE(d.ok()) << d.error().message();
  auto fsDir = (*s)->commit(*d, "");
  ASSERT_TRUE(fsDir.ok()) << fsDir.error().message();
  EXPECT_EQ(fs::readFile(*fsDir / "etc/hosts").value(), "127.0.0.1 localhost\n");
  // Only the committed snapshot remains.
  EXPECT_EQ(
      std::distance(stdfs::directory_iterator(tmp_.path() / "sn"), stdfs::directory_iterator()), 1);
}

TEST_F(StagedLayerTest, EmptyLayers) {
  OverlaySnapshotter sn(tmp_.path() / "sn");
  auto s = sn.stageLayer();
  ASSERT_TRUE(s.ok());
  auto d = (*s)->finish(sha256Digest(""));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(*d, sha256Digest(""));
  EXPECT_TRUE((*s)->commit(*d, "").ok());
}

}  // namespace
}  // namespace wharf::store
