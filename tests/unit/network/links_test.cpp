// docker's legacy links, the pure part (network/links.h): parsing, the environment variables
// (moby's links_test.go cases), the hosts lines.
#include "network/links.h"

#include <gtest/gtest.h>

namespace wharf::network {
namespace {

TEST(Links, ParsesDockersForms) {
  EXPECT_EQ(*parseLink("db"), std::make_pair(std::string("db"), std::string("db")));
  EXPECT_EQ(*parseLink("db:d"), std::make_pair(std::string("db"), std::string("d")));
  EXPECT_EQ(*parseLink("/db:/web/d"), std::make_pair(std::string("db"), std::string("d")));
  EXPECT_EQ(parseLink("").error().message(), "empty string specified for links");
  EXPECT_EQ(parseLink("a:b:c").error().message(), "bad format for links: a:b:c");
}

LinkedContainer child() {
  LinkedContainer c;
  c.alias = "docker-1";
  c.parentName = "web";
  c.name = "db";
  c.hostname = "0123456789ab";
  c.ip = "172.0.17.2";
  c.env = {"PASSWORD=gordon", "PATH=/bin", "HOME=/root", "NOVALUE"};
  return c;
}

TEST(Links, EnvOfOnePort) {
  LinkedContainer c = child();
  c.exposedPorts = {"6379/tcp"};
  EXPECT_EQ(linkEnv(c), (std::vector<std::string>{
                            "DOCKER_1_PORT=tcp://172.0.17.2:6379",
                            "DOCKER_1_PORT_6379_TCP=tcp://172.0.17.2:6379",
                            "DOCKER_1_PORT_6379_TCP_ADDR=172.0.17.2",
                            "DOCKER_1_PORT_6379_TCP_PORT=6379",
                            "DOCKER_1_PORT_6379_TCP_PROTO=tcp",
                            "DOCKER_1_NAME=/web/docker-1",
                            "DOCKER_1_ENV_PASSWORD=gordon",
                        }));
}

TEST(Links, EnvOfARangeHasStartAndEnd) {
  LinkedContainer c = child();
  c.env = {};
  c.exposedPorts = {"6381/tcp", "6379/tcp", "6380/tcp"};
  auto env = linkEnv(c);
  std::vector<std::string> want = {
      "DOCKER_1_PORT=tcp://172.0.17.2:6379",
      "DOCKER_1_PORT_6379_TCP_START=tcp://172.0.17.2:6379",
      "DOCKER_1_PORT_6379_TCP_ADDR=172.0.17.2",
      "DOCKER_1_PORT_6379_TCP_PROTO=tcp",
      "DOCKER_1_PORT_6379_TCP_PORT_START=6379",
      "DOCKER_1_PORT_6379_TCP_END=tcp://172.0.17.2:6381",
      "DOCKER_1_PORT_6379_TCP_PORT_END=6381",
      "DOCKER_1_PORT_6379_TCP=tcp://172.0.17.2:6379",
      "DOCKER_1_PORT_6379_TCP_ADDR=172.0.17.2",
      "DOCKER_1_PORT_6379_TCP_PORT=6379",
      "DOCKER_1_PORT_6379_TCP_PROTO=tcp",
      "DOCKER_1_PORT_6380_TCP=tcp://172.0.17.2:6380",
      "DOCKER_1_PORT_6380_TCP_ADDR=172.0.17.2",
      "DOCKER_1_PORT_6380_TCP_PORT=6380",
      "DOCKER_1_PORT_6380_TCP_PROTO=tcp",
      "DOCKER_1_PORT_6381_TCP=tcp://172.0.17.2:6381",
      "DOCKER_1_PORT_6381_TCP_ADDR=172.0.17.2",
      "DOCKER_1_PORT_6381_TCP_PORT=6381",
      "DOCKER_1_PORT_6381_TCP_PROTO=tcp",
      "DOCKER_1_NAME=/web/docker-1",
  };
  EXPECT_EQ(env, want);
}

TEST(Links, TcpComesFirstAndNoPortsMeansNameAndEnvOnly) {
  LinkedContainer c = child();
  c.env = {};
  c.exposedPorts = {"53/udp", "53/tcp"};
  auto env = linkEnv(c);
  ASSERT_FALSE(env.empty());
  EXPECT_EQ(env[0], "DOCKER_1_PORT=tcp://172.0.17.2:53");
  c.exposedPorts = {};
  c.env = {"A=b=c"};
  EXPECT_EQ(linkEnv(c),
            (std::vector<std::string>{"DOCKER_1_NAME=/web/docker-1", "DOCKER_1_ENV_A=b=c"}));
}

TEST(Links, HostsLinesNameTheAliasHostnameAndName) {
  LinkedContainer c = child();
  c.ip6 = "fd00::2";
  auto e = linkHostsEntries(c);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].ip, "172.0.17.2");
  EXPECT_EQ(e[0].names, (std::vector<std::string>{"docker-1", "0123456789ab", "db"}));
  EXPECT_EQ(e[1].ip, "fd00::2");
  c.alias = "db";
  EXPECT_EQ(linkHostsEntries(c)[0].names, (std::vector<std::string>{"db", "0123456789ab"}));
}

}  // namespace
}  // namespace wharf::network
