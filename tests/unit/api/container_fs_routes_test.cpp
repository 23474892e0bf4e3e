// POST /containers/prune, GET /containers/{id}/changes and /top, size=1 on list and inspect,
// POST /build/prune: docker's JSON shapes (the fields the docker CLI reads) over fake backends.
#include <gtest/gtest.h>

#include "api_test_util.h"

namespace wharf::api {
namespace {

class FsContainers : public fakes::FakeContainerBackend {
 public:
  using FakeContainerBackend::FakeContainerBackend;
  void pruneContainers(const std::map<std::string, std::vector<std::string>>& filters,
                       std::function<void(Result<engine::ContainerPruneReport>)> done) override {
    lastFilters = filters;
    if (filters.count("status")) return done(invalidArgument("invalid filter 'status'"));
    engine::ContainerPruneReport rep;
    if (!empty) rep = {{"aaa", "bbb"}, 1234};
    done(rep);
  }
  void containerChanges(
      const std::string& id,
      std::function<void(Result<std::vector<engine::FilesystemChange>>)> done) override {
    if (id == "missing") return done(notFound("No such container: missing"));
    if (empty) return done(std::vector<engine::FilesystemChange>{});
    done(std::vector<engine::FilesystemChange>{{"/etc", engine::ChangeKind::kModified},
                                               {"/etc/x", engine::ChangeKind::kAdded},
                                               {"/bin/ls", engine::ChangeKind::kDeleted}});
  }
  void containerTop(const std::string& id, const std::string& psArgs,
                    std::function<void(Result<engine::ContainerTop>)> done) override {
    lastPsArgs = psArgs;
    if (id == "stopped") return done(conflict("container stopped is not running"));
    done(engine::ContainerTop{{"PID", "CMD"}, {{"7", "sleep 300"}}});
  }
  std::map<std::string, std::vector<std::string>> lastFilters;
  std::string lastPsArgs;
  bool empty = false;
};

class SizedSystem : public fakes::FakeSystemBackend {
 public:
  void diskUsage(const engine::DiskUsageOptions& opts,
                 std::function<void(Result<engine::DiskUsage>)> done) override {
    asked = opts;
    ++calls;
    engine::DiskUsage du;
    for (const auto& id : ids) {
      engine::ContainerDiskUsage c;
      c.container.id = id;
      c.sizeRw = 100;
      c.sizeRootFs = 4000100;
      du.containers.push_back(c);
    }
    done(std::move(du));
  }
  std::vector<std::string> ids;
  engine::DiskUsageOptions asked;
  int calls = 0;
};

struct FsHarness {
  FsHarness() {
    addAllRoutes(router, std::make_shared<const RouteContext>(
                             RouteContext{io, containers, images, system, cfg}));
  }
  std::shared_ptr<testing::RecordingResponder> call(
      const std::string& method, const std::string& path,
      std::multimap<std::string, std::string> q = {}) {
    Request req;
    req.method = method;
    req.target = req.path = path;
    req.queryParams = std::move(q);
    auto r = std::make_shared<testing::RecordingResponder>();
    router.dispatch(req, r);
    io.restart();
    io.poll();
    return r;
  }
  boost::asio::io_context io;
  fakes::FakeImageBackend images;
  FsContainers containers{io, images};
  SizedSystem system;
  ServerConfig cfg;
  Router router{cfg.apiVersion, cfg.minApiVersion};
};

TEST(ContainerFsRoutes, PruneAnswersDockersReport) {
  FsHarness h;
  auto r = h.call("POST", "/v1.51/containers/prune",
                  {{"filters", R"({"label":{"a=b":true},"until":["1h"]})"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json(), Json::parse(R"({"ContainersDeleted":["aaa","bbb"],"SpaceReclaimed":1234})"));
  EXPECT_EQ(h.containers.lastFilters, (std::map<std::string, std::vector<std::string>>{
                                          {"label", {"a=b"}}, {"until", {"1h"}}}));
  // Nothing pruned: null, as dockerd's nil slice.
  h.containers.empty = true;
  r = h.call("POST", "/containers/prune");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json(), Json::parse(R"({"ContainersDeleted":null,"SpaceReclaimed":0})"));
  r = h.call("POST", "/containers/prune", {{"filters", R"({"status":{"exited":true}})"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json()["message"], "invalid filter 'status'");
  r = h.call("POST", "/containers/prune", {{"filters", "{not json"}});
  EXPECT_EQ(r->status, 400);
}

TEST(ContainerFsRoutes, ChangesAreKindNumbersOrNull) {
  FsHarness h;
  auto r = h.call("GET", "/containers/abc/changes");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json(), Json::parse(R"([{"Path":"/etc","Kind":0},{"Path":"/etc/x","Kind":1},
                                       {"Path":"/bin/ls","Kind":2}])"));
  h.containers.empty = true;
  EXPECT_TRUE(h.call("GET", "/containers/abc/changes")->json().is_null());
  EXPECT_EQ(h.call("GET", "/containers/missing/changes")->status, 404);
}

TEST(ContainerFsRoutes, TopPassesPsArgsAndAnswersTitlesAndProcesses) {
  FsHarness h;
  auto r = h.call("GET", "/containers/abc/top", {{"ps_args", "-o pid,comm"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(h.containers.lastPsArgs, "-o pid,comm");
  EXPECT_EQ(r->json(), Json::parse(R"({"Titles":["PID","CMD"],"Processes":[["7","sleep 300"]]})"));
  r = h.call("GET", "/containers/stopped/top");
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(h.containers.lastPsArgs, "");
}

TEST(ContainerFsRoutes, SizeFillsSizeRwAndSizeRootFsOnlyWhenAsked) {
  FsHarness h;
  engine::ContainerSpec spec;
  spec.name = "sized";
  spec.image = "busybox";
  auto c = h.containers.createContainer(spec, nullptr);
  ASSERT_TRUE(c.ok()) << c.error().message();
  h.system.ids = {*c};
  auto r = h.call("GET", "/containers/json", {{"all", "1"}});
  ASSERT_EQ(r->status, 200);
  ASSERT_EQ(r->json().size(), 1u);
  EXPECT_FALSE(r->json()[0].contains("SizeRw"));
  EXPECT_EQ(h.system.calls, 0);
  r = h.call("GET", "/containers/json", {{"all", "1"}, {"size", "1"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json()[0]["SizeRw"], 100);
  EXPECT_EQ(r->json()[0]["SizeRootFs"], 4000100);
  EXPECT_TRUE(h.system.asked.containers);
  EXPECT_FALSE(h.system.asked.images || h.system.asked.volumes);
  r = h.call("GET", "/containers/sized/json", {{"size", "1"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json()["SizeRw"], 100);
  EXPECT_EQ(r->json()["SizeRootFs"], 4000100);
  EXPECT_FALSE(h.call("GET", "/containers/sized/json")->json().contains("SizeRw"));
}

TEST(ContainerFsRoutes, BuildPruneReportsNothingDeleted) {
  FsHarness h;
  auto r = h.call("POST", "/v1.50/build/prune", {{"all", "1"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json(), Json::parse(R"({"CachesDeleted":null,"SpaceReclaimed":0})"));
  EXPECT_EQ(h.call("POST", "/build/prune", {{"filters", "{bad"}})->status, 400);
}

}  // namespace
}  // namespace wharf::api
