#include "common/port_spec.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

std::string show(const std::vector<PortMapping>& ms) {
  std::string out;
  for (const auto& m : ms)
    out += (out.empty() ? "" : " ") + m.binding.hostIp + "|" + m.binding.hostPort + "|" + m.port;
  return out;
}

std::string parsed(const char* spec) {
  auto r = parsePortSpec(spec);
  return r.ok() ? show(*r) : "error: " + r.error().rawMessage();
}

TEST(PortSpec, FormsOfDashP) {
  EXPECT_EQ(parsed("80"), "||80/tcp");
  EXPECT_EQ(parsed("8080:80"), "|8080|80/tcp");
  EXPECT_EQ(parsed("127.0.0.1::80"), "127.0.0.1||80/tcp");
  EXPECT_EQ(parsed("127.0.0.1:8080:80/udp"), "127.0.0.1|8080|80/udp");
  EXPECT_EQ(parsed("53:53/UDP"), "|53|53/udp");
  EXPECT_EQ(parsed("[::1]:8080:80"), "::1|8080|80/tcp");
  EXPECT_EQ(parsed("::1:8080:80"), "::1|8080|80/tcp");
  EXPECT_EQ(parsed("8000-8002:80-82"), "|8000|80/tcp |8001|81/tcp |8002|82/tcp");
  EXPECT_EQ(parsed("8000-8010:80"), "|8000-8010|80/tcp");
  EXPECT_EQ(parsed("80-81"), "||80/tcp ||81/tcp");
}

TEST(PortSpec, DockerErrors) {
  EXPECT_EQ(parsed("8080:"), "error: no port specified: 8080:<empty>");
  EXPECT_EQ(parsed("8080:80/xyz"), "error: invalid proto: xyz");
  EXPECT_EQ(parsed("8080:http"), "error: invalid containerPort: http");
  EXPECT_EQ(parsed("x:80"), "error: invalid hostPort: x");
  EXPECT_EQ(parsed("70000:80"), "error: invalid hostPort: 70000");
  EXPECT_EQ(parsed("1.2.3:80:80"), "error: invalid IP address: 1.2.3");
  EXPECT_EQ(parsed("8000-8001:80-90"),
            "error: invalid ranges specified for container and host Ports: 80-90 and 8000-8001");
  EXPECT_EQ(parsed("90-80"), "error: invalid containerPort: 90-80");
}

TEST(PortSpec, KeysAndExpose) {
  auto k = parsePortKey("80");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->toString(), "80/tcp");
  k = parsePortKey("8000-8002/UDP");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->toString(), "8000-8002/udp");
  EXPECT_FALSE(parsePortKey("x/tcp").ok());
  EXPECT_FALSE(parsePortKey("80/icmp").ok());
  auto e = parseExpose("80-82/udp");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, (std::vector<std::string>{"80/udp", "81/udp", "82/udp"}));
  EXPECT_FALSE(parseExpose("eighty").ok());
}

TEST(PortSpec, DisplayPortsAsDockerPs) {
  EXPECT_EQ(displayPorts({}), "");
  EXPECT_EQ(displayPorts({{"0.0.0.0", 80, 8080, "tcp"}}), "0.0.0.0:8080->80/tcp");
  EXPECT_EQ(displayPorts({{"", 443, 0, "tcp"}, {"", 80, 0, "tcp"}}), "80/tcp, 443/tcp");
  EXPECT_EQ(displayPorts({{"0.0.0.0", 8001, 8001, "tcp"},
                          {"0.0.0.0", 8000, 8000, "tcp"},
                          {"0.0.0.0", 8002, 8002, "tcp"}}),
            "0.0.0.0:8000-8002->8000-8002/tcp");
  EXPECT_EQ(displayPorts({{"0.0.0.0", 80, 8080, "tcp"}, {"", 81, 0, "tcp"}, {"", 82, 0, "tcp"}}),
            "81-82/tcp, 0.0.0.0:8080->80/tcp");
  EXPECT_EQ(displayPorts({{"::", 80, 8080, "udp"}}), "[::]:8080->80/udp");
}

}  // namespace
}  // namespace wharf
