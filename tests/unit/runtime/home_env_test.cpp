#include "runtime/internal/home_env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace wharf::runtime {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "broken line without colons\n"
    "nohome:x:1000:1000:no home::/bin/sh\n"
    "bad:x:12a:0:bad uid:/bad:/bin/sh\n"
    "www:x:33:33:www-data:/var/www";  // no trailing newline

TEST(HomeEnv, HomeOfTheUidInPasswd) {
  EXPECT_EQ(homeFromPasswd(kPasswd, 0), "/root");
  EXPECT_EQ(homeFromPasswd(kPasswd, 1), "/usr/sbin");
  EXPECT_EQ(homeFromPasswd(kPasswd, 33), "/var/www");
}

TEST(HomeEnv, SlashWhenUnknownEmptyOrMalformed) {
  EXPECT_EQ(homeFromPasswd(kPasswd, 4242), "/");
  EXPECT_EQ(homeFromPasswd(kPasswd, 1000), "/");  // empty home field
  EXPECT_EQ(homeFromPasswd(kPasswd, 12), "/");    // "12a" is not uid 12
  EXPECT_EQ(homeFromPasswd("", 0), "/");
}

class HomeEnvFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-homeenv-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    passwd_ = (dir_ / "passwd").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string passwd_;
};

TEST_F(HomeEnvFile, AddedFromPasswdWhenEnvHasNone) {
  std::ofstream(passwd_) << kPasswd;
  auto env = withHomeEnv({"PATH=/bin", "HOMER=simpson"}, 0, passwd_.c_str());
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOMER=simpson", "HOME=/root"}));
}

TEST_F(HomeEnvFile, KeptWhenEnvHasOne) {
  std::ofstream(passwd_) << kPasswd;
  auto env = withHomeEnv({"HOME=/mine", "PATH=/bin"}, 0, passwd_.c_str());
  EXPECT_EQ(env, (std::vector<std::string>{"HOME=/mine", "PATH=/bin"}));
  // An empty HOME is a HOME the config asked for.
  EXPECT_EQ(withHomeEnv({"HOME="}, 0, passwd_.c_str()), (std::vector<std::string>{"HOME="}));
}

TEST_F(HomeEnvFile, SlashWithoutAUsablePasswd) {
  EXPECT_EQ(withHomeEnv({}, 0, passwd_.c_str()), (std::vector<std::string>{"HOME=/"}));
  // A FIFO must neither hang nor be read.
  ASSERT_EQ(::mkfifo(passwd_.c_str(), 0644), 0);
  EXPECT_EQ(withHomeEnv({}, 0, passwd_.c_str()), (std::vector<std::string>{"HOME=/"}));
}

}  // namespace
}  // namespace wharf::runtime
