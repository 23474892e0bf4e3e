#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/seccomp.h"

namespace wharf::runtime {
namespace {

namespace stdfs = std::filesystem;

oci::Seccomp denyMkdir() {
  oci::Seccomp s;
  s.defaultAction = "SCMP_ACT_ALLOW";
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
  oci::SeccompSyscall sc;
  sc.names = {"mkdir", "mkdirat"};
  sc.action = "SCMP_ACT_ERRNO";
  s.syscalls.push_back(sc);
  return s;
}

class SeccompCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-seccomp-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { stdfs::remove_all(dir_); }
  size_t files() const {
    size_t n = 0;
    for (const auto& e : stdfs::directory_iterator(dir_)) n += e.is_regular_file();
    return n;
  }
  std::string dir_;
};

TEST_F(SeccompCacheTest, SecondPrepareReadsTheSameProgramFromTheCache) {
  auto first = prepareSeccomp(denyMkdir(), dir_);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_FALSE(first->fromCache);
  EXPECT_FALSE(first->ctx.has_value());
  ASSERT_FALSE(first->bpf.empty());
  EXPECT_EQ(first->bpf.size() % sizeof(sock_filter), 0u);
  EXPECT_EQ(files(), 1u);

  auto second = prepareSeccomp(denyMkdir(), dir_);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->fromCache);
  EXPECT_EQ(second->bpf, first->bpf);

  // Without a cache dir the same program is compiled again.
  auto uncached = prepareSeccomp(denyMkdir(), "");
  ASSERT_TRUE(uncached.ok());
  EXPECT_FALSE(uncached->fromCache);
  EXPECT_EQ(uncached->bpf, first->bpf);
}

TEST_F(SeccompCacheTest, AnyChangeOfTheSpecIsADifferentEntry) {
  auto a = denyMkdir();
  auto b = denyMkdir();
  b.syscalls[0].errnoRet = 13;
  EXPECT_NE(seccompCacheKey(a), seccompCacheKey(b));
  auto c = denyMkdir();
  c.syscalls[0].names = {"mkdir"};
  EXPECT_NE(seccompCacheKey(a), seccompCacheKey(c));
  auto d = denyMkdir();
  d.flags = {"SECCOMP_FILTER_FLAG_LOG"};
  EXPECT_NE(seccompCacheKey(a), seccompCacheKey(d));

  auto pb = prepareSeccomp(b, dir_);
  ASSERT_TRUE(pb.ok());
  EXPECT_FALSE(pb->fromCache);
  auto pd = prepareSeccomp(d, dir_);
  ASSERT_TRUE(pd.ok());
  EXPECT_EQ(pd->flags, static_cast<unsigned>(SECCOMP_FILTER_FLAG_LOG));
}

TEST_F(SeccompCacheTest, ACorruptOrForeignEntryIsIgnoredAndReplaced) {
  auto first = prepareSeccomp(denyMkdir(), dir_);
  ASSERT_TRUE(first.ok());
  for (const auto& e : stdfs::directory_iterator(dir_)) {
    std::ofstream(e.path(), std::ios::trunc) << "12\nsomething else and not bpf";
  }
  auto again = prepareSeccomp(denyMkdir(), dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->fromCache);
  EXPECT_EQ(again->bpf, first->bpf);
  auto third = prepareSeccomp(denyMkdir(), dir_);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->fromCache);
}

TEST_F(SeccompCacheTest, ErrorsAreNotCachedAndNameThePath) {
  auto bad = denyMkdir();
  bad.syscalls[0].action = "SCMP_ACT_BOGUS";
  auto r = prepareSeccomp(bad, dir_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("linux.seccomp.syscalls[0].action"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(files(), 0u);
}

TEST_F(SeccompCacheTest, NotifyKeepsTheLibseccompContext) {
  auto s = denyMkdir();
  s.syscalls[0].action = "SCMP_ACT_NOTIFY";
  s.listenerPath = "/run/x.sock";
  auto r = prepareSeccomp(s, dir_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->ctx.has_value());
  EXPECT_TRUE(r->bpf.empty());
  EXPECT_EQ(files(), 0u);
}

}  // namespace
}  // namespace wharf::runtime
