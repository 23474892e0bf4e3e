// Resource limits: docker's checks, the update merge, the OCI mapping, host detection and the
// record round trip (engine/resource_limits.h).
#include "engine/resource_limits.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/container_record.h"

namespace wharf::engine {
namespace {

constexpr int64_t kOneMiB = 1024 * 1024;

HostResources fullHost() {
  HostResources h;
  h.memoryLimit = h.swapLimit = h.memoryReservation = h.memorySwappiness = h.oomKillDisable = true;
  h.cpuCfs = h.cpuShares = h.cpuset = h.pidsLimit = h.blkioWeight = true;
  h.ncpu = 2;
  h.cpus = "0-1";
  h.mems = "0";
  return h;
}

std::string checkError(ResourceLimits r, const HostResources& h = fullHost(), bool update = false) {
  Status st = checkResources(r, h, update, nullptr);
  return st.ok() ? "" : st.error().message();
}

TEST(ResourceLimits, DockersErrors) {
  ResourceLimits r;
  r.memory = 4 * kOneMiB;
  EXPECT_EQ(checkError(r), "Minimum memory limit allowed is 6MB");
  r = {};
  r.memory = 64 * kOneMiB;
  r.memorySwap = 32 * kOneMiB;
  EXPECT_EQ(checkError(r),
            "Minimum memoryswap limit should be larger than memory limit, see usage");
  r = {};
  r.memorySwap = 64 * kOneMiB;
  EXPECT_EQ(checkError(r),
            "You should always set the Memory limit when using Memoryswap limit, see usage");
  EXPECT_EQ(checkError(r, fullHost(), true), "");  // update may set swap alone
  r = {};
  r.memorySwappiness = 101;
  EXPECT_EQ(checkError(r), "Invalid value: 101, valid memory swappiness range is 0-100");
  r = {};
  r.memory = 32 * kOneMiB;
  r.memoryReservation = 64 * kOneMiB;
  EXPECT_EQ(checkError(r),
            "Minimum memory limit can not be less than memory reservation limit, see usage");
  r = {};
  r.nanoCpus = 3000000000;
  EXPECT_EQ(checkError(r),
            "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  r.nanoCpus = 500000000;
  r.cpuQuota = 50000;
  EXPECT_EQ(checkError(r), "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  r.cpuQuota = 0;
  r.cpuPeriod = 50000;
  EXPECT_EQ(checkError(r), "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  r = {};
  r.cpuPeriod = 999;
  EXPECT_EQ(checkError(r),
            "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  r = {};
  r.cpuQuota = 999;
  EXPECT_EQ(checkError(r), "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  r = {};
  r.cpusetCpus = "0-x";
  EXPECT_EQ(checkError(r), "Invalid value 0-x for cpuset cpus: invalid format: 0-x");
  r.cpusetCpus = "1,5";
  EXPECT_EQ(checkError(r), "Requested CPUs are not available - requested 1,5, available: 0-1");
  r = {};
  r.cpusetMems = "1";
  EXPECT_EQ(checkError(r), "Requested memory nodes are not available - requested 1, available: 0");
  r = {};
  r.blkioWeight = 5;
  EXPECT_EQ(checkError(r), "Range of blkio weight is from 10 to 1000");
}

TEST(ResourceLimits, CreateDefaultsAndValidValues) {
  ResourceLimits r;
  r.memory = 256 * kOneMiB;
  r.memorySwappiness = -1;
  r.pidsLimit = 0;
  r.nanoCpus = 1500000000;
  r.cpusetCpus = "0,1";
  std::vector<std::string> warnings;
  ASSERT_TRUE(checkResources(r, fullHost(), false, &warnings).ok());
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(r.memorySwap, 512 * kOneMiB);  // twice the memory, as dockerd
  EXPECT_FALSE(r.memorySwappiness);
  EXPECT_FALSE(r.pidsLimit);
}

TEST(ResourceLimits, UnsupportedLimitsAreDroppedWithDockersWarnings) {
  HostResources h;  // nothing supported
  h.ncpu = 1;
  ResourceLimits r;
  r.memory = 64 * kOneMiB;
  r.pidsLimit = 10;
  r.cpuShares = 512;
  r.blkioWeight = 500;
  r.oomKillDisable = false;  // asking for the default warns about nothing
  std::vector<std::string> w;
  ASSERT_TRUE(checkResources(r, h, false, &w).ok());
  EXPECT_EQ(r.memory, 0);
  EXPECT_EQ(r.memorySwap, -1);
  EXPECT_FALSE(r.pidsLimit);
  EXPECT_EQ(r.cpuShares, 0);
  EXPECT_EQ(r.blkioWeight, 0);
  EXPECT_FALSE(r.oomKillDisable);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0],
            "Your kernel does not support memory limit capabilities or the cgroup is not "
            "mounted. Limitation discarded.");
  r = {};
  r.nanoCpus = 500000000;
  EXPECT_EQ(checkError(r, h),
            "NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the "
            "cgroup is not mounted");
  // Swap accounting missing: memory limited without swap.
  HostResources noSwap = fullHost();
  noSwap.swapLimit = false;
  r = {};
  r.memory = 64 * kOneMiB;
  w.clear();
  ASSERT_TRUE(checkResources(r, noSwap, false, &w).ok());
  EXPECT_EQ(r.memorySwap, -1);
  ASSERT_EQ(w.size(), 1u);
}

TEST(ResourceLimits, OciMappingAsDocker) {
  ResourceLimits r;
  r.memory = 32 * kOneMiB;
  r.memorySwap = 64 * kOneMiB;
  r.memoryReservation = 16 * kOneMiB;
  r.nanoCpus = 500000000;
  r.cpuShares = 512;
  r.cpusetCpus = "0";
  r.pidsLimit = 20;
  oci::Resources out;
  applyToOci(r, out);
  ASSERT_TRUE(out.memory && out.cpu && out.pids);
  EXPECT_EQ(*out.memory->limit, 32 * kOneMiB);
  EXPECT_EQ(*out.memory->swap, 64 * kOneMiB);
  EXPECT_EQ(*out.memory->reservation, 16 * kOneMiB);
  EXPECT_EQ(*out.cpu->quota, 50000);
  EXPECT_EQ(*out.cpu->period, 100000u);
  EXPECT_EQ(*out.cpu->shares, 512u);
  EXPECT_EQ(out.cpu->cpus, "0");
  EXPECT_EQ(out.pids->limit, 20);
  EXPECT_FALSE(out.blockIO);

  // Nothing set: nothing in linux.resources but what was there (the device rules).
  oci::Resources none;
  none.devices.push_back({});
  applyToOci(ResourceLimits{}, none);
  EXPECT_FALSE(none.memory || none.cpu || none.pids || none.blockIO);
  EXPECT_EQ(none.devices.size(), 1u);

  // MemorySwap -1: unlimited swap; nothing is written at create, -1 at a live update.
  r = {};
  r.memory = 32 * kOneMiB;
  r.memorySwap = -1;
  oci::Resources created;
  applyToOci(r, created);
  EXPECT_FALSE(created.memory->swap);
  oci::Resources live = updateResources(r);
  EXPECT_EQ(*live.memory->swap, -1);
  EXPECT_EQ(live.pids->limit, -1);  // no pids limit: unlimited
  EXPECT_EQ(*live.cpu->quota, -1);
}

TEST(ResourceLimits, UpdateMergeAndConflicts) {
  ResourceLimits cur;
  cur.memory = 32 * kOneMiB;
  cur.memorySwap = 64 * kOneMiB;
  cur.nanoCpus = 500000000;
  cur.pidsLimit = 20;
  ResourceLimits u;
  u.memory = 48 * kOneMiB;
  auto m = mergeUpdate(cur, u);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->memory, 48 * kOneMiB);
  EXPECT_EQ(m->memorySwap, 64 * kOneMiB);
  EXPECT_EQ(m->nanoCpus, 500000000);
  EXPECT_EQ(*m->pidsLimit, 20);

  u = {};
  u.memory = 128 * kOneMiB;
  EXPECT_EQ(mergeUpdate(cur, u).error().message(),
            "Memory limit should be smaller than already set memoryswap limit, update the "
            "memoryswap at the same time");
  u.memorySwap = 256 * kOneMiB;
  EXPECT_TRUE(mergeUpdate(cur, u).ok());

  u = {};
  u.cpuQuota = 20000;
  EXPECT_EQ(mergeUpdate(cur, u).error().message(),
            "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  ResourceLimits quota;
  quota.cpuQuota = 20000;
  u = {};
  u.nanoCpus = 1000000000;
  EXPECT_EQ(mergeUpdate(quota, u).error().message(),
            "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");

  u = {};
  u.pidsLimit = -1;  // unlimited again
  m = mergeUpdate(cur, u);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->pidsLimit);
}

TEST(ResourceLimits, CpuListsAreBounded) {
  EXPECT_EQ(*parseCpuList("0-2,5"), (std::vector<int>{0, 1, 2, 5}));
  EXPECT_TRUE(parseCpuList("").ok());
  for (const char* bad : {"-1", "1-", "2-1", "a", "1,,2", "0-99999", "1 "})
    EXPECT_FALSE(parseCpuList(bad).ok()) << bad;
  EXPECT_FALSE(parseCpuList(std::string(2000, '1')).ok());
}

TEST(ResourceLimits, DetectsAV1Hierarchy) {
  namespace stdfs = std::filesystem;
  stdfs::path root = stdfs::temp_directory_path() / ("wharf-res-" + std::to_string(::getpid()));
  auto touch = [&](const std::string& rel, const std::string& text = "") {
    stdfs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  };
  touch("memory/memory.limit_in_bytes");
  touch("memory/memory.soft_limit_in_bytes");
  touch("memory/memory.oom_control");
  touch("cpu/cpu.shares");
  touch("cpu/cpu.cfs_quota_us");
  touch("cpu/cpu.cfs_period_us");
  touch("cpuset/cpuset.cpus", "0-3\n");
  touch("cpuset/cpuset.effective_cpus", "0-2\n");
  touch("cpuset/cpuset.mems", "0\n");
  HostResources h = HostResources::detect(root.string());
  stdfs::remove_all(root);
  EXPECT_FALSE(h.v2);
  EXPECT_TRUE(h.memoryLimit && h.memoryReservation && h.oomKillDisable);
  EXPECT_FALSE(h.swapLimit);  // no memory.memsw.*
  EXPECT_TRUE(h.cpuCfs && h.cpuShares && h.cpuset);
  EXPECT_FALSE(h.pidsLimit);
  EXPECT_FALSE(h.blkioWeight);
  EXPECT_EQ(h.cpus, "0-2");
  EXPECT_EQ(h.mems, "0");
  auto w = h.warnings();
  EXPECT_EQ(w, (std::vector<std::string>{"WARNING: No swap limit support"}));
}

TEST(ResourceLimits, RecordRoundTrip) {
  ContainerRecord rec;
  rec.info.id = "abc";
  rec.info.spec.resources.memory = 32 * kOneMiB;
  rec.info.spec.resources.memorySwap = -1;
  rec.info.spec.resources.pidsLimit = 20;
  rec.info.spec.resources.oomKillDisable = false;
  rec.info.spec.resources.cpusetCpus = "0";
  rec.oomKillsReported = 2;
  auto back = recordFromJson(recordToJson(rec));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->info.spec.resources, rec.info.spec.resources);
  EXPECT_EQ(back->oomKillsReported, 2u);
}

}  // namespace
}  // namespace wharf::engine
