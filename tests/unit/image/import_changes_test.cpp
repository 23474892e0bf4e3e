#include "image/internal/import_changes.h"

#include <gtest/gtest.h>

namespace wharf::image::internal {
namespace {

oci::ImageConfig apply(std::initializer_list<std::string_view> changes) {
  oci::ImageConfig c;
  for (auto ch : changes) {
    Status st = applyChange(c, ch);
    EXPECT_TRUE(st.ok()) << ch << ": " << st.error().message();
  }
  return c;
}

TEST(ImportChanges, ExecAndShellForms) {
  EXPECT_EQ(apply({"CMD [\"a\", \"b c\"]"}).cmd, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(apply({"CMD echo $HOME"}).cmd,
            (std::vector<std::string>{"/bin/sh", "-c", "echo $HOME"}));
  EXPECT_EQ(apply({"entrypoint [\"/init\"]"}).entrypoint, std::vector<std::string>{"/init"});
  // Not a JSON array of strings: the shell form, as docker does.
  EXPECT_EQ(apply({"CMD [1, 2]"}).cmd, (std::vector<std::string>{"/bin/sh", "-c", "[1, 2]"}));
}

TEST(ImportChanges, EnvAndLabels) {
  auto c = apply(
      {"ENV A=1 B=\"two words\"", "ENV C three words", "ENV A=override", "LABEL x=y \"a b\"=c"});
  EXPECT_EQ(c.env, (std::vector<std::string>{"A=override", "B=two words", "C=three words"}));
  EXPECT_EQ(c.labels.at("x"), "y");
  EXPECT_EQ(c.labels.at("a b"), "c");
}

TEST(ImportChanges, PortsVolumesWorkdirUserStopSignal) {
  auto c =
      apply({"EXPOSE 80 53/udp 80/tcp", "VOLUME [\"/data\", \"/logs\"]", "VOLUME /data /x",
             "WORKDIR /a", "WORKDIR b", "USER 1000:1000", "STOPSIGNAL SIGINT", "ONBUILD RUN true"});
  EXPECT_EQ(c.exposedPorts, (std::vector<std::string>{"80/tcp", "53/udp"}));
  EXPECT_EQ(c.volumes, (std::vector<std::string>{"/data", "/logs", "/x"}));
  EXPECT_EQ(c.workingDir, "/a/b");
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.stopSignal, "SIGINT");
}

TEST(ImportChanges, RefusesWhatDockerRefuses) {
  oci::ImageConfig c;
  for (std::string_view bad : {"RUN true", "FROM x", "COPY a b", "", "ENV", "ENV =x", "ENV A",
                               "EXPOSE", "USER", "LABEL \"unterminated=x"}) {
    EXPECT_FALSE(applyChange(c, bad).ok()) << bad;
  }
  EXPECT_EQ(applyChange(c, "RUN true").error().message(), "RUN is not a valid change command");
  EXPECT_FALSE(applyChange(c, std::string(70000, 'x')).ok());
}

}  // namespace
}  // namespace wharf::image::internal
