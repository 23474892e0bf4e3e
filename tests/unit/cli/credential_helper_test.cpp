// docker's credential-helper protocol (cli/internal/credential_helper.h) and which helper a
// config names for a registry (cli/internal/auth_config.h). Running a helper is covered by
// test_image_credential_helpers.py.

#include "cli/internal/credential_helper.h"

#include <gtest/gtest.h>

#include "cli/internal/auth_config.h"

namespace wharf::cli {
namespace {

TEST(CredentialHelper, Names) {
  EXPECT_TRUE(validHelperName("pass"));
  EXPECT_TRUE(validHelperName("ecr-login"));
  EXPECT_TRUE(validHelperName("osxkeychain"));
  EXPECT_TRUE(validHelperName("my_helper.v2"));
  EXPECT_FALSE(validHelperName(""));
  EXPECT_FALSE(validHelperName("../evil"));
  EXPECT_FALSE(validHelperName("a/b"));
  EXPECT_FALSE(validHelperName(".."));
  EXPECT_FALSE(validHelperName("a b"));
}

TEST(CredentialHelper, ParsesGet) {
  auto c = parseHelperGet("pass", 0,
                          R"({"ServerURL":"127.0.0.1:5000","Username":"alice","Secret":"s3cret"})");
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->serverUrl, "127.0.0.1:5000");
  EXPECT_EQ((*c)->username, "alice");
  EXPECT_EQ((*c)->secret, "s3cret");
  EXPECT_FALSE((*c)->identityToken());

  auto tok = parseHelperGet("pass", 0, R"({"ServerURL":"x","Username":"<token>","Secret":"t"})");
  ASSERT_TRUE(tok.ok());
  ASSERT_TRUE(tok->has_value());
  EXPECT_TRUE((*tok)->identityToken());
}

TEST(CredentialHelper, NotFoundIsNoCredentials) {
  auto c = parseHelperGet("pass", 1, "credentials not found in native keychain\n");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->has_value());
}

TEST(CredentialHelper, FailuresNameTheHelper) {
  auto c = parseHelperGet("pass", 2, "gpg: decryption failed\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("docker-credential-pass"), std::string::npos);
  EXPECT_NE(c.error().message().find("gpg: decryption failed"), std::string::npos);
  EXPECT_FALSE(parseHelperGet("pass", 0, "not json").ok());
}

TEST(CredentialHelper, StoreInput) {
  auto j = parseJson(helperStoreInput("127.0.0.1:5000", "alice", "p\"w"), "store");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["ServerURL"], "127.0.0.1:5000");
  EXPECT_EQ((*j)["Username"], "alice");
  EXPECT_EQ((*j)["Secret"], "p\"w");
}

TEST(CredentialHelper, WhichHelperForARegistry) {
  Json cfg = {{"credsStore", "desktop"},
              {"credHelpers", {{"127.0.0.1:5000", "pass"}, {"docker.io", "hub"}}}};
  EXPECT_EQ(credentialHelperFor(cfg, "127.0.0.1:5000"), "pass");
  EXPECT_EQ(credentialHelperFor(cfg, credentialKey("index.docker.io")), "hub");
  EXPECT_EQ(credentialHelperFor(cfg, "other:5000"), "desktop");
  EXPECT_EQ(credentialHelperFor(Json{{"auths", Json::object()}}, "other:5000"), "");
  EXPECT_EQ(credentialHelperFor(Json::array(), "x"), "");
}

}  // namespace
}  // namespace wharf::cli
