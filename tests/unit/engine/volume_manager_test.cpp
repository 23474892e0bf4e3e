// VolumeManager's create-time planning: parsing, precedence, image VOLUMEs, duplicates and
// rollback, over a real VolumeService in a temp dir (no root needed: nothing is mounted).
#include "engine/volume_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;

class VolumeManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (stdfs::temp_directory_path() / "wharf-vm-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    service_ = std::make_unique<volume::VolumeService>(dir_ / "volumes");
    ASSERT_TRUE(service_->load().ok());
    manager_ = std::make_unique<VolumeManager>(*service_);
  }
  void TearDown() override {
    std::error_code ec;
    stdfs::remove_all(dir_, ec);
  }
  VolumeManager::ContainerLookup lookup() {
    return [this](const std::string& name) -> Result<ContainerInfo> {
      if (name == other_.name) return other_;
      return notFound("No such container: " + name);
    };
  }

  stdfs::path dir_;
  std::unique_ptr<volume::VolumeService> service_;
  std::unique_ptr<VolumeManager> manager_;
  ContainerInfo other_;
};

TEST_F(VolumeManagerTest, PlansEveryKindParentsFirst) {
  ContainerSpec s;
  s.binds = {"/:/host/root:ro", "named:/data"};
  s.tmpfs = {{"/run", "size=1m"}};
  s.volumes = {"/anon"};
  volume::MountRequest m;
  m.type = "tmpfs";
  m.target = "/data/cache";
  s.mounts = {m};
  auto plan = manager_->planMounts(s, {"/image-vol", "/data"}, lookup());
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  std::vector<std::string> dests;
  for (const auto& mp : *plan) dests.push_back(mp.destination);
  // /data comes from the bind (the image's VOLUME /data adds nothing); parents first.
  EXPECT_EQ(dests, (std::vector<std::string>{"/anon", "/data", "/image-vol", "/run", "/data/cache",
                                             "/host/root"}));
  // Planning creates nothing.
  EXPECT_TRUE(service_->list({})->empty());
}

TEST_F(VolumeManagerTest, PrepareCreateMakesVolumesAndUndoRemovesThem) {
  ASSERT_TRUE(service_->create({"existing", "", {}, {}}).ok());
  ContainerSpec s;
  s.binds = {"existing:/e", "fresh:/f", "/anon"};
  auto plan = manager_->planMounts(s, {}, lookup());
  ASSERT_TRUE(plan.ok());
  auto created = manager_->prepareCreate("c1", *plan);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->size(), 2u);  // fresh and the anonymous one
  for (const auto& mp : *plan) {
    EXPECT_FALSE(mp.name.empty());
    EXPECT_EQ(mp.source, (dir_ / "volumes" / mp.name / "_data").string());
    EXPECT_EQ(service_->users(mp.name), std::vector<std::string>{"c1"});
  }
  manager_->undoCreate("c1", *plan, *created);
  auto left = service_->list({});
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].name, "existing");
  EXPECT_TRUE(service_->users("existing").empty());
}

TEST_F(VolumeManagerTest, ReleaseRemovesOnlyAnonymousVolumesNobodyElseUses) {
  ContainerSpec s;
  s.binds = {"kept:/k", "/anon"};
  auto plan = manager_->planMounts(s, {}, lookup());
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(manager_->prepareCreate("c1", *plan).ok());
  ContainerInfo c;
  c.id = "c1";
  c.mountPoints = *plan;
  manager_->releaseContainer(c, true);
  auto left = service_->list({});
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].name, "kept");
}

TEST_F(VolumeManagerTest, VolumesFromInheritsAndOwnMountsWin) {
  other_.name = "src";
  volume::MountPoint a;
  a.type = "volume";
  a.name = "shared";
  a.destination = "/shared";
  a.anonymous = true;
  volume::MountPoint b = a;
  b.name = "over";
  b.destination = "/over";
  other_.mountPoints = {a, b};
  ContainerSpec s;
  s.volumesFrom = {"src:ro"};
  s.binds = {"/:/over"};
  auto plan = manager_->planMounts(s, {}, lookup());
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].destination, "/over");
  EXPECT_EQ((*plan)[0].type, "bind");
  EXPECT_EQ((*plan)[1].name, "shared");
  EXPECT_FALSE((*plan)[1].rw);
  EXPECT_FALSE((*plan)[1].anonymous);  // the other container's to remove
  s.volumesFrom = {"missing"};
  EXPECT_EQ(manager_->planMounts(s, {}, lookup()).error().category(), ErrorCategory::kNotFound);
}

TEST_F(VolumeManagerTest, DockerErrors) {
  ContainerSpec s;
  s.binds = {"/a:/x", "v2:/x"};
  EXPECT_EQ(manager_->planMounts(s, {}, lookup()).error().message(), "Duplicate mount point: /x");
  s.binds = {"a/b:/x"};
  EXPECT_EQ(manager_->planMounts(s, {}, lookup()).error().message(),
            "create a/b: \"a/b\" includes invalid characters for a local volume name, only "
            "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
            "directory, use absolute path");
  s.binds = {};
  volume::MountRequest m;
  m.type = "volume";
  m.source = "x1";
  m.target = "/x";
  m.volumeDriver = "flocker";
  s.mounts = {m};
  EXPECT_EQ(manager_->planMounts(s, {}, lookup()).error().category(), ErrorCategory::kNotFound);
  EXPECT_TRUE(service_->list({})->empty());
}

}  // namespace
}  // namespace wharf::engine
