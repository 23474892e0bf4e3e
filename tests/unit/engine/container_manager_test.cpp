// ContainerManager over fakes (fake_shim.h): the lifecycle and the state machine without
// processes, mounts or root.
#include "engine/container_manager.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "common/random.h"
#include "common/time.h"
#include "engine/container_record.h"
#include "engine/shim/task_protocol.h"
#include "fakes/fake_shim.h"
#include "store/metadata.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;
using namespace std::chrono_literals;

class ContainerManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("wharf-cm-" + randomHex(6));
    stdfs::create_directories(root_ / "data" / "containers");
    stdfs::create_directories(root_ / "exec" / "containers");
    auto db = store::MetadataDb::open(root_ / "data" / "wharf.db");
    ASSERT_TRUE(db.ok()) << db.error().message();
    db_ = std::move(*db);
    makeManager();
  }
  void TearDown() override {
    mgr_.reset();
    db_.reset();
    stdfs::remove_all(root_);
  }
  void makeManager() {
    mgr_.reset();
    ContainerManagerConfig cfg;
    cfg.dataRoot = root_ / "data";
    cfg.execRoot = root_ / "exec";
    mgr_ = std::make_unique<ContainerManager>(io_, *db_, images_, shims_, rootfs_, events_, cfg);
  }
  // Runs the loop until `cond` holds (or a generous bound passes).
  template <typename F>
  bool runUntil(F cond, std::chrono::milliseconds limit = 5000ms) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!cond() && std::chrono::steady_clock::now() < end) {
      io_.restart();
      io_.run_for(5ms);
    }
    return cond();
  }
  std::string create(ContainerSpec spec = {}) {
    if (spec.image.empty()) spec.image = "busybox";
    auto id = mgr_->createContainer(spec, nullptr);
    EXPECT_TRUE(id.ok()) << id.error().message();
    return id.ok() ? *id : "";
  }
  Status start(const std::string& id) {
    std::optional<Status> out;
    mgr_->startContainer(id, [&](Status st, bool) { out = std::move(st); });
    EXPECT_TRUE(runUntil([&] { return out.has_value(); }));
    return out ? *out : internalError("start did not answer");
  }
  ContainerStatus status(const std::string& id) { return mgr_->inspectContainer(id)->state.status; }

  stdfs::path root_;
  boost::asio::io_context io_;
  std::unique_ptr<store::MetadataDb> db_;
  fakes::FakeShimLauncher shims_{io_};
  fakes::FakeRootfs rootfs_;
  fakes::FakeImages images_{io_};
  fakes::RecordingEvents events_;
  std::unique_ptr<ContainerManager> mgr_;
};

TEST_F(ContainerManagerTest, StartRunsAndExitIsRecordedWithEvents) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  EXPECT_EQ(status(id), ContainerStatus::kRunning);
  EXPECT_EQ(rootfs_.mounted.size(), 1u);
  auto info = mgr_->inspectContainer(id);
  EXPECT_EQ(info->state.pid, shims_.last(id)->init);
  std::optional<Result<WaitResult>> waited;
  mgr_->waitContainer(id, WaitCondition::kNextExit, [&](Result<WaitResult> r) { waited = r; });
  shims_.last(id)->exit(3);
  ASSERT_TRUE(runUntil([&] { return waited.has_value(); }));
  EXPECT_EQ((*waited)->exitCode, 3);
  EXPECT_EQ(status(id), ContainerStatus::kExited);
  EXPECT_TRUE(rootfs_.mounted.empty());
  EXPECT_EQ(events_.actions(id), (std::vector<std::string>{"create", "start", "die"}));
  EXPECT_EQ(events_.events.back().attributes.at("exitCode"), "3");
  // Persisted: a new manager reads the same.
  auto rec = mgr_->record(id);
  EXPECT_FALSE(rec->starting);
}

TEST_F(ContainerManagerTest, StartFailureKeepsCreatedWithShellExitCode) {
  std::string id = create();
  std::optional<Result<WaitResult>> waited;
  mgr_->waitContainer(id, WaitCondition::kNextExit, [&](Result<WaitResult> r) { waited = r; });
  shims_.failNext = notFound("exec: \"nope\": executable file not found in $PATH");
  Status st = start(id);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kNotFound);
  auto info = mgr_->inspectContainer(id);
  EXPECT_EQ(info->state.status, ContainerStatus::kCreated);
  EXPECT_EQ(info->state.exitCode, 127);
  EXPECT_NE(info->state.error.find("executable file not found"), std::string::npos);
  EXPECT_TRUE(rootfs_.mounted.empty()) << "a failed start unmounts";
  ASSERT_TRUE(runUntil([&] { return waited.has_value(); }));
  EXPECT_EQ((*waited)->exitCode, 127);
  EXPECT_FALSE(mgr_->record(id)->starting);
  // It can be started again once the cause is gone.
  EXPECT_TRUE(start(id).ok());
  EXPECT_EQ(status(id), ContainerStatus::kRunning);
}

TEST_F(ContainerManagerTest, StopSendsTermThenKillAfterTimeout) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  auto task = shims_.last(id);
  task->exitOn = {SIGKILL};  // ignores SIGTERM
  std::optional<Status> stopped;
  auto t0 = std::chrono::steady_clock::now();
  mgr_->stopContainer(id, 1, [&](Status st) { stopped = st; });
  ASSERT_TRUE(runUntil([&] { return stopped.has_value(); }));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(stopped->ok());
  EXPECT_GE(took, 900ms);
  EXPECT_EQ(task->signals, (std::vector<int>{SIGTERM, SIGKILL}));
  auto info = mgr_->inspectContainer(id);
  EXPECT_EQ(info->state.exitCode, 137);
  EXPECT_EQ(events_.actions(id),
            (std::vector<std::string>{"create", "start", "kill", "kill", "die", "stop"}));
  EXPECT_TRUE(mgr_->record(id)->manuallyStopped);
}

TEST_F(ContainerManagerTest, StopWithCustomSignalAndZeroTimeoutKillsAtOnce) {
  ContainerSpec spec;
  spec.stopSignal = "SIGUSR1";
  std::string id = create(spec);
  ASSERT_TRUE(start(id).ok());
  auto task = shims_.last(id);
  std::optional<Status> stopped;
  mgr_->stopContainer(id, 0, [&](Status st) { stopped = st; });
  ASSERT_TRUE(runUntil([&] { return stopped.has_value(); }));
  EXPECT_EQ(task->signals, (std::vector<int>{SIGKILL}));
}

TEST_F(ContainerManagerTest, KillSignalsAndRefusesAStoppedContainer) {
  std::string id = create();
  Status st = mgr_->killContainer(id, "TERM");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kConflict);
  EXPECT_NE(st.error().message().find("is not running"), std::string::npos);
  ASSERT_TRUE(start(id).ok());
  auto task = shims_.last(id);
  task->exitOn = {};
  EXPECT_TRUE(mgr_->killContainer(id, "HUP").ok());
  EXPECT_EQ(task->signals, (std::vector<int>{SIGHUP}));
  EXPECT_FALSE(mgr_->killContainer(id, "NOPE").ok());
  EXPECT_EQ(events_.events.back().attributes.at("signal"), std::to_string(SIGHUP));
}

TEST_F(ContainerManagerTest, WaitConditions) {
  std::string id = create();
  std::optional<Result<WaitResult>> notRunning, removed;
  mgr_->waitContainer(id, WaitCondition::kNotRunning,
                      [&](Result<WaitResult> r) { notRunning = r; });
  EXPECT_TRUE(notRunning.has_value()) << "a created container is not running: at once";
  mgr_->waitContainer(id, WaitCondition::kRemoved, [&](Result<WaitResult> r) { removed = r; });
  ASSERT_TRUE(start(id).ok());
  notRunning.reset();
  mgr_->waitContainer(id, WaitCondition::kNotRunning,
                      [&](Result<WaitResult> r) { notRunning = r; });
  io_.restart();
  io_.run_for(20ms);
  EXPECT_FALSE(notRunning.has_value());
  shims_.last(id)->exit(0);
  ASSERT_TRUE(runUntil([&] { return notRunning.has_value(); }));
  EXPECT_FALSE(removed.has_value());
  std::optional<Status> rm;
  mgr_->removeContainer(id, false, false, [&](Status st) { rm = st; });
  ASSERT_TRUE(runUntil([&] { return rm.has_value() && removed.has_value(); }));
  EXPECT_TRUE(rm->ok());
  EXPECT_FALSE(mgr_->inspectContainer(id).ok());
  EXPECT_EQ(events_.actions(id).back(), "destroy");
}

TEST_F(ContainerManagerTest, RestartPolicyBacksOffAndCounts) {
  ContainerSpec spec;
  spec.restartPolicy = "on-failure";
  spec.restartMaxRetries = 3;
  std::string id = create(spec);
  ASSERT_TRUE(start(id).ok());
  std::vector<std::chrono::steady_clock::time_point> starts{std::chrono::steady_clock::now()};
  for (int i = 0; i < 3; ++i) {
    shims_.last(id)->exit(1);
    ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kRestarting; }));
    size_t n = shims_.tasks[id].size();
    ASSERT_TRUE(runUntil([&] { return shims_.tasks[id].size() > n; }));
    ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kRunning; }));
    starts.push_back(std::chrono::steady_clock::now());
  }
  // 100 ms, 200 ms, 400 ms between the restarts.
  EXPECT_GE(starts[1] - starts[0], 90ms);
  EXPECT_GE(starts[2] - starts[1], 190ms);
  EXPECT_GE(starts[3] - starts[2], 390ms);
  EXPECT_EQ(mgr_->inspectContainer(id)->restartCount, 3);
  // The retries are used up: the next failure leaves it exited.
  shims_.last(id)->exit(1);
  ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kExited; }));
  io_.restart();
  io_.run_for(300ms);
  EXPECT_EQ(status(id), ContainerStatus::kExited);
  EXPECT_EQ(shims_.launches, 4);
}

TEST_F(ContainerManagerTest, StopCancelsAPendingRestart) {
  ContainerSpec spec;
  spec.restartPolicy = "always";
  std::string id = create(spec);
  ASSERT_TRUE(start(id).ok());
  shims_.last(id)->exit(0);
  ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kRestarting; }));
  std::optional<Status> stopped;
  mgr_->stopContainer(id, 1, [&](Status st) { stopped = st; });
  ASSERT_TRUE(runUntil([&] { return stopped.has_value(); }));
  EXPECT_EQ(status(id), ContainerStatus::kExited);
  io_.restart();
  io_.run_for(300ms);
  EXPECT_EQ(shims_.launches, 1);
}

TEST_F(ContainerManagerTest, ForceRemoveDuringStartKillsWhatStarts) {
  std::string id = create();
  shims_.holdLaunches = true;
  std::optional<Status> started, removed;
  mgr_->startContainer(id, [&](Status st, bool) { started = st; });
  ASSERT_TRUE(runUntil([&] { return !shims_.held.empty(); }));
  EXPECT_TRUE(mgr_->record(id)->starting);
  // Without force: refused, as for a running container.
  std::optional<Status> plain;
  mgr_->removeContainer(id, false, false, [&](Status st) { plain = st; });
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->error().category(), ErrorCategory::kConflict);
  mgr_->removeContainer(id, true, false, [&](Status st) { removed = st; });
  EXPECT_FALSE(removed.has_value()) << "waits for the start in progress";
  shims_.releaseHeld();
  ASSERT_TRUE(runUntil([&] { return removed.has_value(); }));
  EXPECT_TRUE(removed->ok()) << removed->error().message();
  EXPECT_EQ(shims_.last(id)->signals, (std::vector<int>{SIGKILL}));
  EXPECT_FALSE(mgr_->inspectContainer(id).ok());
  EXPECT_TRUE(rootfs_.mounted.empty());
  EXPECT_FALSE(stdfs::exists(root_ / "data" / "containers" / id));
}

TEST_F(ContainerManagerTest, PauseUnpauseAndTheirRefusals) {
  std::string id = create();
  Status st = mgr_->pauseContainer(id);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kConflict);
  EXPECT_EQ(st.error().message(), "Container " + id + " is not running");
  ASSERT_TRUE(start(id).ok());
  st = mgr_->unpauseContainer(id);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "Container " + id + " is not paused");
  ASSERT_TRUE(mgr_->pauseContainer(id).ok());
  EXPECT_TRUE(shims_.last(id)->paused);
  EXPECT_EQ(status(id), ContainerStatus::kPaused);
  EXPECT_EQ(mgr_->pauseContainer(id).error().message(), "Container " + id + " is already paused");
  ListOptions lo;
  lo.filters["status"] = {"paused"};
  EXPECT_EQ(mgr_->listContainers(lo)->size(), 1u);
  ASSERT_TRUE(mgr_->unpauseContainer(id).ok());
  EXPECT_EQ(status(id), ContainerStatus::kRunning);
  EXPECT_EQ(events_.actions(id), (std::vector<std::string>{"create", "start", "pause", "unpause"}));
}

TEST_F(ContainerManagerTest, RenameChecksNamesAndPublishesTheOldOne) {
  ContainerSpec a;
  a.name = "first";
  std::string id = create(a);
  ContainerSpec b;
  b.name = "second";
  std::string other = create(b);
  Status st = mgr_->renameContainer("first", "second");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kConflict);
  EXPECT_EQ(st.error().message(),
            "Error when allocating new name: Conflict. The container name \"/second\" is already "
            "in use by container \"" +
                other +
                "\". You have to remove (or rename) that container to be able to reuse that name.");
  EXPECT_EQ(mgr_->renameContainer("first", "first").error().category(),
            ErrorCategory::kInvalidArgument);
  EXPECT_EQ(mgr_->renameContainer("first", "").error().message(),
            "Neither old nor new names may be empty");
  EXPECT_EQ(mgr_->renameContainer("first", "bad/name").error().category(),
            ErrorCategory::kInvalidArgument);
  EXPECT_EQ(mgr_->renameContainer("nosuch", "x").error().category(), ErrorCategory::kNotFound);
  ASSERT_TRUE(mgr_->renameContainer("/first", "third").ok());
  EXPECT_EQ(mgr_->inspectContainer("third")->name, "third");
  EXPECT_FALSE(mgr_->inspectContainer("first").ok());
  EXPECT_EQ(mgr_->record(id)->info.name, "third");
  ASSERT_FALSE(events_.events.empty());
  const auto& e = events_.events.back();
  EXPECT_EQ(e.action, "rename");
  EXPECT_EQ(e.attributes.at("oldName"), "/first");
  EXPECT_EQ(e.attributes.at("name"), "third");
  // The old name is free again.
  ContainerSpec c;
  c.name = "first";
  EXPECT_FALSE(create(c).empty());
}

TEST_F(ContainerManagerTest, StopOfAPausedContainerThawsIt) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  ASSERT_TRUE(mgr_->pauseContainer(id).ok());
  std::optional<Status> stopped;
  mgr_->stopContainer(id, 5, [&](Status st) { stopped = st; });
  ASSERT_TRUE(runUntil([&] { return stopped.has_value(); }, 2000ms));
  EXPECT_EQ(status(id), ContainerStatus::kExited);
  EXPECT_EQ(mgr_->inspectContainer(id)->state.exitCode, 128 + SIGTERM);
}

TEST_F(ContainerManagerTest, ForceRemoveOfAPausedContainer) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  ASSERT_TRUE(mgr_->pauseContainer(id).ok());
  std::optional<Status> plain, removed;
  mgr_->removeContainer(id, false, false, [&](Status st) { plain = st; });
  ASSERT_TRUE(plain.has_value());
  EXPECT_NE(plain->error().message().find("paused"), std::string::npos);
  mgr_->removeContainer(id, true, false, [&](Status st) { removed = st; });
  ASSERT_TRUE(runUntil([&] { return removed.has_value(); }));
  EXPECT_TRUE(removed->ok());
}

TEST_F(ContainerManagerTest, LiveRestoreRecordsAnExitWhileTheDaemonWasDown) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  auto task = shims_.last(id);
  // The daemon goes away (the shim keeps running), the container exits meanwhile.
  mgr_.reset();
  shim::ExitStatus es;
  es.exitCode = 42;
  es.finishedAtNanos = nowNanos();
  shims_.exitFiles[id] = es;
  shims_.runtimeKnows.insert(id);
  makeManager();
  ASSERT_TRUE(mgr_->restore().ok());
  ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kExited; }));
  EXPECT_EQ(mgr_->inspectContainer(id)->state.exitCode, 42);
  EXPECT_TRUE(rootfs_.mounted.empty());
}

TEST_F(ContainerManagerTest, LiveRestoreAdoptsALiveShim) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  std::string startedAt = mgr_->inspectContainer(id)->state.startedAt;
  pid_t shimPid = shims_.last(id)->shim;
  mgr_.reset();
  shims_.live[id] = shimPid;
  makeManager();
  ASSERT_TRUE(mgr_->restore().ok());
  ASSERT_TRUE(runUntil([&] { return shims_.tasks[id].size() == 2; }));
  io_.restart();
  io_.run_for(10ms);
  EXPECT_EQ(status(id), ContainerStatus::kRunning);
  EXPECT_EQ(mgr_->inspectContainer(id)->state.startedAt, startedAt);
  // The adopted shim is watched: its exit is recorded.
  shims_.live.clear();
  shims_.last(id)->exit(7);
  ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kExited; }));
  EXPECT_EQ(mgr_->inspectContainer(id)->state.exitCode, 7);
}

TEST_F(ContainerManagerTest, LiveRestoreFailsAStartThatNeverRan) {
  std::string id = create();
  shims_.holdLaunches = true;
  mgr_->startContainer(id, [](Status, bool) {});
  ASSERT_TRUE(runUntil([&] { return !shims_.held.empty(); }));
  shims_.held.clear();
  mgr_.reset();  // the daemon dies before the shim answered; no shim, no runtime state
  makeManager();
  ASSERT_TRUE(mgr_->restore().ok());
  io_.restart();
  io_.run_for(10ms);
  auto info = mgr_->inspectContainer(id);
  EXPECT_EQ(info->state.status, ContainerStatus::kCreated);
  EXPECT_NE(info->state.error.find("interrupted"), std::string::npos);
  EXPECT_FALSE(mgr_->record(id)->starting);
}

TEST_F(ContainerManagerTest, RestartChangesPidAndStartedAt) {
  std::string id = create();
  ASSERT_TRUE(start(id).ok());
  auto before = mgr_->inspectContainer(id)->state;
  std::optional<Status> done;
  io_.restart();
  io_.run_for(5ms);
  mgr_->restartContainer(id, 1, [&](Status st) { done = st; });
  ASSERT_TRUE(runUntil([&] { return done.has_value(); }));
  ASSERT_TRUE(done->ok());
  auto after = mgr_->inspectContainer(id)->state;
  EXPECT_NE(before.pid, after.pid);
  EXPECT_NE(before.startedAt, after.startedAt);
  EXPECT_EQ(events_.actions(id).back(), "restart");
}

// The test plays the shim on a stream's peer socket: the reply line, then frames.
void shimReplies(int fd, const shim::TaskReply& rep, const std::string& frames = {}) {
  std::string out = shim::encodeReply(rep) + frames;
  ASSERT_EQ(::write(fd, out.data(), out.size()), static_cast<ssize_t>(out.size()));
}

TEST_F(ContainerManagerTest, AttachBeforeStartConnectsBeforeTheInitRunsAndEndsOnAFailedStart) {
  ContainerSpec spec;
  spec.openStdin = true;
  std::string id = create(spec);
  // `docker run -i`: attach first (nothing to connect to yet), then start.
  auto out = mgr_->attachOutput(id, true, true);
  ASSERT_TRUE(out.ok()) << out.error().message();
  auto in = mgr_->attachStdin(id);
  ASSERT_TRUE(in.ok()) << in.error().message();
  ASSERT_TRUE(start(id).ok());
  auto t = shims_.last(id);
  ASSERT_EQ(t->streams.size(), 2u) << "both attaches were connected before the start returned";
  EXPECT_EQ(t->streams[0].first.op, "attach");
  EXPECT_TRUE(t->streams[0].first.stdoutOn);
  EXPECT_TRUE(t->streams[1].first.stdinOn);
  // A live attach goes to the shim at once.
  ASSERT_TRUE(mgr_->attachOutput(id, true, false).ok());
  EXPECT_EQ(t->streams.size(), 3u);
  EXPECT_TRUE(mgr_->resizeTty(id, 24, 80).ok());
  t->exit(0);
  ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kExited; }));

  // An attach waiting for a start that fails ends (the reader sees the end).
  auto waiting = mgr_->attachOutput(id, true, true);
  ASSERT_TRUE(waiting.ok());
  shims_.failNext = notFound("exec: \"nope\": executable file not found in $PATH");
  ASSERT_FALSE(start(id).ok());
  std::optional<Result<std::optional<LogEntry>>> got;
  (*waiting)->next([&](Result<std::optional<LogEntry>> e) { got = std::move(e); });
  ASSERT_TRUE(runUntil([&] { return got.has_value(); }));
  ASSERT_TRUE(got->ok());
  EXPECT_FALSE(got->value().has_value());
}

TEST_F(ContainerManagerTest, ExecRunsThroughTheShimAndPublishesItsEvents) {
  std::string id = create();
  ExecConfig cfg;
  cfg.cmd = {"sh", "-c", "exit 3"};
  auto refused = mgr_->createExec(id, cfg);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category(), ErrorCategory::kConflict);
  EXPECT_NE(refused.error().message().find("is not running"), std::string::npos);
  ASSERT_TRUE(start(id).ok());
  auto execId = mgr_->createExec(id, cfg);
  ASSERT_TRUE(execId.ok()) << execId.error().message();

  // Detached: the exec request, then a wait request for its exit.
  std::optional<Result<ExecStreams>> started;
  mgr_->startExec(*execId, true, [&](Result<ExecStreams> r) { started = std::move(r); });
  auto t = shims_.last(id);
  ASSERT_EQ(t->streams.size(), 1u);
  EXPECT_EQ(t->streams[0].first.op, "exec");
  EXPECT_EQ(t->streams[0].first.args, cfg.cmd);
  EXPECT_TRUE(t->streams[0].first.detach);
  shim::TaskReply rep;
  rep.pid = 4242;
  shimReplies(t->streams[0].second.get(), rep);
  ASSERT_TRUE(runUntil([&] { return started.has_value(); }));
  ASSERT_TRUE(started->ok()) << started->error().message();
  auto info = mgr_->inspectExec(*execId);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->running);
  EXPECT_EQ(info->pid, 4242);
  ASSERT_EQ(t->streams.size(), 2u);
  EXPECT_EQ(t->streams[1].first.op, "wait");
  shim::TaskReply exited;
  exited.exitCode = 3;
  shimReplies(t->streams[1].second.get(), exited);
  ASSERT_TRUE(runUntil([&] { return !mgr_->inspectExec(*execId)->running; }));
  EXPECT_EQ(mgr_->inspectExec(*execId)->exitCode, 3);
  // A second start is refused as docker does.
  std::optional<Result<ExecStreams>> again;
  mgr_->startExec(*execId, true, [&](Result<ExecStreams> r) { again = std::move(r); });
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->error().category(), ErrorCategory::kConflict);

  std::vector<std::string> execEvents;
  for (const auto& e : events_.events) {
    if (e.actorId != id || e.action.rfind("exec_", 0) != 0) continue;
    execEvents.push_back(e.action);
    EXPECT_EQ(e.attributes.at("execID"), *execId);
    if (e.action == "exec_die") {
      EXPECT_EQ(e.attributes.at("exitCode"), "3");
    }
  }
  EXPECT_EQ(execEvents, (std::vector<std::string>{"exec_create: sh -c exit 3",
                                                  "exec_start: sh -c exit 3", "exec_die"}));
  // Removing the container forgets its execs.
  t->exit(0);
  ASSERT_TRUE(runUntil([&] { return status(id) == ContainerStatus::kExited; }));
  std::optional<Status> removed;
  mgr_->removeContainer(id, false, false, [&](Status st) { removed = std::move(st); });
  ASSERT_TRUE(runUntil([&] { return removed.has_value(); }));
  EXPECT_EQ(mgr_->inspectExec(*execId).error().category(), ErrorCategory::kNotFound);
}

TEST(ContainerTransitions, TableRefusesWhatIsInvalid) {
  using S = ContainerStatus;
  EXPECT_TRUE(checkTransition(S::kCreated, false, Transition::kBeginStart).ok());
  EXPECT_FALSE(checkTransition(S::kCreated, true, Transition::kBeginStart).ok());
  EXPECT_FALSE(checkTransition(S::kRunning, false, Transition::kBeginStart).ok());
  EXPECT_FALSE(checkTransition(S::kCreated, false, Transition::kRunning).ok());
  EXPECT_TRUE(checkTransition(S::kCreated, true, Transition::kRunning).ok());
  EXPECT_FALSE(checkTransition(S::kCreated, false, Transition::kPaused).ok());
  EXPECT_FALSE(checkTransition(S::kExited, false, Transition::kPaused).ok());
  EXPECT_TRUE(checkTransition(S::kRunning, false, Transition::kPaused).ok());
  EXPECT_FALSE(checkTransition(S::kRunning, false, Transition::kUnpaused).ok());
  EXPECT_TRUE(checkTransition(S::kPaused, false, Transition::kExited).ok());
  EXPECT_FALSE(checkTransition(S::kCreated, false, Transition::kExited).ok());
  EXPECT_FALSE(checkTransition(S::kRunning, false, Transition::kRemoving).ok());
  EXPECT_FALSE(checkTransition(S::kPaused, false, Transition::kRemoving).ok());
  EXPECT_TRUE(checkTransition(S::kDead, false, Transition::kRemoving).ok());
  EXPECT_FALSE(checkTransition(S::kExited, false, Transition::kRemoved).ok());
  EXPECT_FALSE(checkTransition(S::kRunning, false, Transition::kRestarting).ok());
  Status st = checkTransition(S::kExited, false, Transition::kPaused);
  EXPECT_EQ(st.error().category(), ErrorCategory::kConflict);
  EXPECT_EQ(st.error().message(), "cannot pause a container that is exited");
}

}  // namespace
}  // namespace wharf::engine
