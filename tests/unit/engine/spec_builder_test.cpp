#include "engine/spec_builder.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/random.h"
#include "common/signals.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;

class SpecBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("wharf-spectest-" + randomHex(6));
    stdfs::create_directories(root_ / "etc");
    std::ofstream(root_ / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                           "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                                           "app:x:1000:1000::/home/app:/bin/sh\n";
    std::ofstream(root_ / "etc/group") << "root:x:0:\nwheel:x:10:app,other\nnogroup:x:65534:\n"
                                          "app:x:1000:\n";
  }
  void TearDown() override { stdfs::remove_all(root_); }
  stdfs::path root_;
};

TEST_F(SpecBuilderTest, ResolvesUsers) {
  auto u = resolveUser("", root_);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 0u);
  u = resolveUser("nobody", root_);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 65534u);
  EXPECT_EQ(u->gid, 65534u);
  u = resolveUser("app", root_);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->additionalGids, (std::vector<uint32_t>{10}));
  u = resolveUser("1234:5678", root_);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 1234u);
  EXPECT_EQ(u->gid, 5678u);
  u = resolveUser("app:wheel", root_);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->gid, 10u);
  auto bad = resolveUser("ghost", root_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "unable to find user ghost: no matching entries in passwd file");
  EXPECT_FALSE(resolveUser("app:nogroupx", root_).ok());
}

TEST_F(SpecBuilderTest, BuildsFromContainer) {
  ContainerInfo c;
  c.id = std::string(64, 'a');
  c.path = {"echo", "hi"};
  c.spec.hostname = "aaaaaaaaaaaa";
  c.spec.env = {"FOO=bar"};
  c.spec.user = "nobody";
  c.spec.capDrop = {"chown"};
  c.spec.capAdd = {"NET_ADMIN"};
  c.spec.readonlyRootfs = true;
  c.hostsPath = "/x/hosts";
  auto spec = buildSpec(c, SpecContext{root_.string(), ~0ull});
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->process->args, c.path);
  EXPECT_EQ(
      spec->process->env,
      (std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "HOSTNAME=aaaaaaaaaaaa", "FOO=bar"}));
  EXPECT_EQ(spec->process->user.uid, 65534u);
  EXPECT_EQ(spec->hostname, "aaaaaaaaaaaa");
  EXPECT_TRUE(spec->root->readonly);
  EXPECT_EQ(spec->linux->cgroupsPath, "/wharf/" + c.id);
  const auto& caps = spec->process->capabilities->bounding;
  EXPECT_EQ(std::count(caps.begin(), caps.end(), "CAP_CHOWN"), 0);
  EXPECT_EQ(std::count(caps.begin(), caps.end(), "CAP_NET_ADMIN"), 1);
  EXPECT_EQ(caps.size(), 14u);
  auto hosts = std::find_if(spec->mounts.begin(), spec->mounts.end(),
                            [](const oci::Mount& m) { return m.destination == "/etc/hosts"; });
  ASSERT_NE(hosts, spec->mounts.end());
  EXPECT_EQ(hosts->source, "/x/hosts");
  EXPECT_NE(spec->linux->findNamespace("network"), nullptr);
}

TEST(Capabilities, AddDropAll) {
  auto r = applyCapabilityChanges({"CAP_CHOWN", "CAP_KILL"}, {"ALL"}, {"kill"}, 0x7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH"}));
  r = applyCapabilityChanges({"CAP_CHOWN", "CAP_KILL"}, {"sys_admin"}, {"ALL"}, ~0ull);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"CAP_SYS_ADMIN"}));
  EXPECT_FALSE(applyCapabilityChanges({}, {"CAP_BOGUS"}, {}, ~0ull).ok());
}

TEST(Signals, ParsesNamesAndNumbers) {
  EXPECT_EQ(*parseSignal("SIGKILL"), SIGKILL);
  EXPECT_EQ(*parseSignal("term"), SIGTERM);
  EXPECT_EQ(*parseSignal("HUP"), SIGHUP);
  EXPECT_EQ(*parseSignal("9"), 9);
  EXPECT_EQ(*parseSignal("RTMIN+1"), SIGRTMIN + 1);
  EXPECT_FALSE(parseSignal("SIGBOGUS").ok());
  EXPECT_FALSE(parseSignal("0").ok());
  EXPECT_EQ(parseSignal("x").error().message(), "Invalid signal: x");
}

}  // namespace
}  // namespace wharf::engine
