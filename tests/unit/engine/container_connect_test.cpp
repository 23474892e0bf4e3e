// Networks connected to a container (`network connect`) are part of its record, so they are
// plugged again at its next start (engine/container_connect.cpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>

#include "common/random.h"
#include "engine/container_network.h"
#include "engine/container_record.h"
#include "network/manager.h"

namespace wharf::engine {
namespace {

TEST(ContainerConnect, ConnectedNetworksRoundTripInTheRecord) {
  ContainerRecord r;
  r.info.id = std::string(64, 'a');
  r.info.name = "web";
  r.info.spec.networkMode = "front";
  r.info.spec.extraNetworks = {{std::string(64, 'b'), "10.9.0.7", {"db", "cache"}},
                               {std::string(64, 'c'), "", {}}};
  auto back = recordFromJson(recordToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().message();
  const auto& nets = back->info.spec.extraNetworks;
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(nets[0].networkId, std::string(64, 'b'));
  EXPECT_EQ(nets[0].ipv4Address, "10.9.0.7");
  EXPECT_EQ(nets[0].aliases, (std::vector<std::string>{"db", "cache"}));
  EXPECT_EQ(nets[1].networkId, std::string(64, 'c'));
  EXPECT_TRUE(nets[1].aliases.empty());
  // A record written before connected networks existed has none.
  r.info.spec.extraNetworks.clear();
  back = recordFromJson(recordToJson(r));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->info.spec.extraNetworks.empty());
}

}  // namespace
}  // namespace wharf::engine

namespace wharf::engine {
namespace {

// `run --network a --network b` / EndpointsConfig with several networks: resolved at create
// into the attachments a start plugs (ContainerNetworking::resolveNetworks).
class ResolveNetworksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wharf-rn-" + randomHex(6));
    network::ManagerConfig cfg;
    cfg.dataRoot = dir_ / "data";
    cfg.execRoot = dir_ / "exec";
    cfg.touchHost = false;
    manager_ = std::make_unique<network::Manager>(cfg);
    ASSERT_TRUE(manager_->init({}).ok());
    for (const char* n : {"front", "back"}) {
      network::CreateRequest r;
      r.name = n;
      auto made = manager_->create(r);
      ASSERT_TRUE(made.ok()) << made.error().message();
      ids_[n] = made->id;
    }
    net_ = std::make_unique<ContainerNetworking>(*manager_, [](const std::string&) { return ""; });
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::unique_ptr<network::Manager> manager_;
  std::unique_ptr<ContainerNetworking> net_;
  std::map<std::string, std::string> ids_;
};

TEST_F(ResolveNetworksTest, NamesBecomeIdsOwnNetworkMergedDuplicatesDropped) {
  ContainerSpec s;
  s.networkMode = "front";
  s.extraNetworks = {{"back", "", {"db"}, "02:42:0a:00:00:09"},
                     {ids_["back"].substr(0, 12), "", {}, ""},  // the same network again
                     {ids_["front"], "", {"web"}, ""}};         // the own one, by id
  ASSERT_TRUE(net_->resolveNetworks(s).ok());
  ASSERT_EQ(s.extraNetworks.size(), 1u);
  EXPECT_EQ(s.extraNetworks[0].networkId, ids_["back"]);
  EXPECT_EQ(s.extraNetworks[0].aliases, (std::vector<std::string>{"db"}));
  EXPECT_EQ(s.extraNetworks[0].macAddress, "02:42:0a:00:00:09");
  EXPECT_EQ(s.networkAliases, (std::vector<std::string>{"web"}));
  // Stopped, the container shows both networks, its own first.
  auto eps = net_->configuredEndpoints(s);
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].network, "front");
  EXPECT_EQ(eps[1].network, "back");
  EXPECT_EQ(eps[1].networkId, ids_["back"]);
  EXPECT_TRUE(eps[1].endpointId.empty());
}

TEST_F(ResolveNetworksTest, DockersErrors) {
  auto err = [&](ContainerSpec s) {
    Status st = net_->resolveNetworks(s);
    return st.ok() ? std::string("ok") : st.error().message();
  };
  ContainerSpec s;
  s.networkMode = "front";
  s.extraNetworks = {{"nowhere", "", {}, ""}};
  EXPECT_EQ(err(s), "network nowhere not found");
  s.extraNetworks = {{"back", "10.0.0.300", {}, ""}};
  EXPECT_EQ(err(s), "invalid IPv4 address: 10.0.0.300");
  s.extraNetworks = {{"bridge", "172.17.0.9", {}, ""}};
  EXPECT_EQ(err(s), "user specified IP address is supported on user defined networks only");
  s.extraNetworks = {{"bridge", "", {"x"}, ""}};
  EXPECT_EQ(err(s),
            "network-scoped alias is supported only for containers in user defined networks");
  s.extraNetworks = {{"back", "", {}, "nope"}};
  EXPECT_EQ(err(s), "nope is not a valid mac address");
  s.extraNetworks = {{"host", "", {}, ""}};
  EXPECT_EQ(err(s),
            "container cannot be disconnected from host network or connected to host network");
  s.networkMode = "none";
  s.extraNetworks = {{"back", "", {}, ""}};
  EXPECT_EQ(err(s),
            "container cannot be connected to multiple networks with one of the networks in "
            "private (none) mode");
  s.networkMode = "host";
  EXPECT_EQ(err(s),
            "container sharing network namespace with another container or host cannot be "
            "connected to any other network");
}

}  // namespace
}  // namespace wharf::engine
