#include "cli/run_options.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "cli/run_network.h"

namespace wharf::cli {
namespace {

SplitArgs split(const std::vector<std::string>& args) {
  RunOptions o;
  CLI::App app;
  app.set_help_flag("--help");
  addRunFlags(app, o, true);
  return splitAtImage(app, args);
}

TEST(RunOptionsTest, CommandAfterImageIsNotParsed) {
  auto s = split({"--rm", "busybox", "ls", "-l"});
  EXPECT_EQ(s.flags, (std::vector<std::string>{"--rm"}));
  EXPECT_EQ(s.image, "busybox");
  EXPECT_EQ(s.cmd, (std::vector<std::string>{"ls", "-l"}));
}

TEST(RunOptionsTest, FlagValuesAreSkipped) {
  auto s = split({"-e", "A=1", "--name", "web", "-it", "-w", "/tmp", "busybox", "sh"});
  EXPECT_EQ(s.flags, (std::vector<std::string>{"-e", "A=1", "--name", "web", "-it", "-w", "/tmp"}));
  EXPECT_EQ(s.image, "busybox");
  EXPECT_EQ(s.cmd, (std::vector<std::string>{"sh"}));
  auto attached = split({"-eA=1", "--name=web", "-de", "B=2", "alpine"});
  EXPECT_EQ(attached.flags, (std::vector<std::string>{"-eA=1", "--name=web", "-de", "B=2"}));
  EXPECT_EQ(attached.image, "alpine");
  EXPECT_TRUE(attached.cmd.empty());
}

TEST(RunOptionsTest, DoubleDashEndsFlags) {
  auto s = split({"-d", "--", "busybox", "--rm"});
  EXPECT_EQ(s.flags, (std::vector<std::string>{"-d"}));
  EXPECT_EQ(s.image, "busybox");
  EXPECT_EQ(s.cmd, (std::vector<std::string>{"--rm"}));
  EXPECT_FALSE(split({"-d"}).image.has_value());
}

TEST(RunOptionsTest, ParsesEnv) {
  auto getenv = [](const char* n) -> const char* {
    return std::string(n) == "HOME" ? "/root" : nullptr;
  };
  auto env = parseEnv({"A=1", "HOME", "UNSET", "B="}, {}, getenv);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "HOME=/root", "B="}));
  EXPECT_FALSE(parseEnv({"=x"}, {}, getenv).ok());
  EXPECT_FALSE(parseEnv({"A B=x"}, {}, getenv).ok());

  char path[] = "/tmp/wharf-envfile-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(path);
    f << "# comment\n\nFROM_FILE=yes\n  HOME\nSPACES=a b\n";
  }
  auto fromFile = parseEnv({"X=2"}, {path}, getenv);
  std::remove(path);
  ASSERT_TRUE(fromFile.ok());
  EXPECT_EQ(*fromFile,
            (std::vector<std::string>{"FROM_FILE=yes", "HOME=/root", "SPACES=a b", "X=2"}));
  EXPECT_FALSE(parseEnv({}, {"/nonexistent/env"}, getenv).ok());
}

TEST(RunOptionsTest, BuildsTheCreateBody) {
  RunOptions o;
  o.image = "busybox";
  o.cmd = {"echo", "hi"};
  o.rm = true;
  o.interactive = true;
  o.labels = {"a=b", "flag"};
  o.capAdd = {"NET_ADMIN"};
  o.publish = {"8080:80", "127.0.0.1:53:53/udp"};
  o.entrypoint = "";
  auto b = buildCreateBody(o, {"A=1"});
  ASSERT_TRUE(b.ok()) << b.error().message();
  const Json& j = *b;
  EXPECT_EQ(j["Image"], "busybox");
  EXPECT_EQ(j["Cmd"], Json::array({"echo", "hi"}));
  EXPECT_EQ(j["Env"], Json::array({"A=1"}));
  EXPECT_EQ(j["Entrypoint"], Json::array({""}));
  EXPECT_TRUE(j["AttachStdin"]);
  EXPECT_TRUE(j["OpenStdin"]);
  EXPECT_TRUE(j["StdinOnce"]);
  EXPECT_EQ(j["Labels"], (Json{{"a", "b"}, {"flag", ""}}));
  EXPECT_TRUE(j["HostConfig"]["AutoRemove"]);
  EXPECT_EQ(j["HostConfig"]["CapAdd"], Json::array({"NET_ADMIN"}));
  EXPECT_EQ(j["HostConfig"]["NetworkMode"], "default");
  EXPECT_EQ(j["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"], "8080");
  EXPECT_EQ(j["HostConfig"]["PortBindings"]["53/udp"][0]["HostIp"], "127.0.0.1");
  EXPECT_TRUE(j["ExposedPorts"].contains("80/tcp"));

  RunOptions d;
  d.image = "busybox";
  d.detach = true;
  auto bd = buildCreateBody(d, {});
  ASSERT_TRUE(bd.ok());
  EXPECT_FALSE((*bd)["AttachStdout"]);
  EXPECT_TRUE((*bd)["Cmd"].is_null());
  EXPECT_TRUE((*bd)["Entrypoint"].is_null());

  RunOptions bad;
  bad.pull = "sometimes";
  EXPECT_FALSE(buildCreateBody(bad, {}).ok());
  RunOptions conflict;
  conflict.rm = true;
  conflict.restart = "always";
  EXPECT_FALSE(buildCreateBody(conflict, {}).ok());
}

TEST(RunOptionsTest, SeveralNetworksAndTheLongSyntax) {
  RunOptions o;
  o.image = "busybox";
  o.networks = {"front",
                "name=back,alias=db,alias=cache,ip=10.2.0.9,mac-address=02:42:0a:02:00:09"};
  o.networkAliases = {"web"};
  o.ip = "10.1.0.5";
  auto b = buildCreateBody(o, {});
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ((*b)["HostConfig"]["NetworkMode"], "front");
  const Json& eps = (*b)["NetworkingConfig"]["EndpointsConfig"];
  ASSERT_EQ(eps.size(), 2u);
  // --network-alias and --ip go to the first network, as docker's CLI.
  EXPECT_EQ(eps["front"]["Aliases"], Json::array({"web"}));
  EXPECT_EQ(eps["front"]["IPAMConfig"]["IPv4Address"], "10.1.0.5");
  EXPECT_EQ(eps["back"]["Aliases"], Json::array({"db", "cache"}));
  EXPECT_EQ(eps["back"]["IPAMConfig"]["IPv4Address"], "10.2.0.9");
  EXPECT_EQ(eps["back"]["MacAddress"], "02:42:0a:02:00:09");
  // One network without settings: no endpoint entry (the docker CLI's body).
  RunOptions one;
  one.networks = {"front"};
  auto b1 = buildCreateBody(one, {});
  ASSERT_TRUE(b1.ok());
  EXPECT_EQ((*b1)["HostConfig"]["NetworkMode"], "front");
  EXPECT_TRUE((*b1)["NetworkingConfig"]["EndpointsConfig"].empty());
  // The long form with only a name is the same network.
  auto p = parseNetworkOpt("NAME=MyNet");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->target, "MyNet");

  auto err = [](std::vector<std::string> nets, std::string ip = "",
                std::vector<std::string> aliases = {}) {
    RunOptions r;
    r.networks = std::move(nets);
    r.ip = std::move(ip);
    r.networkAliases = std::move(aliases);
    auto res = buildCreateBody(r, {});
    return res.ok() ? std::string("ok") : res.error().message();
  };
  EXPECT_EQ(err({"a", "a"}), "network \"a\" is specified multiple times");
  EXPECT_EQ(err({"a", "bridge"}),
            "conflicting options: cannot attach both user-defined and non-user-defined "
            "network-modes");
  EXPECT_EQ(err({"name=a,ip=10.0.0.2"}, "10.0.0.3"),
            "conflicting options: cannot specify both --ip and per-network IPv4 address");
  EXPECT_EQ(err({"name=a,alias=x"}, "", {"y"}),
            "conflicting options: cannot specify both --network-alias and per-network alias");
  EXPECT_EQ(err({"name=bridge,alias=x"}),
            "network-scoped aliases are only supported for user-defined networks");
  EXPECT_EQ(err({"alias=x"}),
            "invalid argument \"alias=x\" for \"--network\" flag: network name/id is not "
            "specified");
  EXPECT_EQ(err({"name=a,color=red"}),
            "invalid argument \"name=a,color=red\" for \"--network\" flag: invalid field key "
            "color");
  EXPECT_EQ(err({"name=a,b"}),
            "invalid argument \"name=a,b\" for \"--network\" flag: invalid field b");
  EXPECT_EQ(err({"name=a,mac-address=zz"}), "zz is not a valid mac address");
}

TEST(RunOptionsTest, ImageRefsAndStartErrors) {
  EXPECT_EQ(normalizeImageRef("busybox"), "busybox:latest");
  EXPECT_EQ(normalizeImageRef("busybox:1.36"), "busybox:1.36");
  EXPECT_EQ(normalizeImageRef("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(normalizeImageRef("app@sha256:abc"), "app@sha256:abc");
  EXPECT_EQ(startErrorExitCode("exec: \"nope\": executable file not found in $PATH"), 127);
  EXPECT_EQ(startErrorExitCode("open /x: no such file or directory"), 127);
  EXPECT_EQ(startErrorExitCode("exec /etc: permission denied"), 126);
  EXPECT_EQ(startErrorExitCode("cgroup setup failed"), 125);
}

}  // namespace
}  // namespace wharf::cli
