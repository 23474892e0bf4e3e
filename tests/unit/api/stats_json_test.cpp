// GET /containers/{id}/stats: docker's ContainerStatsResponse shape (moby's
// api/types/container/stats.go), for a running container and for a stopped one.
#include "api/internal/stats_json.h"

#include <gtest/gtest.h>

namespace wharf::api {
namespace {

shim::StatsSample v1Sample() {
  shim::StatsSample s;
  s.readNanos = 1700000000500000000;
  s.cgroupVersion = 1;
  s.cpuTotal = 300;
  s.cpuKernel = 100;
  s.cpuUser = 200;
  s.percpu = {100, 200};
  s.systemCpu = 5000;
  s.onlineCpus = 2;
  s.memUsage = 8192;
  s.memLimit = 1 << 30;
  s.memStats = {{"total_inactive_file", 4096}};
  s.pidsCurrent = 2;
  s.ioServiceBytes = {{8, 0, "Read", 512}};
  s.networks["eth0"] = shim::NetDevStats{1, 2, 3, 4, 5, 6, 7, 8};
  return s;
}

TEST(StatsJson, RunningContainer) {
  engine::ContainerStatsReport r{"abc123", "web", v1Sample()};
  Json j = statsJson(r, cpuStatsJson(nullptr), kZeroTime);
  EXPECT_EQ(j["name"], "/web");
  EXPECT_EQ(j["id"], "abc123");
  EXPECT_EQ(j["read"], "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(j["preread"], kZeroTime);
  EXPECT_EQ(j["num_procs"], 0);
  EXPECT_TRUE(j["storage_stats"].is_object());
  const Json& cpu = j["cpu_stats"];
  EXPECT_EQ(cpu["cpu_usage"]["total_usage"], 300u);
  EXPECT_EQ(cpu["cpu_usage"]["percpu_usage"], Json::array({100, 200}));
  EXPECT_EQ(cpu["cpu_usage"]["usage_in_kernelmode"], 100u);
  EXPECT_EQ(cpu["cpu_usage"]["usage_in_usermode"], 200u);
  EXPECT_EQ(cpu["system_cpu_usage"], 5000u);
  EXPECT_EQ(cpu["online_cpus"], 2u);
  EXPECT_EQ(cpu["throttling_data"]["throttled_periods"], 0u);
  EXPECT_EQ(j["precpu_stats"]["cpu_usage"]["total_usage"], 0u);
  EXPECT_FALSE(j["precpu_stats"].contains("system_cpu_usage")) << "omitempty";
  EXPECT_EQ(j["memory_stats"]["usage"], 8192u);
  EXPECT_EQ(j["memory_stats"]["limit"], 1u << 30);
  EXPECT_EQ(j["memory_stats"]["stats"]["total_inactive_file"], 4096u);
  EXPECT_FALSE(j["memory_stats"].contains("max_usage")) << "omitempty";
  EXPECT_EQ(j["pids_stats"], Json({{"current", 2}}));
  const Json& b = j["blkio_stats"];
  EXPECT_EQ(b["io_service_bytes_recursive"][0],
            Json({{"major", 8}, {"minor", 0}, {"op", "Read"}, {"value", 512}}));
  EXPECT_TRUE(b["sectors_recursive"].is_array()) << "v1: every list present";
  EXPECT_EQ(j["networks"]["eth0"]["rx_bytes"], 1u);
  EXPECT_EQ(j["networks"]["eth0"]["tx_dropped"], 8u);
  // The next object carries this one's cpu_stats and read time.
  Json next = statsJson(r, j["cpu_stats"], j["read"]);
  EXPECT_EQ(next["precpu_stats"], j["cpu_stats"]);
  EXPECT_EQ(next["preread"], j["read"]);
}

TEST(StatsJson, V2HasNullListsWithoutDevices) {
  auto s = v1Sample();
  s.cgroupVersion = 2;
  s.percpu.clear();
  s.ioServiceBytes.clear();
  s.networks.clear();
  Json j = statsJson({"abc", "n", s}, cpuStatsJson(nullptr), kZeroTime);
  EXPECT_TRUE(j["blkio_stats"]["io_service_bytes_recursive"].is_null());
  EXPECT_FALSE(j["cpu_stats"]["cpu_usage"].contains("percpu_usage"));
  EXPECT_FALSE(j.contains("networks")) << "omitempty: --network none";
}

TEST(StatsJson, StoppedContainerIsDockersZeroedAnswer) {
  Json j = statsJson({"abc", "gone", std::nullopt}, cpuStatsJson(nullptr), kZeroTime);
  Json want = Json::parse(R"({
    "read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},
    "blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,
      "io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,
      "io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},
    "num_procs":0,"storage_stats":{},
    "cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},
      "throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},
    "precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},
      "throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},
    "memory_stats":{},"name":"/gone","id":"abc"})");
  EXPECT_EQ(j, want) << j.dump();
}

}  // namespace
}  // namespace wharf::api
