// ImageService::collectGarbage (mark from images, containers and leases; sweep the rest),
// leases against a racing rmi, and measureUsage (system df's image sizes).

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

class ImageGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    svc_ = std::make_unique<ImageService>(content_, snapshots_, *db_, &leases_);
  }
  stdfs::path root() const { return tmp_.path(); }
  // A one-layer image; the same `files` give the same layer (blob and snapshot) whatever
  // the changes, so two imports with different changes share it.
  Image import(const std::string& ref, const std::string& files,
               std::vector<std::string> changes = {}) {
    TarBuilder t;
    t.dir("etc").file("etc/data", files);
    stdfs::path p = root() / ("in-" + std::to_string(n_++) + ".tar");
    EXPECT_TRUE(t.write(p, TarBuilder::Compression::kGzip));
    ImageService::ImportOptions o;
    o.ref = ref;
    o.changes = std::move(changes);
    auto img = svc_->importTarball(p, o);
    EXPECT_TRUE(img.ok()) << img.error().message();
    return img.ok() ? *img : Image{};
  }
  std::string layerOf(const Image& img) {
    return oci::parseManifest(content_.read(img.manifestDigest).value())->layers.at(0).digest;
  }
  // An orphan blob, as a crash between a layer's commit and its image row leaves.
  std::string plantBlob(const std::string& data) { return content_.put(data).value(); }

  ::wharf::testing::TempDir tmp_;
  store::LocalContentStore content_{tmp_.path() / "content"};
  store::OverlaySnapshotter snapshots_{tmp_.path() / "snapshots"};
  std::unique_ptr<store::MetadataDb> db_ =
      store::MetadataDb::open(tmp_.path() / "wharf.db").value();
  store::LeaseManager leases_;
  std::unique_ptr<ImageService> svc_;
  int n_ = 0;
};

TEST_F(ImageGcTest, SweepsWhatNothingRefersToAndKeepsEveryImageRunnable) {
  Image img = import("keep/me:1", "kept\n");
  std::string orphan = plantBlob("left by a crash");
  // An orphan snapshot (its image row never written) and a stale ingest file.
  const std::string orphanChain = "sha256:" + std::string(64, 'e');
  ASSERT_TRUE(fs::mkdirAll(root() / "snapshots" / std::string(64, 'e') / "fs" / "bin").ok());
  ASSERT_TRUE(
      fs::writeFileAtomic(root() / "snapshots" / std::string(64, 'e') / "fs" / "x", "y").ok());

  auto r = svc_->collectGarbage();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->blobs, 1);
  EXPECT_EQ(r->snapshots, 1);
  EXPECT_EQ(r->bytes, static_cast<int64_t>(std::string("left by a crash").size()));
  EXPECT_FALSE(r->partial);
  EXPECT_FALSE(content_.has(orphan));
  EXPECT_FALSE(snapshots_.hasSnapshot(orphanChain));
  // Everything of the image stays, and it still unpacks into its lower dirs.
  EXPECT_TRUE(content_.has(img.id));
  EXPECT_TRUE(content_.has(img.manifestDigest));
  EXPECT_TRUE(content_.has(layerOf(img)));
  auto lowers = svc_->ensureUnpacked(svc_->resolve("keep/me:1").value());
  ASSERT_TRUE(lowers.ok()) << lowers.error().message();
  EXPECT_EQ(fs::readFile(stdfs::path(lowers->at(0)) / "etc/data").value(), "kept\n");
  // A second pass finds nothing.
  auto again = svc_->collectGarbage();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->blobs + again->snapshots, 0);
}

TEST_F(ImageGcTest, StaleIngestFilesGoOnTheFirstPass) {
  ASSERT_TRUE(fs::mkdirAll(root() / "content" / "ingest").ok());
  ASSERT_TRUE(fs::writeFileAtomic(root() / "content" / "ingest" / "deadbeef", "half a layer").ok());
  auto r = svc_->collectGarbage();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->tempFiles, 1);
  EXPECT_FALSE(fs::exists(root() / "content" / "ingest" / "deadbeef"));
}

TEST_F(ImageGcTest, ALeaseProtectsInFlightContentUntilReleased) {
  std::string inflight = plantBlob("a layer a pull just committed");
  store::Lease pull = leases_.acquire("pull test");
  pull.addBlob(inflight);
  ASSERT_TRUE(svc_->collectGarbage().ok());
  EXPECT_TRUE(content_.has(inflight));
  pull.release();  // the pull failed, or its holder died
  auto r = svc_->collectGarbage();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->blobs, 1);
  EXPECT_FALSE(content_.has(inflight));
}

// The race leases exist for: a pull finds an image's blobs "Already exists" and leases them;
// an rmi of the only image using them runs before the pull commits. The pull must still be
// able to record a runnable image.
TEST_F(ImageGcTest, APullRacingRmiKeepsTheBlobsItFound) {
  Image img = import("shared/base:1", "base\n");
  ImageService::PullPlan plan;
  plan.normalizedRef = "localhost:5000/other/copy:1";
  plan.repoDigest = "localhost:5000/other/copy@" + img.manifestDigest;
  plan.manifestDigest = img.manifestDigest;
  plan.configDigest = img.id;
  plan.layerDigests = {layerOf(img)};
  plan.chainIds = img.chainIds;
  plan.lease = std::make_shared<store::Lease>(leases_.acquire("pull copy"));
  for (const auto& b : {img.manifestDigest, img.id, layerOf(img)}) plan.lease->addBlob(b);
  for (const auto& c : img.chainIds) plan.lease->addSnapshot(c);

  auto removed = svc_->remove("shared/base:1", false);
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  ASSERT_EQ(removed->back().deleted, img.id);  // the image went...
  ASSERT_TRUE(svc_->collectGarbage().ok());
  EXPECT_TRUE(content_.has(layerOf(img)));  // ...but not what the pull holds
  EXPECT_TRUE(snapshots_.hasSnapshot(img.chainIds[0]));

  bool updated = false;
  auto pulled = svc_->pullCommit(plan, &updated);
  ASSERT_TRUE(pulled.ok()) << pulled.error().message();
  plan.lease.reset();  // the pull is done: the image row protects it now
  ASSERT_TRUE(svc_->collectGarbage().ok());
  auto lowers = svc_->ensureUnpacked(svc_->resolve("localhost:5000/other/copy:1").value());
  ASSERT_TRUE(lowers.ok()) << lowers.error().message();
  EXPECT_EQ(fs::readFile(stdfs::path(lowers->at(0)) / "etc/data").value(), "base\n");
}

TEST_F(ImageGcTest, WithoutALeaseTheRacingPullIsRefusedNotRecordedBroken) {
  Image img = import("shared/base:1", "base\n");
  ImageService::PullPlan plan;
  plan.normalizedRef = "localhost:5000/other/copy:1";
  plan.repoDigest = "localhost:5000/other/copy@" + img.manifestDigest;
  plan.manifestDigest = img.manifestDigest;
  plan.configDigest = img.id;
  plan.layerDigests = {layerOf(img)};
  plan.chainIds = img.chainIds;
  ASSERT_TRUE(svc_->remove("shared/base:1", false).ok());
  bool updated = false;
  auto pulled = svc_->pullCommit(plan, &updated);
  ASSERT_FALSE(pulled.ok());
  EXPECT_NE(pulled.error().message().find("pull again"), std::string::npos);
  EXPECT_EQ(svc_->list().value().size(), 0u);
}

TEST_F(ImageGcTest, AContainersImageIsKeptEvenWithoutItsRow) {
  Image img = import("", "used by a container\n");
  store::ContainerRow c;
  c.id = std::string(64, 'c');
  c.name = "web";
  c.imageId = img.id;
  c.json = "{}";
  ASSERT_TRUE(db_->putContainer(c).ok());
  ASSERT_TRUE(db_->deleteImage(img.id).ok());  // a record lost, the container still there
  auto r = svc_->collectGarbage();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(content_.has(img.id));
  EXPECT_TRUE(snapshots_.hasSnapshot(img.chainIds[0]));
  // The manifest was only the image row's: it goes.
  EXPECT_FALSE(content_.has(img.manifestDigest));
}

TEST_F(ImageGcTest, AnUnreadableImageStopsTheSweep) {
  Image img = import("broken/one:1", "x\n");
  std::string orphan = plantBlob("garbage");
  ASSERT_TRUE(content_.remove(img.id).ok());  // its config is gone: its chain ids are unknown
  auto r = svc_->collectGarbage();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->partial);
  EXPECT_TRUE(content_.has(orphan));
  EXPECT_TRUE(snapshots_.hasSnapshot(img.chainIds[0]));
}

TEST_F(ImageGcTest, UsageCountsBlobsAndSnapshotsAndWhatImagesShare) {
  Image a = import("a/one:1", std::string(5000, 'a'), {"CMD [\"a\"]"});
  Image b = import("b/two:1", std::string(5000, 'a'), {"CMD [\"b\"]"});
  ASSERT_NE(a.id, b.id);
  ASSERT_EQ(layerOf(a), layerOf(b));  // one layer, shared
  std::string orphan = plantBlob("counted in LayersSize until GC");

  auto plan = svc_->usagePlan();
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  auto report = svc_->measureUsage(*plan);
  ASSERT_EQ(report.images.size(), 2u);
  const int64_t layer = content_.size(layerOf(a)).value();
  const int64_t unpacked = snapshots_.usage(a.chainIds[0]).value();
  EXPECT_EQ(unpacked, 5000);  // the one file's bytes
  int64_t sumBlobs = 0;
  const std::vector<std::string> blobs = content_.list().value();
  for (const auto& d : blobs) sumBlobs += content_.size(d).value();
  EXPECT_EQ(report.layersSize, sumBlobs + unpacked);
  for (const auto& u : report.images) {
    const int64_t own =
        content_.size(u.image.manifestDigest).value() + content_.size(u.image.id).value();
    EXPECT_EQ(u.size, own + layer + unpacked) << u.image.id;
    EXPECT_EQ(u.sharedSize, layer + unpacked) << u.image.id;
    EXPECT_EQ(u.unpackedSize, unpacked);
  }
  // After the GC the orphan is no longer counted.
  ASSERT_TRUE(svc_->collectGarbage().ok());
  auto after = svc_->measureUsage(svc_->usagePlan().value());
  EXPECT_EQ(after.layersSize,
            report.layersSize -
                static_cast<int64_t>(std::string("counted in LayersSize until GC").size()));
}

}  // namespace
}  // namespace wharf::image
