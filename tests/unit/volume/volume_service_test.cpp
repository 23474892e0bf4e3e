#include "volume/volume_service.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/fs.h"
#include "volume/temp_root.h"

namespace wharf::volume {
namespace {

namespace stdfs = std::filesystem;

TEST(VolumeName, DockerRule) {
  EXPECT_TRUE(validateVolumeName("ab").ok());
  EXPECT_TRUE(validateVolumeName("my_vol.1-x").ok());
  EXPECT_FALSE(validateVolumeName("a").ok());
  EXPECT_FALSE(validateVolumeName("_a").ok());
  EXPECT_FALSE(validateVolumeName(std::string(300, 'a')).ok());
  auto err = validateVolumeName("a/b");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message(),
            "create a/b: \"a/b\" includes invalid characters for a local volume name, only "
            "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
            "directory, use absolute path");
  EXPECT_EQ(err.error().category(), ErrorCategory::kInvalidArgument);
}

class VolumeServiceTest : public ::testing::Test {
 protected:
  testing::TempRoot tmp_;
  stdfs::path root() const { return tmp_.path() / "volumes"; }
};

TEST_F(VolumeServiceTest, CreateInspectAndReload) {
  {
    VolumeService s(root());
    ASSERT_TRUE(s.load().ok());
    CreateRequest r;
    r.name = "data";
    r.labels = {{"a", "b"}};
    auto v = s.create(r);
    ASSERT_TRUE(v.ok()) << v.error().message();
    EXPECT_EQ(v->mountpoint, (root() / "data" / "_data").string());
    EXPECT_TRUE(stdfs::is_directory(v->mountpoint));
    EXPECT_FALSE(v->anonymous());
    // Same name again: the existing volume, not an error.
    auto again = s.create(r);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->createdAt, v->createdAt);
  }
  VolumeService s(root());
  ASSERT_TRUE(s.load().ok());
  auto v = s.get("data");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->labels.at("a"), "b");
  EXPECT_EQ(s.get("nope").error().message(), "get nope: no such volume");
  EXPECT_EQ(s.get("nope").error().category(), ErrorCategory::kNotFound);
}

TEST_F(VolumeServiceTest, InterruptedCreateIsCleanedAtLoad) {
  ASSERT_TRUE(fs::mkdirAll(root() / "half" / "_data").ok());
  VolumeService s(root());
  ASSERT_TRUE(s.load().ok());
  EXPECT_FALSE(s.get("half").ok());
  EXPECT_FALSE(stdfs::exists(root() / "half"));
}

TEST_F(VolumeServiceTest, BadInputCreatesNothing) {
  VolumeService s(root());
  ASSERT_TRUE(s.load().ok());
  CreateRequest r;
  r.name = "a/b";
  EXPECT_FALSE(s.create(r).ok());
  r.name = "good";
  r.options = {{"foo", "bar"}};
  auto e = s.create(r);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), "create good: invalid option: \"foo\"");
  r.options = {{"type", "tmpfs"}};
  EXPECT_EQ(s.create(r).error().message(), "create good: missing required option: \"device\"");
  r.options = {};
  r.driver = "flocker";
  EXPECT_EQ(s.create(r).error().category(), ErrorCategory::kNotFound);
  EXPECT_TRUE(stdfs::is_empty(root()));
}

TEST_F(VolumeServiceTest, InUseAndRemove) {
  VolumeService s(root());
  ASSERT_TRUE(s.load().ok());
  CreateRequest r;
  r.name = "busy";
  ASSERT_TRUE(s.create(r).ok());
  ASSERT_TRUE(s.addUser("busy", "c1").ok());
  auto st = s.remove("busy", true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kConflict);
  EXPECT_EQ(st.error().message(), "remove busy: volume is in use - [c1]");
  s.removeUser("busy", "c1");
  EXPECT_TRUE(s.remove("busy", false).ok());
  EXPECT_FALSE(stdfs::exists(root() / "busy"));
  EXPECT_EQ(s.remove("busy", false).error().category(), ErrorCategory::kNotFound);
  EXPECT_TRUE(s.remove("busy", true).ok());
}

TEST_F(VolumeServiceTest, ListFilters) {
  VolumeService s(root());
  ASSERT_TRUE(s.load().ok());
  CreateRequest a;
  a.name = "alpha";
  a.labels = {{"team", "x"}};
  ASSERT_TRUE(s.create(a).ok());
  CreateRequest b;
  b.name = "beta";
  ASSERT_TRUE(s.create(b).ok());
  ASSERT_TRUE(s.addUser("beta", "c").ok());
  auto names = [&](const Filters& f) {
    std::vector<std::string> out;
    auto l = s.list(f);
    EXPECT_TRUE(l.ok());
    if (l.ok())
      for (const auto& v : *l) out.push_back(v.name);
    return out;
  };
  EXPECT_EQ(names({}), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(names({{"name", {"alp"}}}), std::vector<std::string>{"alpha"});
  EXPECT_EQ(names({{"label", {"team=x"}}}), std::vector<std::string>{"alpha"});
  EXPECT_EQ(names({{"label", {"team=y"}}}), std::vector<std::string>{});
  EXPECT_EQ(names({{"dangling", {"true"}}}), std::vector<std::string>{"alpha"});
  EXPECT_EQ(names({{"dangling", {"false"}}}), std::vector<std::string>{"beta"});
  EXPECT_EQ(names({{"driver", {"local"}}}).size(), 2u);
  EXPECT_EQ(s.list({{"colour", {"x"}}}).error().message(), "invalid filter 'colour'");
  EXPECT_EQ(s.list({{"dangling", {"maybe"}}}).error().message(), "invalid filter 'dangling=maybe'");
}

TEST_F(VolumeServiceTest, PruneTakesUnusedAnonymousUnlessAll) {
  VolumeService s(root());
  ASSERT_TRUE(s.load().ok());
  auto anon = s.create({});
  ASSERT_TRUE(anon.ok());
  EXPECT_TRUE(anon->anonymous());
  EXPECT_EQ(anon->name.size(), 64u);
  {
    std::ofstream f(anon->mountpoint + "/file");
    f << "12345";
  }
  auto used = s.create({});
  ASSERT_TRUE(used.ok());
  ASSERT_TRUE(s.addUser(used->name, "c").ok());
  CreateRequest n;
  n.name = "named";
  ASSERT_TRUE(s.create(n).ok());
  auto r = s.prune({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted, std::vector<std::string>{anon->name});
  EXPECT_EQ(r->spaceReclaimed, 5u);
  EXPECT_TRUE(s.get("named").ok());
  auto all = s.prune({{"all", {"true"}}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->deleted, std::vector<std::string>{"named"});
  EXPECT_TRUE(s.get(used->name).ok());
  EXPECT_EQ(s.prune({{"dangling", {"true"}}}).error().message(), "invalid filter 'dangling'");
}

}  // namespace
}  // namespace wharf::volume
