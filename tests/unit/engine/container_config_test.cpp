#include <gtest/gtest.h>

#include <set>

#include "engine/config_merge.h"
#include "engine/container_record.h"
#include "engine/filters.h"
#include "engine/names.h"

namespace wharf::engine {
namespace {

const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ImageDefaults busybox() {
  ImageDefaults img;
  img.env = {"PATH=/usr/bin:/bin", "HOME=/root"};
  img.cmd = {"sh"};
  img.labels = {{"a", "1"}, {"b", "2"}};
  return img;
}

TEST(ConfigMerge, ImageCmdWhenUserGivesNone) {
  ContainerSpec s;
  auto m = mergeConfig(s, busybox(), kId);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->path, (std::vector<std::string>{"sh"}));
  EXPECT_EQ(m->spec.hostname, "0123456789ab");
}

TEST(ConfigMerge, UserCmdReplacesImageCmdAndKeepsEntrypoint) {
  ImageDefaults img = busybox();
  img.entrypoint = {"/entry", "-x"};
  ContainerSpec s;
  s.cmd = {"echo", "hi"};
  auto m = mergeConfig(s, img, kId);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->path, (std::vector<std::string>{"/entry", "-x", "echo", "hi"}));
}

TEST(ConfigMerge, UserEntrypointDropsImageCmd) {
  ContainerSpec s;
  s.entrypoint = std::vector<std::string>{"ls"};
  auto m = mergeConfig(s, busybox(), kId);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->path, (std::vector<std::string>{"ls"}));
}

TEST(ConfigMerge, EmptyEntrypointResetsImageEntrypoint) {
  ImageDefaults img = busybox();
  img.entrypoint = {"/entry"};
  ContainerSpec s;
  s.entrypoint = std::vector<std::string>{""};
  auto m = mergeConfig(s, img, kId);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->path, (std::vector<std::string>{"sh"}));
  img.cmd.clear();
  auto none = mergeConfig(s, img, kId);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "No command specified");
}

TEST(ConfigMerge, EnvUserFirstThenImageNotOverridden) {
  ContainerSpec s;
  s.env = {"HOME=/home/x", "FOO=bar"};
  auto m = mergeConfig(s, busybox(), kId);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->spec.env,
            (std::vector<std::string>{"HOME=/home/x", "FOO=bar", "PATH=/usr/bin:/bin"}));
}

TEST(ConfigMerge, LabelsAndDefaults) {
  ImageDefaults img = busybox();
  img.workingDir = "/srv";
  img.user = "nobody";
  ContainerSpec s;
  s.labels = {{"b", "x"}};
  s.user = "root";
  s.hostname = "box";
  auto m = mergeConfig(s, img, kId);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->spec.labels, (std::map<std::string, std::string>{{"a", "1"}, {"b", "x"}}));
  EXPECT_EQ(m->spec.workingDir, "/srv");
  EXPECT_EQ(m->spec.user, "root");
  EXPECT_EQ(m->spec.hostname, "box");
}

TEST(Names, GeneratesDockerStyleUniqueNames) {
  std::set<std::string> taken;
  for (int i = 0; i < 200; ++i) {
    std::string n = generateName([&](const std::string& x) { return taken.count(x) > 0; });
    ASSERT_NE(n.find('_'), std::string::npos) << n;
    EXPECT_TRUE(taken.insert(n).second) << n;
    EXPECT_TRUE(validateName(n).ok()) << n;
  }
}

TEST(Names, AppendsDigitAfterCollisions) {
  size_t calls = 0;
  auto idx = [&](size_t) { return calls++ % 2 == 0 ? size_t{0} : size_t{0}; };
  std::set<std::string> taken = {"agile_agnesi"};
  std::string n = generateName([&](const std::string& x) { return taken.count(x) > 0; }, idx);
  EXPECT_EQ(n, "agile_agnesi0");
}

TEST(Names, Validation) {
  EXPECT_EQ(*validateName("/web-1"), "web-1");
  EXPECT_EQ(*validateName("a.b_c"), "a.b_c");
  EXPECT_FALSE(validateName("x").ok());
  EXPECT_FALSE(validateName("-x").ok());
  EXPECT_FALSE(validateName("a b").ok());
  EXPECT_FALSE(validateName("").ok());
}

ContainerInfo container(std::string id, std::string name, ContainerStatus st, int code = 0) {
  ContainerInfo c;
  c.id = std::move(id);
  c.name = std::move(name);
  c.state.status = st;
  c.state.exitCode = code;
  c.imageRef = "busybox";
  return c;
}

TEST(Filters, MatchesDockerKeys) {
  auto none = [](const std::string&, const ContainerInfo&) { return false; };
  ContainerInfo c = container("abc123", "web", ContainerStatus::kExited, 3);
  c.spec.labels = {{"app", "x"}, {"tier", "front"}};
  EXPECT_TRUE(matchesFilters(c, {{"id", {"abc"}}}, none));
  EXPECT_FALSE(matchesFilters(c, {{"id", {"bc"}}}, none));
  EXPECT_TRUE(matchesFilters(c, {{"name", {"/we"}}}, none));
  EXPECT_TRUE(matchesFilters(c, {{"status", {"running", "exited"}}}, none));
  EXPECT_FALSE(matchesFilters(c, {{"status", {"running"}}}, none));
  EXPECT_TRUE(matchesFilters(c, {{"exited", {"3"}}}, none));
  EXPECT_FALSE(matchesFilters(c, {{"exited", {"0"}}}, none));
  EXPECT_TRUE(matchesFilters(c, {{"label", {"app", "tier=front"}}}, none));
  EXPECT_FALSE(matchesFilters(c, {{"label", {"app=y"}}}, none));
  EXPECT_FALSE(matchesFilters(c, {{"label", {"app", "missing"}}}, none));
  EXPECT_FALSE(matchesFilters(c, {{"ancestor", {"busybox"}}}, none));
  auto byRef = [](const std::string& v, const ContainerInfo& x) { return v == x.imageRef; };
  EXPECT_TRUE(matchesFilters(c, {{"ancestor", {"busybox"}}, {"status", {"exited"}}}, byRef));
}

TEST(Filters, Validation) {
  EXPECT_TRUE(validateFilters({{"status", {"paused"}}, {"exited", {"0"}}}).ok());
  auto bad = validateFilters({{"status", {"sleeping"}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "Invalid filter 'status=sleeping'");
  EXPECT_FALSE(validateFilters({{"colour", {"red"}}}).ok());
  EXPECT_FALSE(validateFilters({{"exited", {"x"}}}).ok());
}

TEST(ContainerRecord, RoundTrips) {
  ContainerRecord r;
  r.info = container(kId, "web", ContainerStatus::kRunning);
  r.info.spec.entrypoint = std::vector<std::string>{};
  r.info.spec.cmd = {"echo", "hi"};
  r.info.spec.stopTimeout = 3;
  r.info.spec.labels = {{"a", "b"}};
  r.info.path = {"echo", "hi"};
  r.info.state.pid = 42;
  r.shimPid = 41;
  r.mounted = true;
  auto back = recordFromJson(recordToJson(r));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->info.id, kId);
  EXPECT_EQ(back->info.state.status, ContainerStatus::kRunning);
  EXPECT_EQ(back->info.state.pid, 42);
  EXPECT_EQ(back->shimPid, 41);
  EXPECT_TRUE(back->mounted);
  ASSERT_TRUE(back->info.spec.entrypoint.has_value());
  EXPECT_TRUE(back->info.spec.entrypoint->empty());
  EXPECT_EQ(back->info.spec.stopTimeout, 3);
  EXPECT_EQ(back->info.spec.labels.at("a"), "b");
  EXPECT_FALSE(recordFromJson("{}").ok());
}

}  // namespace
}  // namespace wharf::engine
