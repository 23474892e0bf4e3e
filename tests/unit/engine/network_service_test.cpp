#include "engine/network_service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/random.h"
#include "network/manager.h"

namespace wharf::engine {
namespace {

class RecordingUpdater : public ContainerEndpointUpdater {
 public:
  Status updateEndpoint(const std::string& container, const std::string& networkName,
                        const std::string& networkId,
                        const std::optional<NetworkBackend::ConnectRequest>& req,
                        bool force) override {
    calls.push_back(
        container + " " + networkName + " " + networkId.substr(0, 4) + " " +
        (req ? "connect " + (req->aliases.empty() ? "" : req->aliases[0]) : "disconnect") +
        (force ? " force" : ""));
    return okStatus();
  }
  std::vector<std::string> calls;
};

class NetworkServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wharf-ns-" + randomHex(6));
    network::ManagerConfig cfg;
    cfg.dataRoot = dir_ / "data";
    cfg.execRoot = dir_ / "exec";
    cfg.touchHost = false;
    manager_ = std::make_unique<network::Manager>(cfg);
    ASSERT_TRUE(manager_->init({}).ok());
    service_ = std::make_unique<NetworkService>(*manager_, updater_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  RecordingUpdater updater_;
  std::unique_ptr<network::Manager> manager_;
  std::unique_ptr<NetworkService> service_;
};

TEST_F(NetworkServiceTest, FiltersAsDocker) {
  NetworkCreateRequest r;
  r.name = "app_backend";
  r.labels = {{"com.docker.compose.project", "app"}};
  auto created = service_->createNetwork(r);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->subnet, "172.18.0.0/16");
  auto names = [&](std::map<std::string, std::vector<std::string>> f) {
    std::vector<std::string> out;
    auto list = service_->listNetworks(f);
    for (const auto& n : *list) out.push_back(n.name);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(names({}).size(), 4u);
  EXPECT_EQ(names({{"type", {"custom"}}}), std::vector<std::string>{"app_backend"});
  EXPECT_EQ(names({{"type", {"builtin"}}}), (std::vector<std::string>{"bridge", "host", "none"}));
  EXPECT_EQ(names({{"label", {"com.docker.compose.project=app"}}}),
            std::vector<std::string>{"app_backend"});
  EXPECT_EQ(names({{"name", {"back"}}}), std::vector<std::string>{"app_backend"});
  EXPECT_EQ(names({{"driver", {"null"}}}), std::vector<std::string>{"none"});
  EXPECT_EQ(names({{"id", {created->id.substr(0, 6)}}}), std::vector<std::string>{"app_backend"});
  EXPECT_FALSE(service_->listNetworks({{"colour", {"red"}}}).ok());
  EXPECT_FALSE(service_->listNetworks({{"type", {"weird"}}}).ok());
  // IPv6: a /64 of the daemon's ULA pool, both IPAM configs shown.
  auto v6 = service_->createNetwork({.name = "v6", .enableIpv6 = true});
  ASSERT_TRUE(v6.ok()) << v6.error().message();
  EXPECT_TRUE(v6->enableIpv6);
  EXPECT_EQ(v6->subnet6.substr(0, 2), "fd");
  EXPECT_EQ(v6->subnet6.substr(v6->subnet6.size() - 3), "/64");
  EXPECT_FALSE(v6->subnet.empty());
  auto mine = service_->createNetwork(
      {.name = "v6b", .enableIpv6 = true, .subnet6 = "fd00:77::/64", .gateway6 = "fd00:77::fe"});
  ASSERT_TRUE(mine.ok()) << mine.error().message();
  EXPECT_EQ(mine->gateway6, "fd00:77::fe");
}

TEST_F(NetworkServiceTest, ConnectAndDisconnectGoToTheContainerManager) {
  NetworkCreateRequest r;
  r.name = "n";
  auto n = service_->createNetwork(r);
  ASSERT_TRUE(n.ok());
  NetworkBackend::ConnectRequest c;
  c.container = "web";
  c.aliases = {"db"};
  ASSERT_TRUE(service_->connectNetwork("n", c).ok());
  ASSERT_TRUE(service_->disconnectNetwork(n->id, "web", true).ok());
  EXPECT_EQ(updater_.calls,
            (std::vector<std::string>{"web n " + n->id.substr(0, 4) + " connect db",
                                      "web n " + n->id.substr(0, 4) + " disconnect force"}));
  c.ipv4Address = "not-an-ip";
  EXPECT_FALSE(service_->connectNetwork("n", c).ok());
  EXPECT_EQ(service_->connectNetwork("missing", c).error().message(), "network missing not found");
  // Prune keeps what is used and the predefined networks.
  auto pruned = service_->pruneNetworks({});
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, std::vector<std::string>{"n"});
}

TEST_F(NetworkServiceTest, PruneUntilTakesDockerTimestamps) {
  NetworkCreateRequest r;
  r.name = "fresh";
  ASSERT_TRUE(service_->createNetwork(r).ok());
  // Created just now: newer than an hour ago and than 2001, so kept.
  for (const char* until : {"1h", "2001-01-01T00:00:00Z", "978307200"}) {
    auto kept = service_->pruneNetworks({{"until", {until}}});
    ASSERT_TRUE(kept.ok()) << until;
    EXPECT_TRUE(kept->empty()) << until;
  }
  EXPECT_FALSE(service_->pruneNetworks({{"until", {"yesterday"}}}).ok());
  auto pruned = service_->pruneNetworks({{"until", {"2200-01-01T00:00:00Z"}}});
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, std::vector<std::string>{"fresh"});
}

}  // namespace
}  // namespace wharf::engine
