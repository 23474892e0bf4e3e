#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/fs.h"
#include "image/image_service.h"
#include "store/tar_builder.h"
#include "store/temp_dir.h"

namespace wharf::image {
namespace {

namespace stdfs = std::filesystem;
using testing::TarBuilder;

class ArchiveLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content_ = std::make_unique<store::LocalContentStore>(tmp_.path() / "content");
    snapshots_ = std::make_unique<store::OverlaySnapshotter>(tmp_.path() / "snapshots");
    db_ = std::move(store::MetadataDb::open(tmp_.path() / "wharf.db").value());
    svc_ = std::make_unique<ImageService>(*content_, *snapshots_, *db_);
  }

  // A `docker save` archive of one image with two layers; `badDiff` breaks the config.
  stdfs::path saveArchive(bool badDiff, bool withManifest = true) {
    TarBuilder l1, l2;
    l1.file("etc/hello", "hi\n").file("bin/x", "x", 0755);
    l2.file("etc/.wh.hello", "").file("etc/second", "2");
    std::string t1 = l1.tarBytes(), t2 = l2.tarBytes();
    oci::ImageConfig cfg;
    cfg.created = "2024-01-02T03:04:05.123456789Z";
    cfg.architecture = "amd64";
    cfg.os = "linux";
    cfg.cmd = {"/bin/x"};
    cfg.diffIds = {sha256Digest(t1), badDiff ? sha256Digest("nope") : sha256Digest(t2)};
    std::string cfgJson = oci::serializeImageConfig(cfg);
    auto hex = [](const std::string& data) { return sha256Hex(data); };
    std::string manifest = "[{\"Config\":\"blobs/sha256/" + hex(cfgJson) +
                           "\",\"RepoTags\":[\"test/app:1\",\"other:latest\"],\"Layers\":["
                           "\"blobs/sha256/" +
                           hex(t1) + "\",\"blobs/sha256/" + hex(t2) + "\"]}]";
    TarBuilder outer;
    outer.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
        .file("blobs/sha256/" + hex(cfgJson), cfgJson)
        .file("blobs/sha256/" + hex(t1), t1)
        .file("blobs/sha256/" + hex(t2), t2);
    if (withManifest) outer.file("manifest.json", manifest);
    stdfs::path out = tmp_.path() / "image.tar.gz";
    EXPECT_TRUE(outer.write(out, TarBuilder::Compression::kGzip));
    return out;
  }

  static bool isRoot() { return ::geteuid() == 0; }

  testing::TempDir tmp_;
  std::unique_ptr<store::LocalContentStore> content_;
  std::unique_ptr<store::OverlaySnapshotter> snapshots_;
  std::unique_ptr<store::MetadataDb> db_;
  std::unique_ptr<ImageService> svc_;
};

TEST_F(ArchiveLoadTest, LoadsADockerSaveArchive) {
  if (!isRoot()) GTEST_SKIP() << "the second layer has a whiteout: needs root";
  auto imgs = svc_->loadArchive(saveArchive(false));
  ASSERT_TRUE(imgs.ok()) << imgs.error().message();
  ASSERT_EQ(imgs->size(), 1u);
  const Image& img = imgs->front();
  EXPECT_EQ(img.repoTags, (std::vector<std::string>{"other:latest", "test/app:1"}));
  EXPECT_EQ(img.config.cmd, std::vector<std::string>{"/bin/x"});
  EXPECT_EQ(img.created, 1704164645);
  EXPECT_EQ(svc_->resolve("test/app:1").value().id, img.id);
  auto lowers = svc_->ensureUnpacked(img);
  ASSERT_TRUE(lowers.ok()) << lowers.error().message();
  ASSERT_EQ(lowers->size(), 2u);
  EXPECT_EQ(fs::readFile(stdfs::path(lowers->at(1)) / "etc/hello").value(), "hi\n");
  EXPECT_EQ(fs::readFile(stdfs::path(lowers->at(0)) / "etc/second").value(), "2");
  // The oci-layout member is not part of any image: not kept.
  EXPECT_FALSE(content_->has(sha256Digest("{\"imageLayoutVersion\":\"1.0.0\"}")));
  EXPECT_EQ(content_->list().value().size(), 4u);  // config, two layers, manifest
  // Loading again is harmless.
  auto again = svc_->loadArchive(saveArchive(false));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->front().id, img.id);
}

TEST_F(ArchiveLoadTest, WrongDiffIdIsRefusedAndLeavesNothing) {
  auto r = svc_->loadArchive(saveArchive(true));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(svc_->list().value().empty());
  EXPECT_TRUE(content_->list().value().empty());
}

TEST_F(ArchiveLoadTest, BadArchives) {
  auto noManifest = svc_->loadArchive(saveArchive(false, false));
  ASSERT_FALSE(noManifest.ok());
  EXPECT_NE(noManifest.error().message().find("no manifest.json"), std::string::npos);
  stdfs::path junk = tmp_.path() / "junk";
  ASSERT_TRUE(fs::writeFileAtomic(junk, "this is not a tar").ok());
  EXPECT_FALSE(svc_->loadArchive(junk).ok());
  EXPECT_FALSE(svc_->loadArchive(tmp_.path() / "missing").ok());
}

}  // namespace
}  // namespace wharf::image
