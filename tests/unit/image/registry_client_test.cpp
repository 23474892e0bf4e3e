// The registry client's pure parts: WWW-Authenticate parsing, docker's insecure-registry rule,
// X-Registry-Auth decoding, platforms. (The network side is covered by the integration tests
// against Debian's docker-registry and a token server.)

#include "image/registry_client.h"

#include <gtest/gtest.h>

#include "image/internal/http_fetch.h"

namespace wharf::image {
namespace {

TEST(AuthChallenge, ParsesBearerWithQuotedParams) {
  auto c = parseAuthChallenge(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->param("realm"), "https://auth.example/token");
  EXPECT_EQ(c->param("service"), "registry.example");
  EXPECT_EQ(c->param("scope"), "repository:a/b:pull,push");
  EXPECT_EQ(c->param("missing"), "");
}

TEST(AuthChallenge, BasicEscapesAndSpacing) {
  auto c = parseAuthChallenge(R"(Basic   realm="a \"quoted\" realm" , charset=UTF-8)");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->scheme, "basic");
  EXPECT_EQ(c->param("realm"), "a \"quoted\" realm");
  EXPECT_EQ(c->param("charset"), "UTF-8");
}

TEST(AuthChallenge, RefusesMalformed) {
  EXPECT_FALSE(parseAuthChallenge("").ok());
  EXPECT_FALSE(parseAuthChallenge(R"(Bearer realm="unterminated)").ok());
  EXPECT_FALSE(parseAuthChallenge("Bearer realm").ok());
  EXPECT_FALSE(parseAuthChallenge("Bearer " + std::string(20000, 'a')).ok());
}

TEST(InsecureRegistry, DockersRule) {
  EXPECT_TRUE(isInsecureRegistry("127.0.0.1:5000", {}));
  EXPECT_TRUE(isInsecureRegistry("127.3.4.5", {}));
  EXPECT_TRUE(isInsecureRegistry("localhost:5000", {}));
  EXPECT_TRUE(isInsecureRegistry("[::1]:5000", {}));
  EXPECT_FALSE(isInsecureRegistry("docker.io", {}));
  EXPECT_FALSE(isInsecureRegistry("128.0.0.1:5000", {}));
  EXPECT_FALSE(isInsecureRegistry("10.1.2.3:5000", {}));
  EXPECT_TRUE(isInsecureRegistry("10.1.2.3:5000", {"10.0.0.0/8"}));
  EXPECT_TRUE(isInsecureRegistry("myreg:5000", {"myreg:5000"}));
  EXPECT_TRUE(isInsecureRegistry("myreg:5000", {"myreg"}));
  EXPECT_FALSE(isInsecureRegistry("myreg:5001", {"myreg:5000"}));
  EXPECT_FALSE(isInsecureRegistry("10.1.2.3", {"10.0.0.0/99"}));
}

TEST(RegistryAuth, DecodesDockersHeader) {
  using internal::base64Encode;
  auto anon = decodeRegistryAuth(base64Encode("{}"));
  ASSERT_TRUE(anon.ok());
  EXPECT_TRUE(anon->empty());
  EXPECT_TRUE(decodeRegistryAuth("").value().empty());
  auto c =
      decodeRegistryAuth(base64Encode(R"({"username":"u","password":"p?>","serveraddress":"r"})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "u");
  EXPECT_EQ(c->password, "p?>");
  // "auth" is base64("user:pass"); base64url without padding is what the CLI sends.
  std::string url = base64Encode(R"({"auth":")" + base64Encode("joe:s3:cret") + R"("})");
  for (auto& ch : url) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  while (!url.empty() && url.back() == '=') url.pop_back();
  auto a = decodeRegistryAuth(url);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->username, "joe");
  EXPECT_EQ(a->password, "s3:cret");
  EXPECT_FALSE(decodeRegistryAuth("!!!").ok());
  EXPECT_FALSE(decodeRegistryAuth(base64Encode("[1]")).ok());
  EXPECT_FALSE(decodeRegistryAuth(std::string(70000, 'A')).ok());
}

TEST(Base64, RoundTrips) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(internal::base64Decode(internal::base64Encode(s)).value(), s);
  EXPECT_EQ(internal::base64Encode("hello"), "aGVsbG8=");
}

}  // namespace
}  // namespace wharf::image
