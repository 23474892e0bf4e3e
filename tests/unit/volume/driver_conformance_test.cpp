// The conformance suite every volume::Driver runs (containerd's snapshotter testsuite habit).
// Mounting a device needs root; those cases skip without it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "common/mountinfo.h"
#include "volume/local_driver.h"
#include "volume/temp_root.h"

namespace wharf::volume {
namespace {

namespace stdfs = std::filesystem;

using DriverFactory = std::function<std::unique_ptr<Driver>(const stdfs::path&)>;

class DriverConformance : public ::testing::TestWithParam<DriverFactory> {
 protected:
  void SetUp() override { driver_ = GetParam()(tmp_.path()); }
  testing::TempRoot tmp_;
  std::unique_ptr<Driver> driver_;
};

TEST_P(DriverConformance, CreateGivesAnEmptyWritableDirectory) {
  auto mp = driver_->create("vol1", {});
  ASSERT_TRUE(mp.ok()) << mp.error().message();
  EXPECT_EQ(*mp, driver_->mountpoint("vol1"));
  EXPECT_TRUE(stdfs::is_empty(*mp));
  std::ofstream(*mp + "/f") << "x";
  EXPECT_TRUE(stdfs::exists(*mp + "/f"));
}

TEST_P(DriverConformance, CreateIsIdempotentAndKeepsData) {
  auto mp = driver_->create("vol1", {});
  ASSERT_TRUE(mp.ok());
  std::ofstream(*mp + "/f") << "x";
  ASSERT_TRUE(driver_->create("vol1", {}).ok());
  EXPECT_TRUE(stdfs::exists(*mp + "/f"));
}

TEST_P(DriverConformance, RemoveDeletesEverythingAndToleratesMissing) {
  auto mp = driver_->create("vol1", {});
  ASSERT_TRUE(mp.ok());
  stdfs::create_directories(*mp + "/a/b");
  ASSERT_TRUE(driver_->remove("vol1").ok());
  EXPECT_FALSE(stdfs::exists(*mp));
  EXPECT_TRUE(driver_->remove("vol1").ok());
}

TEST_P(DriverConformance, BadNamesAndOptionsAreRefused) {
  EXPECT_EQ(driver_->create("../x", {}).error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(driver_->create("ok1", {{"nope", "1"}}).error().category(),
            ErrorCategory::kInvalidArgument);
  EXPECT_TRUE(stdfs::is_empty(tmp_.path()) || !stdfs::exists(tmp_.path() / "ok1"));
}

TEST_P(DriverConformance, PlainVolumeMountIsItsDirectory) {
  auto mp = driver_->create("vol1", {});
  ASSERT_TRUE(mp.ok());
  auto m = driver_->mount("vol1", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, *mp);
  EXPECT_TRUE(driver_->unmount("vol1", {}).ok());
}

TEST_P(DriverConformance, TmpfsDeviceIsMountedOnUseAndUnmounted) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  Options opts = {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=1m"}};
  auto mp = driver_->create("t1", opts);
  ASSERT_TRUE(mp.ok());
  auto m = driver_->mount("t1", opts);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_TRUE(*isMountPoint(*m));
  ASSERT_TRUE(driver_->mount("t1", opts).ok());  // idempotent
  // Removing through a mount is refused.
  EXPECT_FALSE(driver_->remove("t1").ok());
  ASSERT_TRUE(driver_->unmount("t1", opts).ok());
  EXPECT_FALSE(*isMountPoint(*m));
  EXPECT_TRUE(driver_->remove("t1").ok());
}

INSTANTIATE_TEST_SUITE_P(Local, DriverConformance,
                         ::testing::Values(DriverFactory([](const stdfs::path& root) {
                           return std::make_unique<LocalDriver>(root / "volumes");
                         })),
                         [](const ::testing::TestParamInfo<DriverFactory>&) { return "local"; });

}  // namespace
}  // namespace wharf::volume
