// A missing working directory is created at start, inside the rootfs only (issue 9, point 6).
#include "engine/workdir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/temp_dir.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;

TEST(WorkDir, CreatesMissingDirectories) {
  testing::TempDir tmp;
  stdfs::path root = tmp.path() / "rootfs";
  stdfs::create_directories(root / "usr");
  ASSERT_TRUE(ensureDirInRoot(root.string(), "/newdir/a/b").ok());
  EXPECT_TRUE(stdfs::is_directory(root / "newdir" / "a" / "b"));
  struct stat st;
  ASSERT_EQ(::stat((root / "newdir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_TRUE(ensureDirInRoot(root.string(), "/usr").ok());
  EXPECT_TRUE(ensureDirInRoot(root.string(), "").ok());
  EXPECT_TRUE(ensureDirInRoot(root.string(), "/").ok());
}

TEST(WorkDir, SymlinksCannotLeadOutOfTheRoot) {
  testing::TempDir tmp;
  stdfs::path root = tmp.path() / "rootfs", outside = tmp.path() / "outside";
  stdfs::create_directories(root / "inside");
  stdfs::create_directories(outside);
  // An absolute link to a host dir resolves inside the root, where it does not exist: an
  // error, and nothing is made on the host.
  ASSERT_EQ(::symlink(outside.c_str(), (root / "abs").c_str()), 0);
  EXPECT_FALSE(ensureDirInRoot(root.string(), "/abs/x").ok());
  EXPECT_FALSE(stdfs::exists(outside / "x"));
  // A relative link climbing above the root stops at the root.
  ASSERT_EQ(::symlink("../../../../inside", (root / "rel").c_str()), 0);
  EXPECT_TRUE(ensureDirInRoot(root.string(), "/rel/y").ok());
  EXPECT_TRUE(stdfs::is_directory(root / "inside" / "y"));
  EXPECT_FALSE(stdfs::exists(tmp.path() / "inside"));
}

TEST(WorkDir, AFileInTheWayIsAnError) {
  testing::TempDir tmp;
  stdfs::path root = tmp.path() / "rootfs";
  stdfs::create_directories(root);
  ::close(::creat((root / "file").c_str(), 0644));
  EXPECT_FALSE(ensureDirInRoot(root.string(), "/file/sub").ok());
}

}  // namespace
}  // namespace wharf::engine
