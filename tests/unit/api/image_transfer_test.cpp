// The image transfer routes (tag, delete, load, import, save) over the fake image backend:
// what the docker CLI sends and reads back.

#include <gtest/gtest.h>

#include "api_test_util.h"

namespace wharf::api {
namespace {

using testing::Harness;

TEST(ImageTransferRoutes, TagAnswers201AndTagsTheImage) {
  Harness h;
  auto r = h.call("POST", "/v1.51/images/busybox/tag", "",
                  {{"repo", "localhost:5000/x/y"}, {"tag", "1"}});
  EXPECT_EQ(r->status, 201);
  auto d = h.images.inspectImage("localhost:5000/x/y:1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->summary.id, "sha256:" + std::string(64, 'b'));
}

TEST(ImageTransferRoutes, TagErrors) {
  Harness h;
  EXPECT_EQ(h.call("POST", "/images/nosuch/tag", "", {{"repo", "x"}})->status, 404);
  auto r = h.call("POST", "/images/busybox/tag");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("repository name must have at least one component"), std::string::npos);
}

TEST(ImageTransferRoutes, DeleteListsUntaggedAndDeleted) {
  Harness h;
  auto r = h.call("DELETE", "/v1.51/images/busybox");
  ASSERT_EQ(r->status, 200);
  Json j = r->json();
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["Untagged"], "busybox:latest");
  EXPECT_EQ(j[1]["Deleted"], "sha256:" + std::string(64, 'b'));
  EXPECT_FALSE(j[0].contains("Deleted"));
  EXPECT_EQ(h.call("DELETE", "/images/busybox")->status, 404);
}

TEST(ImageTransferRoutes, DeleteConflictIs409UnlessForced) {
  Harness h;
  h.images.inUse.insert("sha256:" + std::string(64, 'b'));
  EXPECT_EQ(h.call("DELETE", "/images/busybox")->status, 409);
  EXPECT_EQ(h.call("DELETE", "/images/busybox", "", {{"force", "1"}})->status, 200);
}

TEST(ImageTransferRoutes, LoadStreamsLoadedLines) {
  Harness h;
  auto r = h.call("POST", "/images/load", "archive-bytes", {{"quiet", "1"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->contentType, "application/json");
  EXPECT_TRUE(r->finished);
  EXPECT_EQ(h.images.lastArchive, "archive-bytes");
  EXPECT_EQ(r->body,
            "{\"stream\":\"Loaded image: busybox:latest\\n\"}\n"
            "{\"stream\":\"Loaded image ID: sha256:" +
                std::string(64, 'u') + "\\n\"}\n");
}

TEST(ImageTransferRoutes, LoadErrors) {
  Harness h;
  EXPECT_EQ(h.call("POST", "/images/load")->status, 400);
  EXPECT_EQ(h.call("POST", "/images/load", "bad")->status, 400);
}

TEST(ImageTransferRoutes, ImportPassesRepoChangesAndMessage) {
  Harness h;
  auto r = h.call("POST", "/images/create", "tar",
                  {{"fromSrc", "-"},
                   {"repo", "mine"},
                   {"tag", "v1"},
                   {"changes", "CMD [\"sh\"]"},
                   {"changes", "ENV A=b"},
                   {"message", "hello"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"status\":\"sha256:" + std::string(64, 'i') + "\"}\n");
  EXPECT_EQ(h.images.lastImport.ref, "mine:v1");
  EXPECT_EQ(h.images.lastImport.message, "hello");
  EXPECT_EQ(h.images.lastImport.changes, (std::vector<std::string>{"CMD [\"sh\"]", "ENV A=b"}));
  EXPECT_EQ(h.images.lastArchive, "tar");
}

TEST(ImageTransferRoutes, ImportFromAUrlOrWithoutBody) {
  Harness h;
  EXPECT_EQ(h.call("POST", "/images/create", "", {{"fromSrc", "-"}})->status, 400);
  // A URL is the engine's to download: no body goes with it.
  auto r = h.call("POST", "/images/create", "", {{"fromSrc", "http://127.0.0.1:1/x.tar"}});
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(h.images.lastImport.source, "http://127.0.0.1:1/x.tar");
  EXPECT_EQ(h.images.lastArchive, "");
  r = h.call("POST", "/images/create", "", {{"fromSrc", "ftp://127.0.0.1/x.tar"}});
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("http:// or https:// URL"), std::string::npos);
}

TEST(ImageRoutes, AuthChecksCredentialsThroughTheBackend) {
  Harness h;
  auto r = h.call("POST", "/v1.51/auth",
                  R"({"username":"user","password":"pass","serveraddress":"127.0.0.1:5000"})");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["Status"], "Login Succeeded");
  EXPECT_EQ(h.images.lastLogin.serverAddress, "127.0.0.1:5000");
  r = h.call("POST", "/auth", R"({"username":"user","password":"bad"})");
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("failed with status: 401 Unauthorized"), std::string::npos);
  EXPECT_EQ(h.call("POST", "/auth", "[1]")->status, 400);
  EXPECT_EQ(h.call("POST", "/auth", "{")->status, 400);
}

TEST(ImageRoutes, PruneAnswersDockersReport) {
  Harness h;
  // Nothing dangling: ImagesDeleted is null.
  auto r = h.call("POST", "/v1.51/images/prune", "", {{"filters", R"({"dangling":["true"]})"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(r->json()["ImagesDeleted"].is_null());
  EXPECT_EQ(r->json()["SpaceReclaimed"], 0);
  EXPECT_EQ(h.images.lastPruneFilters["dangling"], std::vector<std::string>{"true"});
  // -a: the unused busybox goes with its tag.
  r = h.call("POST", "/images/prune", "", {{"filters", R"({"dangling":{"false":true}})"}});
  ASSERT_EQ(r->status, 200);
  Json j = r->json();
  ASSERT_EQ(j["ImagesDeleted"].size(), 2u);
  EXPECT_EQ(j["ImagesDeleted"][0]["Untagged"], "busybox:latest");
  EXPECT_EQ(j["ImagesDeleted"][1]["Deleted"], "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(j["SpaceReclaimed"], 100);
  EXPECT_EQ(h.call("POST", "/images/prune", "", {{"filters", "{bad"}})->status, 400);
}

TEST(ImageRoutes, HistoryAnswersDockersShape) {
  Harness h;
  auto r = h.call("GET", "/v1.51/images/busybox/history");
  ASSERT_EQ(r->status, 200);
  Json j = r->json();
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["Id"], "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(j[0]["Tags"], Json::array({"busybox:latest"}));
  EXPECT_EQ(j[0]["Created"], 1700000000);
  EXPECT_EQ(j[1]["Id"], "<missing>");
  EXPECT_TRUE(j[1]["Tags"].is_null());
  EXPECT_EQ(j[1]["Size"], 0);
  EXPECT_EQ(j[1]["Comment"], "base");
  for (const char* k : {"Id", "Created", "CreatedBy", "Tags", "Size", "Comment"})
    EXPECT_TRUE(j[0].contains(k)) << k;
  EXPECT_EQ(h.call("GET", "/images/nosuch/history")->status, 404);
}

TEST(ImageTransferRoutes, SaveStreamsTheBackendsArchive) {
  Harness h;
  auto r = h.call("GET", "/images/get", "", {{"names", "busybox"}, {"names", "busybox:latest"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->contentType, "application/x-tar");
  EXPECT_TRUE(r->finished);
  EXPECT_EQ(r->body, "busybox\nbusybox:latest\n");
  auto one = h.call("GET", "/images/busybox/get");
  EXPECT_EQ(one->body, "busybox\n");
  EXPECT_EQ(h.call("GET", "/images/get", "", {{"names", "nosuch"}})->status, 404);
  EXPECT_EQ(h.call("GET", "/images/get")->status, 400);
}

}  // namespace
}  // namespace wharf::api

namespace wharf::api {
namespace {

std::vector<Json> lines(const std::string& body) {
  std::vector<Json> out;
  size_t start = 0, nl;
  while ((nl = body.find('\n', start)) != std::string::npos) {
    out.push_back(Json::parse(body.substr(start, nl - start)));
    start = nl + 1;
  }
  return out;
}

TEST(ImageTransferRoutes, PullStreamsDockersProgressMessages) {
  Harness h;
  auto r = h.call("POST", "/v1.51/images/create", "",
                  {{"fromImage", "localhost:5000/a/b"}, {"tag", "1"}, {"platform", "linux/arm64"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->contentType, "application/json");
  EXPECT_EQ(h.images.lastPull.ref, "localhost:5000/a/b:1");
  EXPECT_EQ(h.images.lastPull.platform, "linux/arm64");
  auto ls = lines(r->body);
  ASSERT_EQ(ls.size(), 5u);
  EXPECT_EQ(ls[0], Json({{"status", "Pulling from library/busybox"}, {"id", "latest"}}));
  EXPECT_EQ(ls[1]["progressDetail"], Json::object());
  EXPECT_EQ(ls[2]["progressDetail"]["current"], 1000);
  EXPECT_EQ(ls[2]["progressDetail"]["total"], 2000);
  EXPECT_EQ(ls[2]["progress"].get<std::string>().substr(0, 27), "[=========================>");
  EXPECT_EQ(ls[4]["status"], "Status: Downloaded newer image for localhost:5000/a/b:1");
  EXPECT_TRUE(r->finished);
}

TEST(ImageTransferRoutes, PullByDigestAndErrors) {
  Harness h;
  std::string digest = "sha256:" + std::string(64, 'a');
  h.call("POST", "/images/create", "", {{"fromImage", "busybox"}, {"tag", digest}});
  EXPECT_EQ(h.images.lastPull.ref, "busybox@" + digest);
  // Before any progress: an HTTP error.
  auto nf = h.call("POST", "/images/create", "", {{"fromImage", "nosuch"}});
  EXPECT_EQ(nf->status, 404);
  // After progress started: docker's errorDetail message, then the end of the stream.
  auto mid = h.call("POST", "/images/create", "", {{"fromImage", "midfail"}});
  ASSERT_EQ(mid->status, 200);
  auto ls = lines(mid->body);
  ASSERT_FALSE(ls.empty());
  EXPECT_EQ(ls.back()["error"], "layer sha256:abc: digest mismatch");
  EXPECT_EQ(ls.back()["errorDetail"]["message"], "layer sha256:abc: digest mismatch");
  EXPECT_TRUE(mid->finished);
  EXPECT_EQ(h.call("POST", "/images/create")->status, 400);
}

}  // namespace
}  // namespace wharf::api

namespace wharf::api {
namespace {

TEST(ImageTransferRoutes, PushStreamsAndEndsWithAux) {
  Harness h;
  auto r = h.call("POST", "/v1.51/images/busybox/push", "", {{"tag", "latest"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(h.images.lastPull.ref, "busybox:latest");
  std::vector<Json> ls;
  size_t start = 0, nl;
  while ((nl = r->body.find('\n', start)) != std::string::npos) {
    ls.push_back(Json::parse(r->body.substr(start, nl - start)));
    start = nl + 1;
  }
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0]["status"], "The push refers to repository [busybox:latest]");
  EXPECT_EQ(ls[1]["status"], "Pushed");
  EXPECT_EQ(ls[2]["aux"]["Digest"], "sha256:" + std::string(64, 'm'));
  EXPECT_EQ(ls[2]["aux"]["Size"], 525);
  EXPECT_EQ(h.call("POST", "/images/nosuch/push")->status, 404);
}

// docker push -a sends no tag: every local tag of the repository, one aux each, in order.
TEST(ImageTransferRoutes, PushWithoutTagPushesEveryTag) {
  Harness h;
  ASSERT_EQ(h.call("POST", "/images/busybox/tag", "", {{"repo", "busybox"}, {"tag", "2"}})->status,
            201);
  auto r = h.call("POST", "/v1.51/images/busybox/push");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(h.images.lastPull.ref, "busybox:latest");
  size_t auxes = 0, first = r->body.find("busybox:2"), second = r->body.find("busybox:latest");
  for (size_t p = 0; (p = r->body.find("\"aux\"", p)) != std::string::npos; ++p) ++auxes;
  EXPECT_EQ(auxes, 2u);
  EXPECT_LT(first, second);  // "2" sorts before "latest"
  auto missing = h.call("POST", "/images/nosuch/push");
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("An image does not exist locally with the tag: nosuch"),
            std::string::npos);
}

}  // namespace
}  // namespace wharf::api
