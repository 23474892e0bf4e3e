// The data root is private (issue 9, point 4), including data roots made by older versions.
#include "engine/data_root.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "store/temp_dir.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;

unsigned modeOf(const stdfs::path& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

void touch(const stdfs::path& p, unsigned mode) {
  std::ofstream(p) << "DB_PASSWORD=secret\n";
  ::chmod(p.c_str(), mode);
}

TEST(DataRoot, OldWorldReadableRootIsMadePrivate) {
  testing::TempDir tmp;
  stdfs::path data = tmp.path() / "data", exec = tmp.path() / "exec";
  stdfs::path c = data / "containers" / "abc";
  for (const auto& d : {c / "upper", c / "merged", c / "work", exec / "containers"})
    stdfs::create_directories(d);
  for (const auto& d :
       {data, data / "containers", c, c / "upper", c / "merged", exec / "containers"})
    ::chmod(d.c_str(), 0755);
  for (const char* f : {"wharf.db", "wharf.db-wal", "wharf.db-shm"}) touch(data / f, 0644);

  ASSERT_TRUE(securePrivateTree(data, exec).ok());
  EXPECT_EQ(modeOf(data), 0710u);
  EXPECT_EQ(modeOf(data / "containers"), 0710u);
  EXPECT_EQ(modeOf(c), 0710u);
  EXPECT_EQ(modeOf(c / "merged"), 0710u);
  EXPECT_EQ(modeOf(c / "upper"), 0755u) << "upper's mode is the container's / mode";
  EXPECT_EQ(modeOf(exec / "containers"), 0710u);
  for (const char* f : {"wharf.db", "wharf.db-wal", "wharf.db-shm"})
    EXPECT_EQ(modeOf(data / f), 0600u) << f;
}

TEST(DataRoot, MissingPiecesAreNotAnError) {
  testing::TempDir tmp;
  EXPECT_TRUE(securePrivateTree(tmp.path() / "data", tmp.path() / "exec").ok());
}

TEST(DataRoot, DatabaseFileIsCreatedPrivate) {
  testing::TempDir tmp;
  stdfs::path db = tmp.path() / "wharf.db";
  ASSERT_TRUE(prepareDatabaseFile(db).ok());
  EXPECT_EQ(modeOf(db), 0600u);
  ::chmod(db.c_str(), 0644);
  ASSERT_TRUE(prepareDatabaseFile(db).ok());
  EXPECT_EQ(modeOf(db), 0600u);
}

TEST(DataRoot, MakeDirWithModeIgnoresUmask) {
  testing::TempDir tmp;
  mode_t old = ::umask(0077);
  Status st = makeDirWithMode(tmp.path() / "a" / "b", 0755);
  ::umask(old);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(modeOf(tmp.path() / "a" / "b"), 0755u);
}

}  // namespace
}  // namespace wharf::engine
