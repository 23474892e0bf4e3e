#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/json.h"
#include "common/time.h"
#include "oci/defaults.h"
#include "runtime/internal/exec_context.h"
#include "runtime/internal/state_file.h"
#include "runtime/runtime.h"

namespace wharf::runtime {
namespace {

TEST(State, RuncJsonShape) {
  State s{"1.2.0", "c1", "running", 42, "/b", "/b/rootfs", "2026-01-01T00:00:00.000000001Z",
          "",      {}};
  auto j = Json::parse(stateToJson(s));
  EXPECT_EQ(j["ociVersion"], "1.2.0");
  EXPECT_EQ(j["id"], "c1");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["status"], "running");
  EXPECT_EQ(j["bundle"], "/b");
  EXPECT_EQ(j["rootfs"], "/b/rootfs");
  EXPECT_EQ(j["owner"], "");
  EXPECT_FALSE(j.contains("annotations"));
  s.annotations["a"] = "b";
  EXPECT_EQ(Json::parse(stateToJson(s))["annotations"]["a"], "b");
}

TEST(State, FileRoundTrip) {
  char tmpl[] = "/tmp/wharf-statetest-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  PersistedState p;
  p.state = {"1.2.0", "c1", "created", 7, "/b", "/b/rootfs", "t", "", {{"k", "v"}}};
  p.pidStartTime = 12345;
  p.cgroupDirs = {"/sys/fs/cgroup/memory/wharf/c1"};
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.process->args = {"sh"};
  p.configText = oci::serializeSpec(spec);
  ASSERT_TRUE(writeStateFile(dir, p).ok());
  auto back = readStateFile(dir, "c1");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->state.pid, 7);
  EXPECT_EQ(back->pidStartTime, 12345u);
  EXPECT_EQ(back->cgroupDirs, p.cgroupDirs);
  EXPECT_EQ(back->state.annotations.at("k"), "v");
  auto cfg = back->config();
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(*cfg, spec);
  auto missing = readStateFile(dir / "nope", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().category(), ErrorCategory::kNotFound);
  EXPECT_EQ(missing.error().message(), "container \"nope\" does not exist");
  std::filesystem::remove_all(dir);
}

// The exec cache (exec_context.h) reuses a parse only while the path names the very file it
// was read from: a rewrite with the same content and size, even in the same clock tick, is a
// new inode (written beside and renamed over), and the cache's open fd keeps the old inode
// from being reused for it.
TEST(State, ExecContextSeesEveryRewrite) {
  char tmpl[] = "/tmp/wharf-statetest-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  const std::string file = (dir / "state.json").string();
  PersistedState p;
  p.state = {"1.2.0", "c1", "created", 7, "/b", "/b/rootfs", "t", "", {}};
  ASSERT_TRUE(writeStateFile(dir, p).ok());
  ExecContext ctx;
  ctx.file.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(ctx.file);
  ASSERT_EQ(::fstat(ctx.file.get(), &ctx.identity), 0);
  struct stat now {};
  ASSERT_EQ(::stat(file.c_str(), &now), 0);
  EXPECT_TRUE(ctx.sameFile(now));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(writeStateFile(dir, p).ok());
    ASSERT_EQ(::stat(file.c_str(), &now), 0);
    EXPECT_FALSE(ctx.sameFile(now)) << "rewrite " << i;
  }
  std::filesystem::remove_all(dir);
}

TEST(State, ProcInfo) {
  ProcInfo self = procInfo(::getpid());
  EXPECT_TRUE(self.alive);
  EXPECT_GT(self.startTime, 0u);
  EXPECT_FALSE(procInfo(0).alive);
  EXPECT_EQ(formatRfc3339NanoFixed(nowNanos()).size(), 30u);  // runc state "created"
}

}  // namespace
}  // namespace wharf::runtime
