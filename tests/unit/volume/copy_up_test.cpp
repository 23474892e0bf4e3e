#include "volume/copy_up.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "volume/temp_root.h"

namespace wharf::volume {
namespace {

namespace stdfs = std::filesystem;

class CopyUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rootfs_ = tmp_.path() / "rootfs";
    vol_ = tmp_.path() / "vol";
    stdfs::create_directories(rootfs_ / "data/sub");
    stdfs::create_directories(vol_);
    std::ofstream(rootfs_ / "data/a.txt") << "hello";
    std::ofstream(rootfs_ / "data/sub/b.txt") << "deep";
    ::chmod((rootfs_ / "data/a.txt").c_str(), 0640);
    ::chmod((rootfs_ / "data").c_str(), 0750);
    ::link((rootfs_ / "data/a.txt").c_str(), (rootfs_ / "data/hard").c_str());
    ::symlink("/etc/passwd", (rootfs_ / "data/abs-link").c_str());
    // Outside the rootfs: a copy that followed links would find it.
    std::ofstream(tmp_.path() / "secret") << "host";
  }
  testing::TempRoot tmp_;
  stdfs::path rootfs_, vol_;
};

TEST_F(CopyUpTest, CopiesContentModesLinksAndTheDirectoryMode) {
  auto r = copyUp(rootfs_, "/data", vol_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(*r);
  std::ifstream a(vol_ / "a.txt");
  std::string text;
  a >> text;
  EXPECT_EQ(text, "hello");
  EXPECT_TRUE(stdfs::exists(vol_ / "sub/b.txt"));
  struct stat st {};
  ASSERT_EQ(::stat((vol_ / "a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_nlink, 2u);  // the hard link stayed one
  ASSERT_EQ(::stat(vol_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(stdfs::read_symlink(vol_ / "abs-link"), "/etc/passwd");
}

TEST_F(CopyUpTest, NonEmptyVolumeIsLeftAlone) {
  std::ofstream(vol_ / "mine") << "x";
  auto r = copyUp(rootfs_, "/data", vol_);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_FALSE(stdfs::exists(vol_ / "a.txt"));
}

TEST_F(CopyUpTest, MissingPathCopiesNothing) {
  auto r = copyUp(rootfs_, "/nowhere", vol_);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST_F(CopyUpTest, SymlinkedSourceResolvesInsideTheRoot) {
  // /link -> ../../.. would leave the rootfs on the host; in the root it is "/".
  ::symlink("../../..", (rootfs_ / "escape").c_str());
  auto r = copyUp(rootfs_, "/escape", vol_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(stdfs::exists(vol_ / "data/a.txt"));
  EXPECT_FALSE(stdfs::exists(vol_ / "secret"));
}

TEST_F(CopyUpTest, ChownTreeDoesNotFollowLinks) {
  ASSERT_TRUE(copyUp(rootfs_, "/data", vol_).ok());
  // To our own ids: works without root and exercises every entry.
  ASSERT_TRUE(chownTree(vol_, ::geteuid(), ::getegid()).ok());
  struct stat st {};
  ASSERT_EQ(::lstat((vol_ / "sub/b.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

}  // namespace
}  // namespace wharf::volume
