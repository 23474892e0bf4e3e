// Resource flags of run/create/update as the docker CLI turns them into HostConfig fields.
#include <gtest/gtest.h>

#include "cli/run_options.h"

namespace wharf::cli {
namespace {

TEST(ResourceFlags, Cpus) {
  EXPECT_EQ(*parseNanoCpus("1.5"), 1500000000);
  EXPECT_EQ(*parseNanoCpus("0.5"), 500000000);
  EXPECT_EQ(*parseNanoCpus(".25"), 250000000);
  EXPECT_EQ(*parseNanoCpus("2"), 2000000000);
  EXPECT_EQ(*parseNanoCpus("0.000000001"), 1);
  EXPECT_EQ(parseNanoCpus("0.0000000001").error().message(), "value is too precise");
  EXPECT_EQ(parseNanoCpus("abc").error().message(), "failed to parse abc as a rational number");
  EXPECT_FALSE(parseNanoCpus("").ok());
  EXPECT_FALSE(parseNanoCpus("1.5x").ok());
  EXPECT_FALSE(parseNanoCpus(std::string(100, '9')).ok());
}

TEST(ResourceFlags, HostConfigFields) {
  ResourceFlags f;
  f.memory = "256m";
  f.memorySwap = "-1";
  f.cpus = "1.5";
  f.pidsLimit = 20;
  f.cpusetCpus = "0";
  Json hc = Json::object();
  ASSERT_TRUE(addResourceFields(f, hc, false).ok());
  EXPECT_EQ(hc["Memory"], 256 * 1024 * 1024);
  EXPECT_EQ(hc["MemorySwap"], -1);
  EXPECT_EQ(hc["NanoCpus"], 1500000000);
  EXPECT_EQ(hc["PidsLimit"], 20);
  EXPECT_EQ(hc["CpusetCpus"], "0");
  EXPECT_EQ(hc["MemorySwappiness"], -1);
  EXPECT_EQ(hc["OomKillDisable"], false);

  ResourceFlags none;
  Json empty = Json::object();
  ASSERT_TRUE(addResourceFields(none, empty, false).ok());
  EXPECT_EQ(empty["Memory"], 0);
  EXPECT_FALSE(empty.contains("PidsLimit"));

  ResourceFlags upd;
  upd.pidsLimit = -1;  // update: unlimited again
  Json u = Json::object();
  ASSERT_TRUE(addResourceFields(upd, u, true).ok());
  EXPECT_EQ(u["PidsLimit"], -1);
  EXPECT_FALSE(u.contains("OomKillDisable"));

  ResourceFlags bad;
  bad.memory = "lots";
  Json b = Json::object();
  EXPECT_EQ(addResourceFields(bad, b, false).error().message(),
            "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'");
  bad = {};
  bad.cpus = "x";
  EXPECT_EQ(addResourceFields(bad, b, false).error().message(),
            "invalid argument \"x\" for \"--cpus\" flag: failed to parse x as a rational number");
}

}  // namespace
}  // namespace wharf::cli
