// The volume routes and the mount fields of a create body, over the real VolumeManager and
// VolumeService in a temp dir.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "api/internal/container_json.h"
#include "api_test_util.h"
#include "engine/volume_manager.h"

namespace wharf::api {
namespace {

namespace stdfs = std::filesystem;

struct VolumeHarness {
  VolumeHarness() {
    std::string tmpl = (stdfs::temp_directory_path() / "wharf-apivol-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    service = std::make_unique<volume::VolumeService>(dir / "volumes");
    EXPECT_TRUE(service->load().ok());
    manager = std::make_unique<engine::VolumeManager>(*service);
    RouteContext ctx{h.io, h.containers, h.images, h.system, h.cfg, manager.get()};
    addAllRoutes(router, std::make_shared<const RouteContext>(ctx));
  }
  ~VolumeHarness() {
    std::error_code ec;
    stdfs::remove_all(dir, ec);
  }
  std::shared_ptr<testing::RecordingResponder> call(
      const std::string& method, const std::string& path, std::string body = "",
      std::multimap<std::string, std::string> query = {}) {
    Request req;
    req.method = method;
    req.target = path;
    req.path = path;
    req.apiVersion = h.cfg.apiVersion;
    req.queryParams = std::move(query);
    req.body = std::move(body);
    auto r = std::make_shared<testing::RecordingResponder>();
    router.dispatch(req, r);
    return r;
  }

  testing::Harness h;
  stdfs::path dir;
  std::unique_ptr<volume::VolumeService> service;
  std::unique_ptr<engine::VolumeManager> manager;
  Router router{h.cfg.apiVersion, h.cfg.minApiVersion};
};

TEST(VolumeRoutes, CreateInspectListRemove) {
  VolumeHarness v;
  auto r = v.call("POST", "/volumes/create",
                  R"({"Name":"data","Driver":"local","Labels":{"a":"b"},"DriverOpts":{}})");
  ASSERT_EQ(r->status, 201) << r->body;
  Json j = r->json();
  EXPECT_EQ(j["Name"], "data");
  EXPECT_EQ(j["Driver"], "local");
  EXPECT_EQ(j["Scope"], "local");
  EXPECT_EQ(j["Labels"]["a"], "b");
  EXPECT_TRUE(j["Options"].is_null());
  EXPECT_EQ(j["Mountpoint"], (v.dir / "volumes/data/_data").string());
  for (const char* k : {"CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"})
    EXPECT_TRUE(j.contains(k)) << k;

  r = v.call("GET", "/volumes/data");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["Name"], "data");
  r = v.call("GET", "/volumes", "", {{"filters", R"({"label":{"a=b":true}})"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["Volumes"].size(), 1u);
  EXPECT_TRUE(r->json()["Warnings"].is_array());
  r = v.call("GET", "/volumes", "", {{"filters", R"({"colour":{"red":true}})"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json()["message"], "invalid filter 'colour'");

  r = v.call("DELETE", "/volumes/data");
  EXPECT_EQ(r->status, 204);
  r = v.call("GET", "/volumes/data");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->json()["message"], "get data: no such volume");
  EXPECT_EQ(v.call("DELETE", "/volumes/data")->status, 404);
  EXPECT_EQ(v.call("DELETE", "/volumes/data", "", {{"force", "1"}})->status, 204);
}

TEST(VolumeRoutes, BadInputIsA400AndCreatesNothing) {
  VolumeHarness v;
  auto r = v.call("POST", "/volumes/create", R"({"Name":"a/b"})");
  EXPECT_EQ(r->status, 400);
  r = v.call("POST", "/volumes/create", R"({"Name":"ok1","DriverOpts":{"foo":"1"}})");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json()["message"], "create ok1: invalid option: \"foo\"");
  r = v.call("POST", "/volumes/create", R"({"Name":"ok1","Driver":"flocker"})");
  EXPECT_EQ(r->status, 404);
  r = v.call("POST", "/volumes/create", R"({"Name":5})");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(v.call("GET", "/volumes")->json()["Volumes"].size(), 0u);
}

TEST(VolumeRoutes, InUseIsAConflictAndPruneSkipsIt) {
  VolumeHarness v;
  ASSERT_EQ(v.call("POST", "/volumes/create", R"({"Name":"busy"})")->status, 201);
  ASSERT_EQ(v.call("POST", "/volumes/create", "{}")->status, 201);  // anonymous
  ASSERT_TRUE(v.service->addUser("busy", "c1").ok());
  auto r = v.call("DELETE", "/volumes/busy", "", {{"force", "1"}});
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->json()["message"], "remove busy: volume is in use - [c1]");
  r = v.call("POST", "/volumes/prune", "", {{"filters", R"({"all":["true"]})"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["VolumesDeleted"].size(), 1u);
  EXPECT_EQ(r->json()["SpaceReclaimed"], 0);
  r = v.call("POST", "/volumes/prune");
  EXPECT_TRUE(r->json()["VolumesDeleted"].is_null());
}

TEST(CreateBodyMounts, AllFieldsReachTheSpec) {
  Json body = Json::parse(R"({
    "Image": "busybox",
    "Volumes": {"/anon": {}},
    "HostConfig": {
      "Binds": ["/h:/c:ro", "v:/d"],
      "VolumesFrom": ["other:ro"],
      "Tmpfs": {"/t": "size=1m"},
      "Mounts": [
        {"Type": "volume", "Source": "n", "Target": "/n", "ReadOnly": true,
         "VolumeOptions": {"NoCopy": true, "Labels": {"l": "1"},
                           "DriverConfig": {"Name": "local", "Options": {"type": "tmpfs"}}}},
        {"Type": "bind", "Source": "/", "Target": "/b",
         "BindOptions": {"Propagation": "rslave", "NonRecursive": true}},
        {"Type": "tmpfs", "Target": "/tt", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 1023}}
      ]
    }
  })");
  std::vector<std::string> warnings;
  auto s = specFromCreateBody(body, "", &warnings);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_TRUE(warnings.empty()) << warnings[0];
  EXPECT_EQ(s->binds, (std::vector<std::string>{"/h:/c:ro", "v:/d"}));
  EXPECT_EQ(s->volumesFrom, std::vector<std::string>{"other:ro"});
  EXPECT_EQ(s->tmpfs.at("/t"), "size=1m");
  EXPECT_EQ(s->volumes, std::vector<std::string>{"/anon"});
  ASSERT_EQ(s->mounts.size(), 3u);
  EXPECT_TRUE(s->mounts[0].readOnly);
  EXPECT_TRUE(s->mounts[0].noCopy);
  EXPECT_EQ(s->mounts[0].volumeLabels.at("l"), "1");
  EXPECT_EQ(s->mounts[0].volumeDriverOptions.at("type"), "tmpfs");
  EXPECT_EQ(s->mounts[1].propagation, "rslave");
  EXPECT_TRUE(s->mounts[1].nonRecursive);
  EXPECT_EQ(s->mounts[2].tmpfsSizeBytes, 1048576);
  EXPECT_EQ(s->mounts[2].tmpfsMode, 1023u);
}

TEST(CreateBodyMounts, WrongTypesNameTheField) {
  auto s = specFromCreateBody(
      Json::parse(R"({"Image":"b","HostConfig":{"Mounts":[{"Type":"bind","ReadOnly":"yes"}]}})"),
      "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "invalid JSON: HostConfig.Mounts[0].ReadOnly: expected a boolean, got string");
  s = specFromCreateBody(Json::parse(R"({"Image":"b","HostConfig":{"Binds":"/a:/b"}})"), "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().category(), ErrorCategory::kInvalidArgument);
}

TEST(MountPointsJson, DockerShape) {
  engine::ContainerInfo c;
  volume::MountPoint v;
  v.type = "volume";
  v.name = "data";
  v.source = "/var/lib/wharf/volumes/data/_data";
  v.destination = "/data";
  v.driver = "local";
  volume::MountPoint b;
  b.type = "bind";
  b.source = "/h";
  b.destination = "/c";
  b.mode = "ro";
  b.rw = false;
  b.propagation = "rprivate";
  c.mountPoints = {v, b};
  Json j = mountPointsJson(c);
  EXPECT_EQ(j[0], Json::parse(R"({"Type":"volume","Name":"data",
      "Source":"/var/lib/wharf/volumes/data/_data","Destination":"/data","Driver":"local",
      "Mode":"","RW":true,"Propagation":""})"));
  EXPECT_EQ(j[1], Json::parse(R"({"Type":"bind","Source":"/h","Destination":"/c","Mode":"ro",
      "RW":false,"Propagation":"rprivate"})"));
}

}  // namespace
}  // namespace wharf::api
