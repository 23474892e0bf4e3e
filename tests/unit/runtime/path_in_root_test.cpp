#include "runtime/internal/path_in_root.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wharf::runtime {
namespace {

namespace stdfs = std::filesystem;

class PathInRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-pir-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/root";
    stdfs::create_directories(root_);
    stdfs::create_directories(base_ + "/outside");
    rootFd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(rootFd_, 0);
  }
  void TearDown() override {
    ::close(rootFd_);
    stdfs::remove_all(base_);
  }
  void link(const std::string& target, const std::string& p) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + p).c_str()), 0);
  }
  std::string realOf(const PathInRoot& p) {
    return stdfs::read_symlink("/proc/self/fd/" + std::to_string(p.fd.get())).string();
  }

  std::string base_, root_;
  int rootFd_ = -1;
};

TEST_F(PathInRootTest, SymlinksAndDotDotStayInside) {
  stdfs::create_directories(root_ + "/host-etc");
  std::ofstream(root_ + "/host-etc/passwd") << "x";
  link("/../../../host-etc", "/etc");
  auto r = resolveInRoot(rootFd_, "/etc/passwd");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->path, "/host-etc/passwd");
  EXPECT_EQ(realOf(*r), root_ + "/host-etc/passwd");
  EXPECT_EQ(r->name, "passwd");
  EXPECT_EQ(r->type, static_cast<mode_t>(S_IFREG));

  stdfs::create_directories(root_ + "/a");
  link("../../..", "/a/b");
  r = resolveInRoot(rootFd_, "/a/b/host-etc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "/host-etc");
  r = resolveInRoot(rootFd_, "/../../../outside");
  EXPECT_FALSE(r.ok()) << "outside of the root is ENOENT inside it";
  EXPECT_EQ(r.error().sysErrno(), ENOENT);
}

TEST_F(PathInRootTest, LoopsAndNotDirectories) {
  link("/loop", "/loop");
  auto r = resolveInRoot(rootFd_, "/loop/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sysErrno(), ELOOP);
  std::ofstream(root_ + "/file") << "x";
  r = resolveInRoot(rootFd_, "/file/x", {Create::kDirs});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sysErrno(), ENOTDIR);
}

TEST_F(PathInRootTest, CreatesThroughDanglingSymlinksInsideTheRoot) {
  // /etc/resolv.conf -> ../run/resolv.conf in many images: the file is made where it points,
  // inside the root, never outside.
  stdfs::create_directories(root_ + "/etc");
  link("../../../../outside/run/resolv.conf", "/etc/resolv.conf");
  auto r = resolveInRoot(rootFd_, "/etc/resolv.conf", {Create::kFile});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->path, "/outside/run/resolv.conf");
  EXPECT_TRUE(stdfs::is_regular_file(root_ + "/outside/run/resolv.conf"));
  EXPECT_FALSE(stdfs::exists(base_ + "/outside/run"));

  r = resolveInRoot(rootFd_, "a/b/c", {Create::kDirs, 0700});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(stdfs::is_directory(root_ + "/a/b/c"));
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u & ~static_cast<unsigned>(::umask(::umask(0))));
}

TEST_F(PathInRootTest, NoFollowLastAndTheRootItself) {
  link("/somewhere", "/proc");
  ResolveOptions o;
  o.noFollowLast = true;
  auto r = resolveInRoot(rootFd_, "/proc", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, static_cast<mode_t>(S_IFLNK));
  r = resolveInRoot(rootFd_, "/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "/");
  EXPECT_EQ(realOf(*r), root_);
  EXPECT_EQ(r->type, static_cast<mode_t>(S_IFDIR));
}

TEST_F(PathInRootTest, BoundsHostileInput) {
  std::string huge(5000, 'a');
  auto r = resolveInRoot(rootFd_, huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sysErrno(), ENAMETOOLONG);
  // A chain of 41 symlinks is more than the kernel would follow.
  for (int i = 0; i < 41; ++i) link("l" + std::to_string(i + 1), "/l" + std::to_string(i));
  r = resolveInRoot(rootFd_, "/l0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sysErrno(), ELOOP);
}

}  // namespace
}  // namespace wharf::runtime
