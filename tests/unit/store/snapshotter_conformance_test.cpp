// Conformance suite for store::Snapshotter (containerd's core/snapshots/testsuite idea): every
// implementation is instantiated below and must pass the same tests.

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <functional>
#include <memory>

#include "common/digest.h"
#include "common/fs.h"
#include "store/snapshotter.h"
#include "store/tar_builder.h"
#include "store/temp_dir.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;
using testing::TarBuilder;
using Factory = std::function<std::unique_ptr<Snapshotter>(const stdfs::path&)>;

// An arbitrary chain id, for snapshots that must never come to exist.
std::string chain(const std::string& seed) { return sha256Digest(seed); }

// The chain id a layer's content proves: its diff id for a base layer, else
// sha256(parent + " " + diff id).
std::string chainOf(const TarBuilder& b, const std::string& parent = "") {
  std::string diff = sha256Digest(b.tarBytes());
  return parent.empty() ? diff : sha256Digest(parent + " " + diff);
}

class SnapshotterConformance : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override {
    root_ = tmp_.path() / "snapshots";
    outside_ = tmp_.path() / "outside";
    ASSERT_TRUE(fs::mkdirAll(outside_).ok());
    ASSERT_TRUE(fs::writeFileAtomic(outside_ / "secret", "untouched").ok());
    sn_ = GetParam()(root_);
  }

  stdfs::path layer(const TarBuilder& b,
                    TarBuilder::Compression c = TarBuilder::Compression::kNone) {
    stdfs::path p = tmp_.path() / ("layer" + std::to_string(n_++) + ".tar");
    EXPECT_TRUE(b.write(p, c));
    return p;
  }

  // Nothing outside the snapshot root changed, and no temp dir was left behind.
  void expectContained() {
    EXPECT_EQ(fs::readFile(outside_ / "secret").value(), "untouched");
    size_t n = 0;
    for (auto& e : stdfs::directory_iterator(outside_)) {
      (void)e;
      ++n;
    }
    EXPECT_EQ(n, 1u) << "a file appeared outside the snapshot";
    std::error_code ec;
    for (auto& e : stdfs::directory_iterator(root_, ec))
      EXPECT_NE(e.path().filename().string().rfind("tmp-", 0), 0u) << e.path();
  }

  static bool isRoot() { return ::geteuid() == 0; }

  testing::TempDir tmp_;
  stdfs::path root_, outside_;
  std::unique_ptr<Snapshotter> sn_;
  int n_ = 0;
};

TEST_P(SnapshotterConformance, UnpacksFilesDirsAndLinks) {
  TarBuilder b;
  b.dir("etc/", 0750)
      .file("etc/hosts", "127.0.0.1 localhost\n", 0600)
      .file("bin/tool", "#!/bin/sh\n", 0755)  // parent not listed: created
      .symlink("bin/alias", "tool")
      .hardlink("bin/tool2", "bin/tool");
  for (auto c : {TarBuilder::Compression::kNone, TarBuilder::Compression::kGzip,
                 TarBuilder::Compression::kZstd}) {
    std::string id = chainOf(b);
    ASSERT_TRUE(sn_->removeSnapshot(id).ok());  // each compression unpacks afresh
    auto fsDir = sn_->unpackLayer(id, "", layer(b, c));
    ASSERT_TRUE(fsDir.ok()) << fsDir.error().message();
    EXPECT_TRUE(sn_->hasSnapshot(id));
    EXPECT_EQ(fs::readFile(*fsDir / "etc/hosts").value(), "127.0.0.1 localhost\n");
    struct stat st {};
    ASSERT_EQ(::stat((*fsDir / "etc/hosts").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(st.st_mtime, 1000);
    ASSERT_EQ(::stat((*fsDir / "etc").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    EXPECT_EQ(st.st_mtime, 1000);
    EXPECT_EQ(stdfs::read_symlink(*fsDir / "bin/alias"), "tool");
    struct stat a {
    }, h{};
    ASSERT_EQ(::stat((*fsDir / "bin/tool").c_str(), &a), 0);
    ASSERT_EQ(::stat((*fsDir / "bin/tool2").c_str(), &h), 0);
    EXPECT_EQ(a.st_ino, h.st_ino);
  }
  expectContained();
}

TEST_P(SnapshotterConformance, IdempotentLowerDirsAndRemove) {
  TarBuilder b1, b2;
  b1.file("a", "1");
  b2.file("b", "2");
  std::string base = chainOf(b1), top = chainOf(b2, base);
  auto l1 = layer(b1), l2 = layer(b2);
  auto d1 = sn_->unpackLayer(base, "", l1);
  ASSERT_TRUE(d1.ok()) << d1.error().message();
  // A second unpack keeps the existing snapshot (even from another blob).
  auto again = sn_->unpackLayer(base, "", l2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *d1);
  EXPECT_TRUE(fs::exists(*d1 / "a"));
  EXPECT_FALSE(fs::exists(*d1 / "b"));
  // The parent must exist.
  EXPECT_FALSE(sn_->unpackLayer(top, chain("missing"), l2).ok());
  // Content that does not prove the name is refused and leaves nothing.
  EXPECT_EQ(sn_->unpackLayer(top, "", l2).error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_FALSE(sn_->unpackLayer(chainOf(b2, chain("other")), base, l2).ok());
  EXPECT_FALSE(sn_->hasSnapshot(top));
  auto d2 = sn_->unpackLayer(top, base, l2);
  ASSERT_TRUE(d2.ok());
  auto lowers = sn_->lowerDirs({base, top});
  ASSERT_TRUE(lowers.ok());
  EXPECT_EQ(*lowers, (std::vector<std::string>{d2->string(), d1->string()}));
  EXPECT_EQ(sn_->lowerDirs({base, chain("nope")}).error().category(), ErrorCategory::kNotFound);
  ASSERT_TRUE(sn_->removeSnapshot(top).ok());
  EXPECT_FALSE(sn_->hasSnapshot(top));
  EXPECT_TRUE(sn_->removeSnapshot(top).ok());
  EXPECT_FALSE(sn_->unpackLayer("not-a-digest", "", l1).ok());
  expectContained();
}

TEST_P(SnapshotterConformance, EmptyLayers) {
  // Docker writes empty layers as a bare end-of-archive marker; a zero-byte blob is empty too.
  TarBuilder none;
  auto d = sn_->unpackLayer(chainOf(none), "", layer(none, TarBuilder::Compression::kGzip));
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_TRUE(stdfs::is_empty(*d));
  stdfs::path zero = tmp_.path() / "zero";
  ASSERT_TRUE(fs::writeFileAtomic(zero, "").ok());
  auto z = sn_->unpackLayer(sha256Digest(""), "", zero);
  ASSERT_TRUE(z.ok()) << z.error().message();
  expectContained();
}

TEST_P(SnapshotterConformance, CorruptLayerLeavesNothing) {
  stdfs::path bad = tmp_.path() / "bad.tar.gz";
  std::string gz = "\x1f\x8b\x08\x00garbage-that-is-not-deflate";
  ASSERT_TRUE(fs::writeFileAtomic(bad, gz).ok());
  std::string id = chain("bad");
  EXPECT_FALSE(sn_->unpackLayer(id, "", bad).ok());
  EXPECT_FALSE(sn_->hasSnapshot(id));
  expectContained();
}

TEST_P(SnapshotterConformance, DotDotIsRejected) {
  std::string id = chain("dotdot");
  auto r = sn_->unpackLayer(id, "", layer(TarBuilder().file("../outside/pwned", "x")));
  EXPECT_FALSE(r.ok());
  auto r2 = sn_->unpackLayer(chain("dotdot2"), "",
                             layer(TarBuilder().file("a/../../../outside/pwned2", "x")));
  EXPECT_FALSE(r2.ok());
  EXPECT_FALSE(sn_->hasSnapshot(id));
  expectContained();
}

TEST_P(SnapshotterConformance, AbsolutePathsStayInside) {
  std::string abs = (outside_ / "abs").string();  // an absolute path that exists on the host
  TarBuilder b;
  b.file(abs, "inside");
  auto r = sn_->unpackLayer(chainOf(b), "", layer(b));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(fs::readFile(*r / abs.substr(1)).value(), "inside");
  expectContained();
}

TEST_P(SnapshotterConformance, SymlinkOutThenWriteThrough) {
  for (const std::string& target :
       {outside_.string(), std::string("../../../../../../..") + outside_.string()}) {
    TarBuilder b;
    b.symlink("evil", target).file("evil/pwned", "x").file("evil/secret", "overwritten");
    std::string id = chainOf(b);
    auto r = sn_->unpackLayer(id, "", layer(b));
    // Either refused, or written under the snapshot's own tree: never on the host.
    if (r.ok()) {
      EXPECT_EQ(stdfs::read_symlink(*r / "evil"), target);
    }
    expectContained();
  }
}

TEST_P(SnapshotterConformance, HardLinkOutIsNotFollowed) {
  struct stat passwd {};
  ASSERT_EQ(::stat("/etc/passwd", &passwd), 0);
  for (const std::string& target : {std::string("/etc/passwd"), std::string("../../etc/passwd")}) {
    TarBuilder b;
    b.hardlink("hl", target);
    auto r = sn_->unpackLayer(chainOf(b), "", layer(b));
    if (r.ok()) {
      struct stat st {};
      if (::stat((*r / "hl").c_str(), &st) == 0) {
        EXPECT_NE(st.st_ino, passwd.st_ino);
      }
    }
  }
  // Through a symlinked directory that points out.
  TarBuilder b;
  b.symlink("etcdir", "/etc").hardlink("hl", "etcdir/passwd");
  auto r = sn_->unpackLayer(chainOf(b), "", layer(b));
  if (r.ok()) {
    struct stat st {};
    if (::stat((*r / "hl").c_str(), &st) == 0) {
      EXPECT_NE(st.st_ino, passwd.st_ino);
    }
  }
  // A link to a symlink links the symlink itself, which is then harmless text.
  TarBuilder c;
  c.symlink("sl", outside_ / "secret").hardlink("hl", "sl");
  auto r2 = sn_->unpackLayer(chainOf(c), "", layer(c));
  ASSERT_TRUE(r2.ok()) << r2.error().message();
  struct stat st {};
  ASSERT_EQ(::lstat((*r2 / "hl").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  expectContained();
}

TEST_P(SnapshotterConformance, WhiteoutsBecomeOverlayWhiteouts) {
  if (!isRoot()) GTEST_SKIP() << "whiteouts are char devices and trusted.* xattrs: needs root";
  TarBuilder lower, topLayer;
  lower.file("a/b", "b").file("a/c", "c").file("d/old", "old");
  topLayer.file("a/.wh.b", "").dir("d/").file("d/.wh..wh..opq", "").file("d/new", "n");
  std::string base = chainOf(lower), top = chainOf(topLayer, base);
  ASSERT_TRUE(sn_->unpackLayer(base, "", layer(lower)).ok());
  auto d = sn_->unpackLayer(top, base, layer(topLayer));
  ASSERT_TRUE(d.ok()) << d.error().message();
  struct stat st {};
  ASSERT_EQ(::lstat((*d / "a/b").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(fs::exists(*d / "a/.wh.b"));
  EXPECT_FALSE(fs::exists(*d / "d/.wh..wh..opq"));
  char v[8] = {};
  ASSERT_EQ(::getxattr((*d / "d").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_TRUE(fs::exists(*d / "d/new"));

  // Through overlayfs: b is gone, c stays, d shows only what the top layer has.
  auto lowers = sn_->lowerDirs({base, top});
  ASSERT_TRUE(lowers.ok());
  stdfs::path merged = tmp_.path() / "merged", upper = tmp_.path() / "upper",
              work = tmp_.path() / "work";
  for (auto& p : {merged, upper, work}) ASSERT_TRUE(fs::mkdirAll(p).ok());
  auto st2 = mountOverlay({*lowers, upper.string(), work.string()}, merged);
  if (!st2.ok()) GTEST_SKIP() << "overlayfs unavailable: " << st2.error().message();
  EXPECT_FALSE(fs::exists(merged / "a/b"));
  EXPECT_TRUE(fs::exists(merged / "a/c"));
  EXPECT_FALSE(fs::exists(merged / "d/old"));
  EXPECT_TRUE(fs::exists(merged / "d/new"));
  EXPECT_TRUE(fs::writeFileAtomic(merged / "written", "w").ok());
  EXPECT_TRUE(unmountPath(merged).ok());
  EXPECT_TRUE(fs::exists(upper / "written"));
  EXPECT_TRUE(unmountPath(merged).ok());  // not mounted: fine
  expectContained();
}

TEST_P(SnapshotterConformance, SingleLowerIsReadOnlyBind) {
  if (!isRoot()) GTEST_SKIP() << "mounting needs root";
  TarBuilder b;
  b.file("f", "x");
  auto d = sn_->unpackLayer(chainOf(b), "", layer(b));
  ASSERT_TRUE(d.ok());
  stdfs::path target = tmp_.path() / "ro";
  ASSERT_TRUE(fs::mkdirAll(target).ok());
  auto st = mountOverlay({{d->string()}, "", ""}, target);
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(fs::readFile(target / "f").value(), "x");
  EXPECT_FALSE(fs::writeFileAtomic(target / "g", "y").ok());
  EXPECT_TRUE(unmountPath(target).ok());
  EXPECT_FALSE(mountOverlay({{"/a,b"}, "", ""}, target).ok());
}

INSTANTIATE_TEST_SUITE_P(Overlay, SnapshotterConformance,
                         ::testing::Values(Factory([](const stdfs::path& root) {
                           return std::make_unique<OverlaySnapshotter>(root);
                         })));

}  // namespace
}  // namespace wharf::store
