#include "runtime/internal/hooks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/fs.h"
#include "common/json.h"

namespace wharf::runtime {
namespace {

// Hooks are real programs: /bin/sh writes what it was given where the test can read it.
class Hooks : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-hookstest-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  oci::Hook writeStdinTo(const std::string& name) const {
    return {"/bin/sh", {"sh", "-c", "cat > " + (dir_ / name).string()}, {}, 10};
  }
  oci::Hook appendTo(const std::string& name, const std::string& word) const {
    return {"/bin/sh", {"sh", "-c", "echo " + word + " >> " + (dir_ / name).string()}, {}, {}};
  }
  Json stdinOf(const std::string& name) const {
    auto text = fs::readFile(dir_ / name);
    EXPECT_TRUE(text.ok()) << name;
    return Json::parse(text.ok() ? *text : "{}");
  }
  std::filesystem::path dir_;
};

TEST_F(Hooks, PoststartAndPoststopFailuresDoNotStopTheRest) {
  std::vector<oci::Hook> hooks = {appendTo("out", "one"),
                                  {"/bin/false", {}, {}, {}},
                                  {"/nonexistent/hook", {}, {}, {}},
                                  appendTo("out", "two")};
  runHooksWarnOnly(hooks, "{}", "poststop", "c1");
  auto out = fs::readFile(dir_ / "out");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "one\ntwo\n");
}

TEST_F(Hooks, CreateHooksStopAtTheFirstFailure) {
  std::vector<oci::Hook> hooks = {
      appendTo("out", "one"), {"/bin/false", {}, {}, {}}, appendTo("out", "two")};
  auto st = runHooks(hooks, "{}", "createRuntime");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("hooks.createRuntime[1]"), std::string::npos)
      << st.error().message();
  EXPECT_EQ(*fs::readFile(dir_ / "out"), "one\n");
}

TEST_F(Hooks, PrestartSeesCreatedCreateRuntimeSeesCreating) {
  oci::Hooks hooks;
  hooks.prestart = {writeStdinTo("prestart")};
  hooks.createRuntime = {writeStdinTo("createRuntime")};
  State base;
  base.id = "c1";
  base.pid = 4242;
  base.bundle = "/b";
  base.annotations = {{"k", "v"}};
  auto forContainer = runCreateRuntimeHooks(hooks, base);
  ASSERT_TRUE(forContainer.ok()) << forContainer.error().message();
  for (const char* name : {"prestart", "createRuntime"}) {
    Json j = stdinOf(name);
    EXPECT_EQ(j["id"], "c1") << name;
    EXPECT_EQ(j["pid"], 4242) << name;
    EXPECT_EQ(j["bundle"], "/b") << name;
    EXPECT_EQ(j["annotations"]["k"], "v") << name;
    EXPECT_FALSE(j["ociVersion"].get<std::string>().empty()) << name;
  }
  EXPECT_EQ(stdinOf("prestart")["status"], "created");
  EXPECT_EQ(stdinOf("createRuntime")["status"], "creating");
  EXPECT_EQ(Json::parse(*forContainer)["status"], "creating");
}

TEST_F(Hooks, FailingPrestartStopsBeforeCreateRuntime) {
  oci::Hooks hooks;
  hooks.prestart = {{"/bin/false", {}, {}, {}}};
  hooks.createRuntime = {writeStdinTo("createRuntime")};
  auto r = runCreateRuntimeHooks(hooks, State{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("hooks.prestart[0]"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "createRuntime"));
}

}  // namespace
}  // namespace wharf::runtime
