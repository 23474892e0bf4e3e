// ContainerManager's `docker update` and OOM reporting over fakes (fake_shim.h).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "common/random.h"
#include "engine/container_manager.h"
#include "engine/resource_limits.h"
#include "fakes/fake_shim.h"
#include "store/metadata.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
constexpr int64_t kMiB = 1024 * 1024;

class ContainerUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("wharf-cu-" + randomHex(6));
    stdfs::create_directories(root_ / "data" / "containers");
    stdfs::create_directories(root_ / "exec" / "containers");
    auto db = store::MetadataDb::open(root_ / "data" / "wharf.db");
    ASSERT_TRUE(db.ok()) << db.error().message();
    db_ = std::move(*db);
    ContainerManagerConfig cfg;
    cfg.dataRoot = root_ / "data";
    cfg.execRoot = root_ / "exec";
    mgr_ = std::make_unique<ContainerManager>(io_, *db_, images_, shims_, rootfs_, events_, cfg);
  }
  void TearDown() override {
    mgr_.reset();
    db_.reset();
    stdfs::remove_all(root_);
  }
  template <typename F>
  bool runUntil(F cond) {
    auto end = std::chrono::steady_clock::now() + 5000ms;
    while (!cond() && std::chrono::steady_clock::now() < end) {
      io_.restart();
      io_.run_for(5ms);
    }
    return cond();
  }
  std::string create(ContainerSpec spec = {}) {
    spec.image = "busybox";
    auto id = mgr_->createContainer(spec, nullptr);
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : "";
  }
  void start(const std::string& id) {
    std::optional<Status> out;
    mgr_->startContainer(id, [&](Status st, bool) { out = std::move(st); });
    ASSERT_TRUE(runUntil([&] { return out.has_value(); }));
    ASSERT_TRUE(out->ok()) << out->error().message();
  }

  stdfs::path root_;
  boost::asio::io_context io_;
  std::unique_ptr<store::MetadataDb> db_;
  fakes::FakeShimLauncher shims_{io_};
  fakes::FakeRootfs rootfs_;
  fakes::FakeImages images_{io_};
  fakes::RecordingEvents events_;
  std::unique_ptr<ContainerManager> mgr_;
};

TEST_F(ContainerUpdateTest, CreateChecksLimitsAndCreatesNothingOnError) {
  ContainerSpec bad;
  bad.resources.memory = 1024;
  bad.image = "busybox";
  auto id = mgr_->createContainer(bad, nullptr);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(id.error().message(), "Minimum memory limit allowed is 6MB");
  EXPECT_TRUE(mgr_->listContainers(ListOptions{true})->empty());
}

TEST_F(ContainerUpdateTest, UpdatesARunningContainerLiveAndAStoppedOneOnRecord) {
  if (!HostResources::current().memoryLimit || !HostResources::current().swapLimit)
    GTEST_SKIP() << "the host cannot limit memory and swap";
  ContainerSpec spec;
  spec.resources.memory = 32 * kMiB;
  std::string id = create(spec);
  EXPECT_EQ(mgr_->inspectContainer(id)->spec.resources.memorySwap, 64 * kMiB);
  start(id);

  ContainerUpdate u;
  u.resources.memory = 48 * kMiB;
  u.resources.pidsLimit = 20;
  std::vector<std::string> warnings;
  ASSERT_TRUE(mgr_->updateContainer(id, u, &warnings).ok());
  auto task = shims_.last(id);
  ASSERT_EQ(task->updates.size(), 1u);
  EXPECT_EQ(*task->updates[0].memory->limit, 48 * kMiB);
  EXPECT_EQ(*task->updates[0].memory->swap, 64 * kMiB);
  EXPECT_EQ(task->updates[0].pids->limit, 20);
  EXPECT_EQ(mgr_->record(id)->info.spec.resources.memory, 48 * kMiB);
  EXPECT_EQ(events_.actions(id).back(), "update");

  // docker's rule: above the memory+swap limit only with a new one; nothing changes.
  u = {};
  u.resources.memory = 128 * kMiB;
  Status st = mgr_->updateContainer(id, u, &warnings);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(),
            "Cannot update container " + id +
                ": Memory limit should be smaller than already set memoryswap limit, update "
                "the memoryswap at the same time");
  EXPECT_EQ(task->updates.size(), 1u);
  EXPECT_EQ(mgr_->record(id)->info.spec.resources.memory, 48 * kMiB);

  // Invalid values are refused before anything happens.
  u = {};
  u.resources.cpuQuota = 10;
  EXPECT_EQ(mgr_->updateContainer(id, u, &warnings).error().message(),
            "CPU cfs quota can not be less than 1ms (i.e. 1000)");

  // Stopped: recorded for the next start, nothing applied.
  task->exit(0);
  ASSERT_TRUE(runUntil(
      [&] { return mgr_->inspectContainer(id)->state.status == ContainerStatus::kExited; }));
  u = {};
  u.resources.cpuShares = 512;
  u.restartPolicy = "on-failure";
  u.restartMaxRetries = 3;
  ASSERT_TRUE(mgr_->updateContainer(id, u, &warnings).ok());
  EXPECT_EQ(task->updates.size(), 1u);
  auto rec = mgr_->record(id);
  EXPECT_EQ(rec->info.spec.resources.cpuShares, 512);
  EXPECT_EQ(rec->info.spec.restartPolicy, "on-failure");
  EXPECT_EQ(rec->info.spec.restartMaxRetries, 3);

  u = {};
  u.restartPolicy = "sometimes";
  EXPECT_EQ(mgr_->updateContainer(id, u, &warnings).error().message(),
            "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
            "'on-failure', or 'unless-stopped'");
}

TEST_F(ContainerUpdateTest, OomKillsArePublishedOnceAndMarkTheExit) {
  std::string id = create();
  start(id);
  auto task = shims_.last(id);
  ASSERT_TRUE(task->onOom);
  task->onOom(1);  // a process of the container was OOM-killed; the container runs on
  EXPECT_EQ(events_.actions(id), (std::vector<std::string>{"create", "start", "oom"}));
  EXPECT_TRUE(mgr_->inspectContainer(id)->state.oomKilled);
  task->onOom(1);  // the same kill again is no news
  EXPECT_EQ(events_.actions(id).size(), 3u);
  // Then the init itself: the exit status counts 2, one of them not told yet.
  task->oomKills = 2;
  task->exit(137);
  ASSERT_TRUE(runUntil(
      [&] { return mgr_->inspectContainer(id)->state.status == ContainerStatus::kExited; }));
  auto info = mgr_->inspectContainer(id);
  EXPECT_TRUE(info->state.oomKilled);
  EXPECT_EQ(info->state.exitCode, 137);
  EXPECT_EQ(events_.actions(id),
            (std::vector<std::string>{"create", "start", "oom", "oom", "die"}));
  // A new run starts without it.
  start(id);
  EXPECT_FALSE(mgr_->inspectContainer(id)->state.oomKilled);
}

}  // namespace
}  // namespace wharf::engine
