#include "common/json_read.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

std::string messageOf(const Status& s) { return s.ok() ? "ok" : s.error().message(); }

TEST(JsonReadTest, PathsAndTypeNames) {
  EXPECT_EQ(json::member("", "Image"), "Image");
  EXPECT_EQ(json::member("HostConfig", "Binds"), "HostConfig.Binds");
  EXPECT_EQ(json::element("HostConfig.Mounts", 2), "HostConfig.Mounts[2]");
  EXPECT_EQ(json::typeName(Json(5)), "integer");
  EXPECT_EQ(json::typeName(Json(5.5)), "number");
  EXPECT_EQ(json::typeName(Json("x")), "string");
  EXPECT_EQ(json::typeMismatch("", "an object", Json::array()),
            "(root): expected an object, got array");
}

TEST(JsonReadTest, AbsentAndNullLeaveTheZeroValue) {
  Json obj = Json::parse(R"({"A": null})");
  std::string s = "keep";
  bool b = true;
  std::optional<int> i;
  std::vector<std::string> v{"keep"};
  EXPECT_TRUE(json::read(obj, "A", "", s).ok());
  EXPECT_TRUE(json::read(obj, "B", "", b).ok());
  EXPECT_TRUE(json::read(obj, "A", "", i).ok());
  EXPECT_TRUE(json::read(obj, "C", "", v).ok());
  EXPECT_EQ(s, "keep");
  EXPECT_TRUE(b);
  EXPECT_FALSE(i);
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(json::field(Json(3), "A"), nullptr);  // not an object: no members
}

TEST(JsonReadTest, WrongTypesNameThePath) {
  Json obj = Json::parse(R"({"S": 1, "B": "yes", "I": "1", "L": ["a", 2], "M": {"k": 1}})");
  std::string s;
  bool b = false;
  std::optional<int> i;
  std::vector<std::string> l;
  std::map<std::string, std::string> m;
  EXPECT_EQ(messageOf(json::read(obj, "S", "Config", s)),
            "invalid JSON: Config.S: expected a string, got integer");
  EXPECT_EQ(messageOf(json::read(obj, "B", "Config", b)),
            "invalid JSON: Config.B: expected a boolean, got string");
  EXPECT_EQ(messageOf(json::read(obj, "I", "HostConfig", i)),
            "invalid JSON: HostConfig.I: expected an integer, got string");
  EXPECT_EQ(messageOf(json::read(obj, "L", "", l)),
            "invalid JSON: L[1]: expected a string, got integer");
  EXPECT_EQ(messageOf(json::read(obj, "M", "X", m)),
            "invalid JSON: X.M.k: expected a string, got integer");
  auto o = json::object(obj, "S", "");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message(), "invalid JSON: S: expected an object, got integer");
}

TEST(JsonReadTest, IntegersMustFit) {
  Json obj = Json::parse(R"({"Big": 4294967297, "Neg": -1, "Huge": 18446744073709551615})");
  std::optional<int> i;
  EXPECT_EQ(messageOf(json::read(obj, "Big", "Config", i)),
            "invalid JSON: Config.Big: 4294967297 does not fit in a 32-bit integer");
  EXPECT_FALSE(i);
  int64_t big = 0;
  EXPECT_TRUE(json::read(obj, "Big", "", big).ok());
  EXPECT_EQ(big, 4294967297);
  EXPECT_FALSE(json::read(obj, "Huge", "", big).ok());
  uint64_t u = 0;
  EXPECT_EQ(messageOf(json::read(obj, "Neg", "", u)),
            "invalid JSON: Neg: expected an unsigned integer, got integer");
  uint32_t u32 = 0;
  EXPECT_FALSE(json::read(obj, "Big", "", u32).ok());
  EXPECT_TRUE(json::read(obj, "Neg", "", i).ok());
  EXPECT_EQ(*i, -1);
}

TEST(JsonReadTest, StrSliceTakesAStringOrAnArray) {
  Json obj = Json::parse(R"({"One": "sh", "Two": ["sh", "-c"], "Bad": 3})");
  std::optional<std::vector<std::string>> v;
  EXPECT_TRUE(json::readStrSlice(obj, "One", "", v).ok());
  EXPECT_EQ(*v, std::vector<std::string>{"sh"});
  EXPECT_TRUE(json::readStrSlice(obj, "Two", "", v).ok());
  EXPECT_EQ(v->size(), 2u);
  EXPECT_FALSE(json::readStrSlice(obj, "Bad", "", v).ok());
}

}  // namespace
}  // namespace wharf
