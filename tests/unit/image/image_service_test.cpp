#include "image/image_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/digest.h"
#include "common/fs.h"
#include "image/internal/busybox.h"
#include "store/temp_dir.h"

namespace wharf::image {
namespace {

namespace stdfs = std::filesystem;

class ImageServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content_ = std::make_unique<store::LocalContentStore>(tmp_.path() / "content");
    snapshots_ = std::make_unique<store::OverlaySnapshotter>(tmp_.path() / "snapshots");
    auto db = store::MetadataDb::open(tmp_.path() / "wharf.db");
    ASSERT_TRUE(db.ok()) << db.error().message();
    db_ = std::move(*db);
    svc_ = std::make_unique<ImageService>(*content_, *snapshots_, *db_);
  }
  static bool haveBusybox() { return fs::exists("/bin/busybox"); }

  testing::TempDir tmp_;
  std::unique_ptr<store::LocalContentStore> content_;
  std::unique_ptr<store::OverlaySnapshotter> snapshots_;
  std::unique_ptr<store::MetadataDb> db_;
  std::unique_ptr<ImageService> svc_;
};

TEST_F(ImageServiceTest, BusyboxLayerIsReproducible) {
  if (!haveBusybox()) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
  auto a = internal::buildBusyboxLayer();
  auto b = internal::buildBusyboxLayer();
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(sha256Digest(a->tar), sha256Digest(b->tar));
  EXPECT_EQ(sha256Digest(a->tarGzip), sha256Digest(b->tarGzip));
  // gzip header: no mtime (bytes 4..7) and no name flag.
  ASSERT_GT(a->tarGzip.size(), 10u);
  EXPECT_EQ(a->tarGzip.substr(4, 4), std::string(4, '\0'));
  EXPECT_EQ(a->tarGzip[3] & 0x08, 0);
}

TEST_F(ImageServiceTest, BootstrapTwiceGivesTheSameImage) {
  if (!haveBusybox()) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
  auto first = svc_->bootstrap("busybox");
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = svc_->bootstrap("busybox");
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(first->manifestDigest, second->manifestDigest);
  EXPECT_EQ(first->diffIds, second->diffIds);

  const Image& img = *first;
  EXPECT_EQ(img.repoTags, std::vector<std::string>{"busybox:latest"});
  EXPECT_EQ(img.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(img.config.env,
            std::vector<std::string>{
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  EXPECT_EQ(img.config.os, "linux");
  EXPECT_FALSE(img.config.architecture.empty());
  ASSERT_EQ(img.diffIds.size(), 1u);
  EXPECT_EQ(img.chainIds, img.diffIds);
  EXPECT_GT(img.size, 1000000);
  EXPECT_EQ(img.config.history.size(), 1u);
  // The id is the config's digest, and every blob is in the store.
  EXPECT_TRUE(content_->has(img.id));
  auto m = oci::parseManifest(content_->read(img.manifestDigest).value());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->mediaType, oci::kMediaTypeManifest);
  EXPECT_EQ(m->config.digest, img.id);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_TRUE(content_->has(m->layers[0].digest));
  EXPECT_EQ(sha256Digest(content_->read(img.id).value()), img.id);
  EXPECT_EQ(svc_->list().value().size(), 1u);
}

TEST_F(ImageServiceTest, BootstrapUnpacksARunnableTree) {
  if (!haveBusybox()) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
  auto img = svc_->bootstrap("busybox");
  ASSERT_TRUE(img.ok()) << img.error().message();
  auto lowers = svc_->ensureUnpacked(*img);
  ASSERT_TRUE(lowers.ok()) << lowers.error().message();
  ASSERT_EQ(lowers->size(), 1u);
  stdfs::path fsDir = lowers->front();
  EXPECT_EQ(stdfs::read_symlink(fsDir / "bin/sh"), "busybox");
  EXPECT_EQ(stdfs::read_symlink(fsDir / "bin/ls"), "busybox");
  EXPECT_NE(fs::readFile(fsDir / "etc/passwd").value().find("root:x:0:0:root:/root:/bin/sh\n"),
            std::string::npos);
  EXPECT_NE(fs::readFile(fsDir / "etc/group").value().find("nogroup:x:65534:"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((fsDir / "tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  ASSERT_EQ(::stat((fsDir / "root").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat((fsDir / "bin/busybox").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  for (const char* d : {"dev", "proc", "sys"}) EXPECT_TRUE(stdfs::is_directory(fsDir / d)) << d;
}

TEST_F(ImageServiceTest, Resolve) {
  if (!haveBusybox()) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
  auto img = svc_->bootstrap("busybox");
  ASSERT_TRUE(img.ok()) << img.error().message();
  const std::string hex = img->id.substr(7);
  for (const std::string& q : {std::string("busybox"), std::string("busybox:latest"),
                               std::string("docker.io/library/busybox"), img->id, hex.substr(0, 12),
                               hex.substr(0, 1), "sha256:" + hex.substr(0, 5)}) {
    auto r = svc_->resolve(q);
    ASSERT_TRUE(r.ok()) << q << ": " << r.error().message();
    EXPECT_EQ(r->id, img->id) << q;
  }
  auto byDigest = svc_->resolve("busybox@" + img->manifestDigest);
  ASSERT_TRUE(byDigest.ok()) << byDigest.error().message();
  EXPECT_EQ(byDigest->id, img->id);
  EXPECT_FALSE(svc_->resolve("busybox@sha256:" + std::string(64, '1')).ok());
  auto nf = svc_->resolve("busybox:1");
  ASSERT_FALSE(nf.ok());
  EXPECT_EQ(nf.error().category(), ErrorCategory::kNotFound);
  EXPECT_EQ(nf.error().message(), "No such image: busybox:1");
  EXPECT_EQ(svc_->resolve("alpine").error().message(), "No such image: alpine:latest");
  EXPECT_EQ(svc_->resolve("Bad").error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(svc_->resolve("sha256:" + std::string(64, '0')).error().category(),
            ErrorCategory::kNotFound);

  ASSERT_TRUE(svc_->tag(img->id, "localhost:5000/mine:v1").ok());
  auto tagged = svc_->resolve("localhost:5000/mine:v1");
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged->repoTags,
            (std::vector<std::string>{"busybox:latest", "localhost:5000/mine:v1"}));
  EXPECT_FALSE(svc_->tag("sha256:" + std::string(64, '0'), "x").ok());
}

TEST_F(ImageServiceTest, RemoveFollowsDockerRules) {
  if (!haveBusybox()) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
  auto img = svc_->bootstrap("busybox");
  ASSERT_TRUE(img.ok()) << img.error().message();
  ASSERT_TRUE(svc_->tag(img->id, "mine:1").ok());
  // By id with two names: must be forced.
  auto multi = svc_->remove(img->id, false);
  ASSERT_FALSE(multi.ok());
  EXPECT_EQ(multi.error().category(), ErrorCategory::kConflict);
  EXPECT_NE(multi.error().message().find("referenced in multiple repositories"), std::string::npos);
  // By name: only that tag goes.
  auto untag = svc_->remove("mine:1", false);
  ASSERT_TRUE(untag.ok()) << untag.error().message();
  ASSERT_EQ(untag->size(), 1u);
  EXPECT_EQ((*untag)[0].untagged, "mine:1");
  EXPECT_TRUE(svc_->resolve(img->id).ok());
  // A container uses it: refused, and with force only untagged.
  ASSERT_TRUE(db_->putContainer({std::string(64, 'c'), "c1", img->id, 1, "{}"}).ok());
  auto used = svc_->remove("busybox", false);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.error().category(), ErrorCategory::kConflict);
  auto forced = svc_->remove("busybox", true);
  ASSERT_TRUE(forced.ok()) << forced.error().message();
  ASSERT_EQ(forced->size(), 1u);
  EXPECT_EQ((*forced)[0].untagged, "busybox:latest");
  EXPECT_TRUE(svc_->resolve(img->id).ok());
  EXPECT_TRUE(snapshots_->hasSnapshot(img->chainIds[0]));
  // Unused and untagged: deleted with its blobs and snapshot.
  ASSERT_TRUE(db_->deleteContainer(std::string(64, 'c')).ok());
  auto del = svc_->remove(img->id.substr(7, 12), false);
  ASSERT_TRUE(del.ok()) << del.error().message();
  ASSERT_EQ(del->size(), 1u);
  EXPECT_EQ((*del)[0].deleted, img->id);
  EXPECT_EQ(svc_->resolve(img->id).error().category(), ErrorCategory::kNotFound);
  EXPECT_FALSE(content_->has(img->id));
  EXPECT_FALSE(content_->has(img->manifestDigest));
  EXPECT_FALSE(snapshots_->hasSnapshot(img->chainIds[0]));
  EXPECT_TRUE(content_->list().value().empty());
  EXPECT_EQ(svc_->remove("busybox", false).error().category(), ErrorCategory::kNotFound);
  // And it comes back the same.
  auto again = svc_->bootstrap("busybox");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, img->id);
}

TEST_F(ImageServiceTest, UnknownBuiltIn) {
  auto r = svc_->bootstrap("alpine");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument);
}

}  // namespace
}  // namespace wharf::image
