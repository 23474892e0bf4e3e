// `wharf stats` rows: the docker CLI's formulas (cli/command/container/stats_helpers.go).
#include <gtest/gtest.h>

#include "cli/ps_rows.h"

namespace wharf::cli {
namespace {

Json sample() {
  return Json::parse(R"({
    "id":"0123456789abcdef0123","name":"/web",
    "cpu_stats":{"cpu_usage":{"total_usage":300000000},"system_cpu_usage":4000000000,
                 "online_cpus":2},
    "precpu_stats":{"cpu_usage":{"total_usage":100000000},"system_cpu_usage":2000000000},
    "memory_stats":{"usage":10485760,"limit":104857600,
                    "stats":{"total_inactive_file":5242880}},
    "networks":{"eth0":{"rx_bytes":1500,"tx_bytes":648},"eth1":{"rx_bytes":500,"tx_bytes":0}},
    "blkio_stats":{"io_service_bytes_recursive":[
      {"major":8,"minor":0,"op":"Read","value":4096},
      {"major":8,"minor":0,"op":"write","value":1000000},
      {"major":8,"minor":0,"op":"Total","value":1004096}]},
    "pids_stats":{"current":3}})");
}

TEST(StatsRow, DockerFormulas) {
  Json r = statsRow(sample(), "web", true);
  EXPECT_EQ(r["ID"], "0123456789ab");
  EXPECT_EQ(r["Name"], "web");
  EXPECT_EQ(r["Container"], "web");
  // (200M / 2000M) * 2 CPUs * 100
  EXPECT_EQ(r["CPUPerc"], "20.00%");
  // 10 MiB minus 5 MiB of inactive file cache, of 100 MiB
  EXPECT_EQ(r["MemUsage"], "5MiB / 100MiB");
  EXPECT_EQ(r["MemPerc"], "5.00%");
  EXPECT_EQ(r["NetIO"], "2kB / 648B");
  EXPECT_EQ(r["BlockIO"], "4.1kB / 1MB");
  EXPECT_EQ(r["PIDs"], "3");
  EXPECT_EQ(statsRow(sample(), "web", false)["ID"], "0123456789abcdef0123");
}

TEST(StatsRow, CgroupV2InactiveFileAndPercpuFallback) {
  Json s = sample();
  s["memory_stats"]["stats"] = Json::object({{"inactive_file", 1048576}});
  s["cpu_stats"].erase("online_cpus");
  s["cpu_stats"]["cpu_usage"]["percpu_usage"] = {1, 2, 3, 4};
  Json r = statsRow(s, "web", true);
  EXPECT_EQ(r["MemUsage"], "9MiB / 100MiB");
  EXPECT_EQ(r["CPUPerc"], "40.00%") << "online CPUs from percpu_usage when absent";
}

TEST(StatsRow, StoppedContainerIsZero) {
  Json r = statsRow(Json::parse(R"({"id":"abc","name":"/x","cpu_stats":{},"precpu_stats":{},
                                    "memory_stats":{},"pids_stats":{}})"),
                    "x", true);
  EXPECT_EQ(r["CPUPerc"], "0.00%");
  EXPECT_EQ(r["MemUsage"], "0B / 0B");
  EXPECT_EQ(r["MemPerc"], "0.00%");
  EXPECT_EQ(r["NetIO"], "0B / 0B");
  EXPECT_EQ(r["PIDs"], "0");
}

}  // namespace
}  // namespace wharf::cli
