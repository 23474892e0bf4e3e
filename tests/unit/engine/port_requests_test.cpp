#include <gtest/gtest.h>

#include "engine/port_resources.h"
#include "network/host_ports.h"

namespace wharf::engine {
namespace {

std::string show(const ContainerSpec& s) {
  auto r = portRequests(s);
  if (!r.ok()) return "error: " + r.error().rawMessage();
  std::string out;
  for (const auto& q : *r) {
    out += (out.empty() ? "" : " ") + q.port + "@" + network::formatIpv4(q.hostIp) + ":" +
           std::to_string(q.hostPorts.first) + "-" + std::to_string(q.hostPorts.last);
  }
  return out;
}

TEST(PortRequests, BindingsThenPublishAll) {
  ContainerSpec s;
  s.exposedPorts = {"80/tcp", "443/tcp", "53/udp", "9/sctp"};
  s.portBindings["80/tcp"] = {{"", "8080"}, {"127.0.0.1", ""}};
  s.portBindings["53/udp"] = {{"0.0.0.0", "5300-5310"}};
  EXPECT_EQ(show(s), "53/udp@0.0.0.0:5300-5310 80/tcp@0.0.0.0:8080-8080 80/tcp@127.0.0.1:0-0");
  // The rest of the exposed ports; sctp only where the kernel can choose a free sctp port.
  s.publishAllPorts = true;
  EXPECT_EQ(show(s),
            "53/udp@0.0.0.0:5300-5310 80/tcp@0.0.0.0:8080-8080 80/tcp@127.0.0.1:0-0 "
            "443/tcp@0.0.0.0:0-0" +
                std::string(network::sctpSupported() ? " 9/sctp@0.0.0.0:0-0" : ""));
}

TEST(PortRequests, EmptyBindingListPublishesNothingUnlessPublishAll) {
  ContainerSpec s;
  s.exposedPorts = {"80/tcp"};
  s.portBindings["80/tcp"] = {};
  EXPECT_EQ(show(s), "");
  s.publishAllPorts = true;
  EXPECT_EQ(show(s), "80/tcp@0.0.0.0:0-0");
}

TEST(PortRequests, Errors) {
  ContainerSpec s;
  s.portBindings["80/tcp"] = {{"1.2.3", "80"}};
  EXPECT_EQ(show(s), "error: invalid IP address: 1.2.3");
  s.portBindings["80/tcp"] = {{"::1", "80"}};
  EXPECT_NE(show(s).find("IPv6"), std::string::npos);
  s.portBindings.clear();
  s.portBindings["80/sctp"] = {{"", "80"}};
  EXPECT_EQ(show(s), "80/sctp@0.0.0.0:80-80");  // sctp is published as tcp and udp are
  s.portBindings.clear();
  s.portBindings["http/tcp"] = {{"", "80"}};
  EXPECT_EQ(show(s), "error: invalid port specification: \"http/tcp\"");
}

}  // namespace
}  // namespace wharf::engine
