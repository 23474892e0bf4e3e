// `wharf run --security-opt`: seccomp profile files are sent as their JSON, as the docker CLI does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli/run_options.h"
#include "common/random.h"

namespace wharf::cli {
namespace {

namespace stdfs = std::filesystem;

TEST(SecurityOptTest, SeccompFileIsSentAsCompactJson) {
  stdfs::path file = stdfs::temp_directory_path() / ("wharf-profile-" + randomHex(6) + ".json");
  std::ofstream(file) << "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n"
                         "    {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}\n  ]\n}\n";
  auto r = parseSecurityOpts({"no-new-privileges", "seccomp=" + file.string(), "label=disable"});
  stdfs::remove(file);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, (std::vector<std::string>{
                    "no-new-privileges",
                    R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],)"
                    R"("action":"SCMP_ACT_ERRNO"}]})",
                    "label=disable"}));
}

TEST(SecurityOptTest, NamedProfilesStay) {
  auto r = parseSecurityOpts({"seccomp=unconfined", "seccomp:builtin", "no-new-privileges:true"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, (std::vector<std::string>{"seccomp=unconfined", "seccomp:builtin",
                                          "no-new-privileges:true"}));
}

TEST(SecurityOptTest, DockerErrors) {
  auto r = parseSecurityOpts({"seccomp=/nonexistent/profile.json"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "opening seccomp profile (/nonexistent/profile.json) failed: open "
            "/nonexistent/profile.json: no such file or directory");
  stdfs::path file = stdfs::temp_directory_path() / ("wharf-profile-" + randomHex(6) + ".json");
  std::ofstream(file) << "{not json";
  r = parseSecurityOpts({"seccomp=" + file.string()});
  stdfs::remove(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind(
                "compacting json for seccomp profile (" + file.string() + ") failed: ", 0),
            0u);
  r = parseSecurityOpts({"seccomp="});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Invalid --security-opt: \"seccomp=\"");
  r = parseSecurityOpts({"apparmor"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Invalid --security-opt: \"apparmor\"");
}

}  // namespace
}  // namespace wharf::cli
