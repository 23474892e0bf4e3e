// Networks connected to a container (`network connect`) are part of its record, so they are
// plugged again at its next start (engine/container_connect.cpp).
#include <gtest/gtest.h>

#include "engine/container_record.h"

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
