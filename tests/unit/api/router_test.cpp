#include "api/router.h"

#include <gtest/gtest.h>

#include "api/errors.h"
#include "api_test_util.h"

namespace wharf::api {
namespace {

using testing::RecordingResponder;

TEST(Router, StripsVersionPrefix) {
  Router router("1.51", "1.24");
  std::string path = "/v1.41/containers/json", version;
  ASSERT_TRUE(router.stripVersion(path, &version).ok());
  EXPECT_EQ(path, "/containers/json");
  EXPECT_EQ(version, "1.41");

  path = "/containers/json";
  ASSERT_TRUE(router.stripVersion(path, &version).ok());
  EXPECT_EQ(path, "/containers/json");
  EXPECT_EQ(version, "1.51");  // unversioned means current

  path = "/volumes/json";  // a 'v' that is no version
  ASSERT_TRUE(router.stripVersion(path, &version).ok());
  EXPECT_EQ(path, "/volumes/json");
}

TEST(Router, RejectsVersionsOutOfRange) {
  Router router("1.51", "1.24");
  std::string path = "/v1.12/info", version;
  auto st = router.stripVersion(path, &version);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(st.error().message(),
            "client version 1.12 is too old. Minimum supported API version is 1.24, please "
            "upgrade your client to a newer version");
  path = "/v1.52/info";
  st = router.stripVersion(path, &version);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(),
            "client version 1.52 is too new. Maximum supported API version is 1.51");
  path = "/v1.24/info";
  EXPECT_TRUE(router.stripVersion(path, &version).ok());
}

TEST(Router, MatchesCapturesAndRestOfPath) {
  Router router("1.51", "1.24");
  int hit = 0;
  router.add("GET", "/containers/{id}/json", "ContainerInspect",
             [&](const Request&, ResponderPtr) { hit = 1; });
  router.add("GET", "/containers/json", "ContainerList",
             [&](const Request&, ResponderPtr) { hit = 2; });
  router.add("GET", "/images/{name*}/json", "ImageInspect",
             [&](const Request&, ResponderPtr) { hit = 3; });
  std::map<std::string, std::string> params;
  const Handler* h = router.match("GET", "/containers/abc/json", &params);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(params.at("id"), "abc");
  const std::string* op = nullptr;
  ASSERT_NE(router.match("GET", "/containers/json", &params, &op), nullptr);
  EXPECT_EQ(*op, "ContainerList");
  h = router.match("GET", "/images/localhost:5000/a/b:v1/json", &params);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(params.at("name"), "localhost:5000/a/b:v1");
  h = router.match("GET", "/images/busybox/json", &params);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(params.at("name"), "busybox");
  EXPECT_EQ(router.match("POST", "/containers/abc/json", &params), nullptr);
  EXPECT_EQ(router.match("GET", "/containers/abc/json/x", &params), nullptr);
  EXPECT_EQ(router.match("GET", "/images/json", &params), nullptr);
}

TEST(Router, DispatchAnswers404And400) {
  Router router("1.51", "1.24");
  Request req;
  req.method = "GET";
  req.path = "/nope";
  auto r = std::make_shared<RecordingResponder>();
  router.dispatch(req, r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->json(), Json({{"message", "page not found"}}));

  req.path = "/v1.2/_ping";
  r = std::make_shared<RecordingResponder>();
  router.dispatch(req, r);
  EXPECT_EQ(r->status, 400);
}

TEST(Router, CompareVersions) {
  EXPECT_EQ(compareVersions("1.9", "1.10"), -1);
  EXPECT_EQ(compareVersions("1.51", "1.51"), 0);
  EXPECT_EQ(compareVersions("1.51", "1.5"), 1);
  EXPECT_EQ(compareVersions("2", "1.99"), 1);
}

TEST(Request, QueryBoolFollowsMoby) {
  Request req;
  req.queryParams = {{"a", "1"},     {"b", "true"}, {"c", "0"},
                     {"d", "false"}, {"e", ""},     {"f", "True"}};
  EXPECT_TRUE(req.queryBool("a"));
  EXPECT_TRUE(req.queryBool("b"));
  EXPECT_FALSE(req.queryBool("c", true));
  EXPECT_FALSE(req.queryBool("d", true));
  EXPECT_FALSE(req.queryBool("e", true));
  EXPECT_TRUE(req.queryBool("f"));
  EXPECT_TRUE(req.queryBool("missing", true));
}

TEST(Errors, CategoryToStatus) {
  EXPECT_EQ(httpStatus(ErrorCategory::kNotFound), 404);
  EXPECT_EQ(httpStatus(ErrorCategory::kInvalidArgument), 400);
  EXPECT_EQ(httpStatus(ErrorCategory::kConflict), 409);
  EXPECT_EQ(httpStatus(ErrorCategory::kUnauthorized), 401);
  EXPECT_EQ(httpStatus(ErrorCategory::kForbidden), 403);
  EXPECT_EQ(httpStatus(ErrorCategory::kUnavailable), 503);
  EXPECT_EQ(httpStatus(ErrorCategory::kNotImplemented), 501);
  EXPECT_EQ(httpStatus(ErrorCategory::kInternal), 500);
  EXPECT_EQ(Json::parse(errorBody("No such image: busybox:latest")),
            Json({{"message", "No such image: busybox:latest"}}));
}

TEST(Errors, ReplyErrorUsesTheMessage) {
  RecordingResponder r;
  replyError(r, notFound("No such container: x"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.contentType, "application/json");
  EXPECT_EQ(r.json()["message"], "No such container: x");
}

}  // namespace
}  // namespace wharf::api
