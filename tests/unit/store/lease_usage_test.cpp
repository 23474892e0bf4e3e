// store::LeaseManager (leases protect what a job holds from removal) and store::directorySize.

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/fs.h"
#include "store/lease.h"
#include "store/snapshotter.h"
#include "store/temp_dir.h"
#include "store/usage.h"

namespace wharf::store {
namespace {

namespace stdfs = std::filesystem;
using Kind = LeaseManager::Kind;

Result<bool> tryRemove(LeaseManager& m, Kind k, const std::string& id, int* removed) {
  return m.removeUnlessLeased(k, id, [&] {
    ++*removed;
    return okStatus();
  });
}

TEST(LeaseTest, LeasedResourcesAreNotRemovedUntilReleased) {
  LeaseManager m;
  int removed = 0;
  {
    Lease pull = m.acquire("pull busybox");
    pull.addBlob("sha256:aa");
    pull.addSnapshot("sha256:cc");
    EXPECT_TRUE(m.leased(Kind::kBlob, "sha256:aa"));
    EXPECT_FALSE(m.leased(Kind::kSnapshot, "sha256:aa"));  // kinds are separate
    EXPECT_FALSE(tryRemove(m, Kind::kBlob, "sha256:aa", &removed).value());
    EXPECT_FALSE(tryRemove(m, Kind::kSnapshot, "sha256:cc", &removed).value());
    EXPECT_TRUE(tryRemove(m, Kind::kBlob, "sha256:bb", &removed).value());
    EXPECT_EQ(removed, 1);
    ASSERT_EQ(m.leases().size(), 1u);
    EXPECT_EQ(m.leases()[0].holder, "pull busybox");
  }
  // The holder went away (its job ended, or failed): the lease went with it.
  EXPECT_TRUE(m.leases().empty());
  EXPECT_TRUE(tryRemove(m, Kind::kBlob, "sha256:aa", &removed).value());
  EXPECT_TRUE(tryRemove(m, Kind::kSnapshot, "sha256:cc", &removed).value());
  EXPECT_EQ(removed, 3);
}

TEST(LeaseTest, AResourceHeldTwiceStaysUntilBothRelease) {
  LeaseManager m;
  Lease a = m.acquire("a"), b = m.acquire("b");
  a.addBlob("sha256:aa");
  a.addBlob("sha256:aa");  // adding twice is one hold
  b.addBlob("sha256:aa");
  a.release();
  EXPECT_TRUE(m.leased(Kind::kBlob, "sha256:aa"));
  Lease moved = std::move(b);  // moving keeps the hold
  EXPECT_FALSE(b.active());
  EXPECT_TRUE(m.leased(Kind::kBlob, "sha256:aa"));
  moved.release();
  EXPECT_FALSE(m.leased(Kind::kBlob, "sha256:aa"));
}

TEST(LeaseTest, AFailedRemovalIsReported) {
  LeaseManager m;
  auto r =
      m.removeUnlessLeased(Kind::kBlob, "sha256:aa", [] { return unavailable("disk on fire"); });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("disk on fire"), std::string::npos);
}

TEST(DirectorySizeTest, CountsFilesOnceAndNeverFollowsSymlinks) {
  testing::TempDir tmp;
  stdfs::path d = tmp.path() / "tree";
  ASSERT_TRUE(fs::mkdirAll(d / "a" / "b").ok());
  ASSERT_TRUE(fs::writeFileAtomic(d / "one", std::string(1000, 'x')).ok());
  ASSERT_TRUE(fs::writeFileAtomic(d / "a" / "b" / "two", std::string(24, 'y')).ok());
  ASSERT_EQ(::link((d / "one").c_str(), (d / "a" / "hardlink").c_str()), 0);
  // A symlink counts its own size (the target's length), never what it points to.
  ASSERT_EQ(::symlink("/usr", (d / "usr").c_str()), 0);
  auto n = directorySize(d);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, 1000 + 24 + 4);
  EXPECT_EQ(directorySize(tmp.path() / "missing").error().category(), ErrorCategory::kNotFound);
}

TEST(DirectorySizeTest, SnapshotUsageIsMeasuredOnceAndForgottenOnRemoval) {
  testing::TempDir tmp;
  OverlaySnapshotter snaps(tmp.path() / "snapshots");
  const std::string chain = "sha256:" + std::string(64, 'a');
  stdfs::path fsDir = tmp.path() / "snapshots" / std::string(64, 'a') / "fs";
  ASSERT_TRUE(fs::mkdirAll(fsDir).ok());
  ASSERT_TRUE(fs::writeFileAtomic(fsDir / "f", std::string(300, 'x')).ok());
  EXPECT_EQ(snaps.usage(chain).value(), 300);
  // Snapshots are immutable: a second call answers from the cache without walking.
  ASSERT_TRUE(fs::writeFileAtomic(fsDir / "g", std::string(5, 'x')).ok());
  EXPECT_EQ(snaps.usage(chain).value(), 300);
  ASSERT_TRUE(snaps.removeSnapshot(chain).ok());
  EXPECT_EQ(snaps.usage(chain).error().category(), ErrorCategory::kNotFound);
}

TEST(DirectorySizeTest, SweepTempRemovesOnlyDeadProcessesDirs) {
  testing::TempDir tmp;
  OverlaySnapshotter snaps(tmp.path() / "snapshots");
  // pid 2^22+1 is above pid_max's ceiling: no such process can exist.
  ASSERT_TRUE(fs::mkdirAll(tmp.path() / "snapshots" / "tmp-4194305-dead" / "fs").ok());
  std::string mine = "tmp-" + std::to_string(::getpid()) + "-live";
  ASSERT_TRUE(fs::mkdirAll(tmp.path() / "snapshots" / mine).ok());
  EXPECT_EQ(snaps.sweepTemp().value(), 1);
  EXPECT_FALSE(fs::exists(tmp.path() / "snapshots" / "tmp-4194305-dead"));
  EXPECT_TRUE(fs::exists(tmp.path() / "snapshots" / mine));
}

}  // namespace
}  // namespace wharf::store
