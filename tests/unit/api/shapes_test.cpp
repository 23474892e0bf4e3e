// The JSON shapes, compared with what the docker CLI 28 decodes (moby's api/types).

#include <gtest/gtest.h>

#include "api/internal/container_json.h"
#include "api_test_util.h"

namespace wharf::api {
namespace {

using testing::Harness;

// Every key the client's struct has, with the JSON type it decodes.
void expectTypes(const Json& obj, const std::vector<std::pair<std::string, Json::value_t>>& want) {
  for (const auto& [key, type] : want) {
    ASSERT_TRUE(obj.contains(key)) << "missing " << key << " in " << obj.dump();
    const Json& v = obj[key];
    bool ok = v.type() == type ||
              (type == Json::value_t::number_integer && v.is_number_integer()) ||
              (v.is_null() && (type == Json::value_t::array || type == Json::value_t::object));
    EXPECT_TRUE(ok) << key << " is " << v.type_name();
  }
}

constexpr auto kStr = Json::value_t::string;
constexpr auto kInt = Json::value_t::number_integer;
constexpr auto kBool = Json::value_t::boolean;
constexpr auto kArr = Json::value_t::array;
constexpr auto kObj = Json::value_t::object;

TEST(Shapes, Ping) {
  Harness h;
  auto r = h.call("GET", "/_ping");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "OK");
  bool builder = false;
  for (const auto& [k, v] : r->extra)
    if (k == "Builder-Version") builder = true;
  EXPECT_TRUE(builder);
  EXPECT_EQ(h.call("HEAD", "/_ping")->status, 200);
}

TEST(Shapes, Version) {
  Harness h;
  auto r = h.call("GET", "/v1.51/version");
  ASSERT_EQ(r->status, 200);
  Json v = r->json();
  expectTypes(v, {{"Version", kStr},
                  {"ApiVersion", kStr},
                  {"MinAPIVersion", kStr},
                  {"GitCommit", kStr},
                  {"GoVersion", kStr},
                  {"Os", kStr},
                  {"Arch", kStr},
                  {"KernelVersion", kStr},
                  {"BuildTime", kStr},
                  {"Components", kArr},
                  {"Platform", kObj}});
  EXPECT_EQ(v["ApiVersion"], "1.51");
  EXPECT_EQ(v["MinAPIVersion"], "1.24");
  EXPECT_EQ(v["Os"], "linux");
  EXPECT_EQ(v["Platform"]["Name"], "wharf");
  ASSERT_EQ(v["Components"].size(), 1u);
  EXPECT_EQ(v["Components"][0]["Name"], "Engine");
  EXPECT_EQ(v["Components"][0]["Details"]["ApiVersion"], "1.51");
}

TEST(Shapes, Info) {
  Harness h;
  auto r = h.call("GET", "/info");
  ASSERT_EQ(r->status, 200);
  Json v = r->json();
  expectTypes(v, {{"ID", kStr},
                  {"Containers", kInt},
                  {"ContainersRunning", kInt},
                  {"Images", kInt},
                  {"Driver", kStr},
                  {"DriverStatus", kArr},
                  {"Plugins", kObj},
                  {"MemoryLimit", kBool},
                  {"SystemTime", kStr},
                  {"LoggingDriver", kStr},
                  {"CgroupDriver", kStr},
                  {"CgroupVersion", kStr},
                  {"KernelVersion", kStr},
                  {"OperatingSystem", kStr},
                  {"OSType", kStr},
                  {"Architecture", kStr},
                  {"NCPU", kInt},
                  {"MemTotal", kInt},
                  {"DockerRootDir", kStr},
                  {"Name", kStr},
                  {"ServerVersion", kStr},
                  {"Runtimes", kObj},
                  {"DefaultRuntime", kStr},
                  {"Swarm", kObj},
                  {"RegistryConfig", kObj},
                  {"SecurityOptions", kArr},
                  {"Warnings", kArr},
                  {"ContainerdCommit", kObj},
                  {"RuncCommit", kObj},
                  {"InitCommit", kObj}});
  EXPECT_EQ(v["Swarm"]["LocalNodeState"], "inactive");
  EXPECT_EQ(v["DefaultRuntime"], "wharf");
  EXPECT_TRUE(v["Runtimes"]["wharf"]["path"].is_string());
  EXPECT_EQ(v["Warnings"], Json::array());
}

TEST(Shapes, CreateListInspect) {
  Harness h;
  Json body = {
      {"Image", "busybox"}, {"Cmd", {"echo", "hi"}},
      {"Env", {"A=1"}},     {"Labels", {{"k", "v"}}},
      {"Tty", false},       {"HostConfig", {{"NetworkMode", "none"}, {"AutoRemove", false}}}};
  auto r = h.call("POST", "/containers/create", body.dump(), {{"name", "web"}});
  ASSERT_EQ(r->status, 201) << r->body;
  Json created = r->json();
  EXPECT_EQ(created["Warnings"], Json::array());
  std::string id = created["Id"];
  ASSERT_EQ(id.size(), 64u);

  r = h.call("GET", "/containers/json", "", {{"all", "1"}});
  ASSERT_EQ(r->status, 200);
  Json list = r->json();
  ASSERT_EQ(list.size(), 1u);
  Json c = list[0];
  expectTypes(c, {{"Id", kStr},
                  {"Names", kArr},
                  {"Image", kStr},
                  {"ImageID", kStr},
                  {"Command", kStr},
                  {"Created", kInt},
                  {"Ports", kArr},
                  {"Labels", kObj},
                  {"State", kStr},
                  {"Status", kStr},
                  {"HostConfig", kObj},
                  {"NetworkSettings", kObj},
                  {"Mounts", kArr}});
  EXPECT_EQ(c["Names"], Json::array({"/web"}));
  EXPECT_EQ(c["Command"], "echo hi");
  EXPECT_EQ(c["State"], "created");
  EXPECT_EQ(c["Status"], "Created");
  EXPECT_EQ(c["HostConfig"]["NetworkMode"], "none");
  EXPECT_TRUE(c["NetworkSettings"]["Networks"].contains("none"));

  // Only running ones without all=1.
  EXPECT_EQ(h.call("GET", "/containers/json")->json().size(), 0u);

  r = h.call("GET", "/containers/web/json");
  ASSERT_EQ(r->status, 200);
  Json in = r->json();
  expectTypes(in, {{"Id", kStr},
                   {"Created", kStr},
                   {"Path", kStr},
                   {"Args", kArr},
                   {"State", kObj},
                   {"Image", kStr},
                   {"ResolvConfPath", kStr},
                   {"HostnamePath", kStr},
                   {"HostsPath", kStr},
                   {"LogPath", kStr},
                   {"Name", kStr},
                   {"RestartCount", kInt},
                   {"Driver", kStr},
                   {"Platform", kStr},
                   {"HostConfig", kObj},
                   {"GraphDriver", kObj},
                   {"Mounts", kArr},
                   {"Config", kObj},
                   {"NetworkSettings", kObj}});
  expectTypes(in["State"], {{"Status", kStr},
                            {"Running", kBool},
                            {"Paused", kBool},
                            {"Restarting", kBool},
                            {"OOMKilled", kBool},
                            {"Dead", kBool},
                            {"Pid", kInt},
                            {"ExitCode", kInt},
                            {"Error", kStr},
                            {"StartedAt", kStr},
                            {"FinishedAt", kStr}});
  expectTypes(in["Config"], {{"Hostname", kStr},
                             {"Domainname", kStr},
                             {"User", kStr},
                             {"AttachStdin", kBool},
                             {"Tty", kBool},
                             {"OpenStdin", kBool},
                             {"Env", kArr},
                             {"Cmd", kArr},
                             {"Image", kStr},
                             {"WorkingDir", kStr},
                             {"Entrypoint", kArr},
                             {"Labels", kObj}});
  expectTypes(in["HostConfig"], {{"NetworkMode", kStr},
                                 {"RestartPolicy", kObj},
                                 {"AutoRemove", kBool},
                                 {"Privileged", kBool},
                                 {"LogConfig", kObj}});
  EXPECT_EQ(in["Name"], "/web");
  EXPECT_EQ(in["Path"], "echo");
  EXPECT_EQ(in["Args"], Json::array({"hi"}));
  EXPECT_EQ(in["Config"]["Env"], Json::array({"A=1"}));
  EXPECT_EQ(in["Config"]["Image"], "busybox");
  EXPECT_EQ(in["Config"]["Entrypoint"], nullptr);
  EXPECT_EQ(in["HostConfig"]["RestartPolicy"]["Name"], "no");
  EXPECT_EQ(in["GraphDriver"]["Name"], "overlay2");
  EXPECT_EQ(in["State"]["Status"], "created");
}

TEST(Shapes, CreateErrors) {
  Harness h;
  auto r = h.call("POST", "/containers/create", Json{{"Image", "nope"}}.dump());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->json()["message"], "No such image: nope:latest");

  r = h.call("POST", "/containers/create", "{not json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->json()["message"].get<std::string>().find("invalid JSON"), std::string::npos);

  r = h.call("POST", "/containers/create", Json{{"Image", "busybox"}, {"Env", 3}}.dump());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->json()["message"].get<std::string>().find("Config.Env"), std::string::npos);

  r = h.call("POST", "/containers/create", "");
  EXPECT_EQ(r->status, 400);

  r = h.call("POST", "/containers/create", Json{{"Image", "busybox"}}.dump(), {{"name", "a b"}});
  EXPECT_EQ(r->status, 400);

  r = h.call(
      "POST", "/containers/create",
      Json{{"Image", "busybox"}, {"HostConfig", {{"RestartPolicy", {{"Name", "x"}}}}}}.dump());
  EXPECT_EQ(r->status, 400);
}

TEST(Shapes, CreateWarnsAboutIgnoredFields) {
  Harness h;
  // As the docker CLI sends them: zero values everywhere, one real choice.
  Json body = {{"Image", "busybox"},
               {"ExposedPorts", Json::object()},
               {"HostConfig",
                {{"Binds", nullptr},
                 {"Memory", 268435456},
                 {"Sysctls", {{"net.ipv4.ip_forward", "1"}}},
                 {"ConsoleSize", {0, 0}},
                 {"LogConfig", {{"Type", ""}, {"Config", Json::object()}}},
                 {"PortBindings", {{"80/tcp", {{{"HostIp", ""}, {"HostPort", "8080"}}}}}}}}};
  auto r = h.call("POST", "/containers/create", body.dump());
  ASSERT_EQ(r->status, 201);
  // Published ports and the memory limit are applied (no warning); sysctls are not yet.
  EXPECT_EQ(r->json()["Warnings"],
            Json::array({"wharf does not support HostConfig.Sysctls yet; it was ignored"}));
}

TEST(Shapes, ResourceFieldsInCreateInspectAndUpdate) {
  Harness h;
  Json body = {{"Image", "busybox"},
               {"HostConfig",
                {{"Memory", 33554432},
                 {"MemorySwap", -1},
                 {"MemorySwappiness", nullptr},
                 {"OomKillDisable", false},
                 {"NanoCpus", 500000000},
                 {"CpusetCpus", "0"},
                 {"PidsLimit", 20},
                 {"BlkioWeight", 0}}}};
  auto s = api::specFromCreateBody(body, "");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->resources.memory, 33554432);
  EXPECT_EQ(s->resources.memorySwap, -1);
  EXPECT_FALSE(s->resources.memorySwappiness);
  EXPECT_EQ(s->resources.oomKillDisable, false);
  EXPECT_EQ(s->resources.nanoCpus, 500000000);
  EXPECT_EQ(s->resources.pidsLimit, 20);
  body["HostConfig"]["Memory"] = "32m";
  EXPECT_EQ(api::specFromCreateBody(body, "").error().message(),
            "invalid JSON: HostConfig.Memory: expected an integer, got string");
  body["HostConfig"]["Memory"] = 33554432;
  body["HostConfig"]["BlkioWeight"] = 70000;
  EXPECT_FALSE(api::specFromCreateBody(body, "").ok());
  body["HostConfig"]["BlkioWeight"] = 0;

  auto r = h.call("POST", "/containers/create", body.dump());
  ASSERT_EQ(r->status, 201);
  std::string id = r->json()["Id"];
  auto in = h.call("GET", "/containers/" + id + "/json");
  Json doc = in->json();
  const Json& hc = doc["HostConfig"];
  expectTypes(hc, {{"Memory", kInt},
                   {"MemorySwap", kInt},
                   {"MemoryReservation", kInt},
                   {"NanoCpus", kInt},
                   {"CpuShares", kInt},
                   {"CpuPeriod", kInt},
                   {"CpuQuota", kInt},
                   {"CpusetCpus", kStr},
                   {"CpusetMems", kStr},
                   {"BlkioWeight", kInt}});
  EXPECT_EQ(hc["Memory"], 33554432);
  EXPECT_EQ(hc["NanoCpus"], 500000000);
  EXPECT_EQ(hc["PidsLimit"], 20);
  EXPECT_TRUE(hc["MemorySwappiness"].is_null());

  // POST /containers/{id}/update: moby's UpdateConfig in, {"Warnings": [...]} out.
  r = h.call("POST", "/containers/" + id + "/update",
             Json{{"Memory", 67108864}, {"RestartPolicy", {{"Name", "always"}}}}.dump());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json(), (Json{{"Warnings", {"a warning"}}}));
  ASSERT_TRUE(h.containers.lastUpdate);
  EXPECT_EQ(h.containers.lastUpdate->resources.memory, 67108864);
  EXPECT_EQ(h.containers.lastUpdate->restartPolicy, "always");
  r = h.call("POST", "/containers/" + id + "/update", Json{{"CpuShares", "x"}}.dump());
  EXPECT_EQ(r->status, 400);
  r = h.call("POST", "/containers/nope/update", Json{{"Memory", 67108864}}.dump());
  EXPECT_EQ(r->status, 404);
}

TEST(Shapes, CreateReadsPortFields) {
  Json body = {
      {"Image", "busybox"},
      {"ExposedPorts", {{"443/tcp", Json::object()}, {"53", Json::object()}}},
      {"HostConfig",
       {{"PublishAllPorts", true},
        {"PortBindings", {{"80/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", "8000-8010"}}}}}}}}};
  auto s = api::specFromCreateBody(body, "");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(s->publishAllPorts);
  EXPECT_EQ(s->exposedPorts, (std::vector<std::string>{"443/tcp", "53/tcp", "80/tcp"}));
  ASSERT_EQ(s->portBindings.at("80/tcp").size(), 1u);
  EXPECT_EQ(s->portBindings.at("80/tcp")[0], (PortBinding{"127.0.0.1", "8000-8010"}));
  body["HostConfig"]["PortBindings"] = {{"80/tcp", {{{"HostIp", ""}, {"HostPort", "http"}}}}};
  s = api::specFromCreateBody(body, "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().rawMessage(), "invalid port specification: \"http\"");
  body["HostConfig"]["PortBindings"] = {{"x/tcp", Json::array()}};
  EXPECT_FALSE(api::specFromCreateBody(body, "").ok());
}

TEST(Shapes, CreateReadsSeveralNetworksFromApi144) {
  // What the docker CLI 28 sends for `run --network front --network name=back,alias=db`.
  Json body = {{"Image", "busybox"},
               {"HostConfig", {{"NetworkMode", "front"}}},
               {"NetworkingConfig",
                {{"EndpointsConfig",
                  {{"front", {{"Aliases", {"web"}}, {"IPAMConfig", {{"IPv4Address", "10.1.0.5"}}}}},
                   {"back", {{"Aliases", {"db"}}, {"MacAddress", "02:42:0a:00:00:09"}}},
                   {"cache", nullptr}}}}}};
  auto s = api::specFromCreateBody(body, "");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->networkMode, "front");
  EXPECT_EQ(s->networkAliases, (std::vector<std::string>{"web"}));
  EXPECT_EQ(s->ipv4Address, "10.1.0.5");
  ASSERT_EQ(s->extraNetworks.size(), 1u);  // a null entry carries no settings and is skipped
  EXPECT_EQ(s->extraNetworks[0].networkId, "back");  // a name: the engine resolves it
  EXPECT_EQ(s->extraNetworks[0].aliases, (std::vector<std::string>{"db"}));
  EXPECT_EQ(s->extraNetworks[0].macAddress, "02:42:0a:00:00:09");
  // Before API 1.44, moby's router refuses several endpoints, naming them.
  auto old = api::specFromCreateBody(body, "", nullptr, false);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().rawMessage(),
            "Container cannot be created with multiple network endpoints: back, cache, front");
  EXPECT_EQ(old.error().category(), ErrorCategory::kInvalidArgument);
  // No NetworkMode and no default entry: the listed networks only, the first is its own.
  body["HostConfig"]["NetworkMode"] = "default";
  body["NetworkingConfig"]["EndpointsConfig"].erase("front");
  s = api::specFromCreateBody(body, "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->networkMode, "back");
  EXPECT_EQ(s->networkAliases, (std::vector<std::string>{"db"}));
  EXPECT_EQ(s->macAddress, "02:42:0a:00:00:09");
  EXPECT_TRUE(s->extraNetworks.empty());
  body["NetworkingConfig"]["EndpointsConfig"]["back"] = "x";
  EXPECT_FALSE(api::specFromCreateBody(body, "").ok());
}

TEST(Shapes, CreateTranslatesToSpec) {
  Json body = {{"Image", "busybox"},
               {"Cmd", "sh"},
               {"Entrypoint", {"/bin/env"}},
               {"User", "1000"},
               {"Tty", true},
               {"OpenStdin", true},
               {"StopTimeout", 3},
               {"HostConfig",
                {{"AutoRemove", true},
                 {"Privileged", true},
                 {"CapAdd", {"NET_ADMIN"}},
                 {"RestartPolicy", {{"Name", ""}, {"MaximumRetryCount", 0}}}}}};
  auto spec = specFromCreateBody(body, "/x1");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->name, "x1");
  EXPECT_EQ(spec->cmd, std::vector<std::string>{"sh"});
  ASSERT_TRUE(spec->entrypoint);
  EXPECT_EQ(*spec->entrypoint, std::vector<std::string>{"/bin/env"});
  EXPECT_EQ(spec->user, "1000");
  EXPECT_TRUE(spec->tty);
  EXPECT_TRUE(spec->openStdin);
  EXPECT_EQ(spec->stopTimeout, 3);
  EXPECT_TRUE(spec->autoRemove);
  EXPECT_TRUE(spec->privileged);
  EXPECT_EQ(spec->capAdd, std::vector<std::string>{"NET_ADMIN"});
}

TEST(Shapes, StatusWords) {
  EXPECT_EQ(humanDuration(0), "Less than a second");
  EXPECT_EQ(humanDuration(1), "1 second");
  EXPECT_EQ(humanDuration(3), "3 seconds");
  EXPECT_EQ(humanDuration(60), "About a minute");
  EXPECT_EQ(humanDuration(125), "2 minutes");
  EXPECT_EQ(humanDuration(3600), "About an hour");
  EXPECT_EQ(humanDuration(5 * 3600), "5 hours");
  EXPECT_EQ(humanDuration(3 * 86400), "3 days");
  EXPECT_EQ(humanDuration(21 * 86400), "3 weeks");
  EXPECT_EQ(humanDuration(90 * 86400), "3 months");
  EXPECT_EQ(humanDuration(800 * 86400), "2 years");

  engine::ContainerState st;
  EXPECT_EQ(statusText(st, 1000), "Created");
  st.status = engine::ContainerStatus::kRunning;
  st.startedAt = "1970-01-01T00:00:10.5Z";
  EXPECT_EQ(statusText(st, 13), "Up 3 seconds");
  st.status = engine::ContainerStatus::kExited;
  st.exitCode = 3;
  st.finishedAt = "1970-01-01T00:01:00Z";
  EXPECT_EQ(statusText(st, 180), "Exited (3) 2 minutes ago");
  EXPECT_EQ(unixSeconds("2024-01-02T03:04:05+01:00"), unixSeconds("2024-01-02T02:04:05Z"));
  EXPECT_FALSE(unixSeconds("0001-01-01T00:00:00Z"));
}

TEST(Shapes, Filters) {
  auto f = parseFilters(R"({"label":{"a=b":true},"status":["exited"]})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->at("label"), std::vector<std::string>{"a=b"});
  EXPECT_EQ(f->at("status"), std::vector<std::string>{"exited"});
  EXPECT_FALSE(parseFilters("[1]").ok());
}

TEST(Shapes, Images) {
  Harness h;
  auto r = h.call("GET", "/images/json");
  ASSERT_EQ(r->status, 200);
  Json list = r->json();
  ASSERT_EQ(list.size(), 1u);
  expectTypes(list[0], {{"Id", kStr},
                        {"ParentId", kStr},
                        {"RepoTags", kArr},
                        {"RepoDigests", kArr},
                        {"Created", kInt},
                        {"Size", kInt},
                        {"SharedSize", kInt},
                        {"Labels", kObj},
                        {"Containers", kInt}});
  EXPECT_FALSE(list[0].contains("VirtualSize"));
  EXPECT_TRUE(h.call("GET", "/v1.41/images/json")->json()[0].contains("VirtualSize"));

  r = h.call("GET", "/images/busybox:latest/json");
  ASSERT_EQ(r->status, 200);
  Json in = r->json();
  EXPECT_EQ(in["RepoTags"], Json::array({"busybox:latest"}));
  EXPECT_EQ(in["RootFS"]["Type"], "layers");
  EXPECT_EQ(in["Config"]["Cmd"], Json::array({"sh"}));
  EXPECT_EQ(h.call("GET", "/images/localhost:5000/a/b:v1/json")->status, 404);

  r = h.call("POST", "/wharf/images/bootstrap", "", {{"name", "busybox"}});
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["RepoTags"], Json::array({"busybox:latest"}));
}

TEST(Shapes, WaitStartLogs) {
  Harness h;
  h.containers.nextScript.output = {{engine::LogStream::kStdout, "out\n", "", 0},
                                    {engine::LogStream::kStderr, "err\n", "", 0}};
  h.containers.nextScript.exitCode = 7;
  std::string id = h.create("wt", Json{{"Image", "busybox"}});
  ASSERT_FALSE(id.empty());

  // Wait before start: headers first, the body when the container exits.
  auto wait = h.call("POST", "/containers/wt/wait", "", {{"condition", "next-exit"}});
  EXPECT_EQ(wait->kind, testing::RecordingResponder::Kind::kStream);
  EXPECT_EQ(wait->body, "");
  EXPECT_EQ(h.call("POST", "/containers/wt/start")->status, 204);
  EXPECT_TRUE(wait->finished);
  EXPECT_EQ(Json::parse(wait->body), Json({{"StatusCode", 7}, {"Error", nullptr}}));
  EXPECT_EQ(h.call("POST", "/containers/wt/stop")->status, 304);

  auto logs = h.call("GET", "/containers/wt/logs", "", {{"stdout", "1"}, {"stderr", "1"}});
  EXPECT_EQ(logs->kind, testing::RecordingResponder::Kind::kStream);
  EXPECT_EQ(logs->contentType, "application/vnd.docker.multiplexed-stream");
  EXPECT_EQ(logs->body, std::string("\1\0\0\0\0\0\0\4out\n\2\0\0\0\0\0\0\4err\n", 24));
  EXPECT_TRUE(logs->finished);
  EXPECT_EQ(h.call("GET", "/containers/wt/logs")->status, 400);

  EXPECT_EQ(h.call("DELETE", "/containers/wt")->status, 204);
  EXPECT_EQ(h.call("GET", "/containers/wt/json")->status, 404);
  EXPECT_EQ(h.containers.openReaders(), 0);
}

}  // namespace
}  // namespace wharf::api
