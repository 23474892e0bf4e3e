// GET /system/df: docker's JSON shape (the fields the docker CLI reads) and the type= filter.
#include <gtest/gtest.h>

#include "api_test_util.h"

namespace wharf::api {
namespace {

class DfSystem : public fakes::FakeSystemBackend {
 public:
  void diskUsage(const engine::DiskUsageOptions& opts,
                 std::function<void(Result<engine::DiskUsage>)> done) override {
    last = opts;
    engine::DiskUsage du;
    du.layersSize = 5000;
    engine::ImageDiskUsage img;
    img.summary.id = "sha256:" + std::string(64, 'a');
    img.summary.repoTags = {"busybox:latest"};
    img.summary.created = 100;
    img.size = 3000;
    img.sharedSize = 1000;
    img.containers = 1;
    du.images.push_back(img);
    engine::ContainerDiskUsage c;
    c.container.id = std::string(64, 'c');
    c.container.name = "web";
    c.container.imageId = img.summary.id;
    c.container.imageRef = "busybox";
    c.sizeRw = 1 << 20;
    c.sizeRootFs = (1 << 20) + 2000;
    du.containers.push_back(c);
    engine::VolumeDetail v;
    v.volume.name = "data";
    v.volume.driver = "local";
    v.refCount = 1;
    v.size = 524288;
    du.volumes.push_back(v);
    done(std::move(du));
  }
  engine::DiskUsageOptions last;
};

struct DfHarness {
  DfHarness() {
    addAllRoutes(router, std::make_shared<const RouteContext>(
                             RouteContext{h.io, h.containers, h.images, system, h.cfg}));
  }
  std::shared_ptr<testing::RecordingResponder> get(std::multimap<std::string, std::string> q,
                                                   const std::string& version = "1.51") {
    Request req;
    req.method = "GET";
    // The router takes the version from the path, as for a real client.
    req.target = req.path = "/v" + version + "/system/df";
    req.queryParams = std::move(q);
    auto r = std::make_shared<testing::RecordingResponder>();
    router.dispatch(req, r);
    return r;
  }
  testing::Harness h;
  DfSystem system;
  Router router{h.cfg.apiVersion, h.cfg.minApiVersion};
};

TEST(SystemDfRoute, AnswersDockersShape) {
  DfHarness d;
  auto r = d.get({});
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = r->json();
  EXPECT_EQ(j["LayersSize"], 5000);
  ASSERT_EQ(j["Images"].size(), 1u);
  EXPECT_EQ(j["Images"][0]["Size"], 3000);
  EXPECT_EQ(j["Images"][0]["SharedSize"], 1000);
  EXPECT_EQ(j["Images"][0]["Containers"], 1);
  EXPECT_EQ(j["Images"][0]["RepoTags"][0], "busybox:latest");
  ASSERT_EQ(j["Containers"].size(), 1u);
  EXPECT_EQ(j["Containers"][0]["SizeRw"], 1 << 20);
  EXPECT_EQ(j["Containers"][0]["SizeRootFs"], (1 << 20) + 2000);
  EXPECT_EQ(j["Containers"][0]["Names"][0], "/web");
  ASSERT_EQ(j["Volumes"].size(), 1u);
  EXPECT_EQ(j["Volumes"][0]["UsageData"]["Size"], 524288);
  EXPECT_EQ(j["Volumes"][0]["UsageData"]["RefCount"], 1);
  EXPECT_TRUE(j["BuildCache"].is_array());
  EXPECT_TRUE(j["BuildCache"].empty());
}

TEST(SystemDfRoute, TypeFilterFromApi142) {
  DfHarness d;
  auto r = d.get({{"type", "volume"}, {"type", "container"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_FALSE(d.system.last.images);
  EXPECT_TRUE(d.system.last.volumes && d.system.last.containers);
  Json j = r->json();
  EXPECT_TRUE(j["Images"].is_null());
  EXPECT_EQ(j["LayersSize"], 0);
  EXPECT_TRUE(j["BuildCache"].is_null());
  EXPECT_EQ(j["Volumes"].size(), 1u);
  EXPECT_EQ(j["Containers"].size(), 1u);

  r = d.get({{"type", "bogus"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("unknown object type: bogus"), std::string::npos) << r->body;

  // Before 1.42 the parameter does not exist: everything is answered.
  r = d.get({{"type", "volume"}}, "1.41");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->json()["Images"].size(), 1u);
}

}  // namespace
}  // namespace wharf::api
