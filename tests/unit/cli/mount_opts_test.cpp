#include <gtest/gtest.h>

#include "cli/run_options.h"

namespace wharf::cli {
namespace {

TEST(MountFlag, EveryDockerKey) {
  auto m = parseMountFlag(
      "type=volume,src=data,dst=/d,ro,volume-nocopy,volume-label=a=b,volume-opt=type=tmpfs,"
      "volume-driver=local");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ((*m)["Type"], "volume");
  EXPECT_EQ((*m)["Source"], "data");
  EXPECT_EQ((*m)["Target"], "/d");
  EXPECT_EQ((*m)["ReadOnly"], true);
  EXPECT_EQ((*m)["VolumeOptions"]["NoCopy"], true);
  EXPECT_EQ((*m)["VolumeOptions"]["Labels"]["a"], "b");
  EXPECT_EQ((*m)["VolumeOptions"]["DriverConfig"]["Options"]["type"], "tmpfs");
  EXPECT_EQ((*m)["VolumeOptions"]["DriverConfig"]["Name"], "local");

  auto b = parseMountFlag(
      "type=bind,source=/h,target=/c,bind-propagation=rshared,readonly=false,"
      "bind-nonrecursive");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)["BindOptions"]["Propagation"], "rshared");
  EXPECT_EQ((*b)["BindOptions"]["NonRecursive"], true);
  EXPECT_EQ((*b)["ReadOnly"], false);

  auto t = parseMountFlag("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["TmpfsOptions"]["SizeBytes"], 64 << 20);
  EXPECT_EQ((*t)["TmpfsOptions"]["Mode"], 01770);
  // Quoted CSV fields, as encoding/csv reads them.
  auto q = parseMountFlag("type=bind,\"src=/a,b\",dst=/c");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)["Source"], "/a,b");
}

TEST(MountFlag, DockerMessages) {
  auto msg = [](const std::string& v) { return parseMountFlag(v).error().message(); };
  EXPECT_EQ(msg("type=bind,foo=bar,dst=/x"),
            "invalid argument \"type=bind,foo=bar,dst=/x\" for \"--mount\" flag: unexpected key "
            "'foo' in 'foo=bar'");
  EXPECT_EQ(msg("type=bind,bogus"),
            "invalid argument \"type=bind,bogus\" for \"--mount\" flag: invalid field 'bogus' "
            "must be a key=value pair");
  EXPECT_EQ(msg("type=bind,src=/a"),
            "invalid argument \"type=bind,src=/a\" for \"--mount\" flag: target is required");
  EXPECT_EQ(msg("type=,dst=/a"),
            "invalid argument \"type=,dst=/a\" for \"--mount\" flag: type is required");
  EXPECT_EQ(msg("type=bind,dst=/a,volume-nocopy"),
            "invalid argument \"type=bind,dst=/a,volume-nocopy\" for \"--mount\" flag: cannot "
            "mix 'volume-*' options with mount type 'bind'");
  EXPECT_EQ(msg("type=volume,dst=/a,tmpfs-size=1m"),
            "invalid argument \"type=volume,dst=/a,tmpfs-size=1m\" for \"--mount\" flag: cannot "
            "mix 'tmpfs-*' options with mount type 'volume'");
  EXPECT_EQ(msg("dst=/a,ro=maybe"),
            "invalid argument \"dst=/a,ro=maybe\" for \"--mount\" flag: invalid value for ro: "
            "maybe");
  EXPECT_EQ(msg("type=tmpfs,dst=/a,tmpfs-size=lots"),
            "invalid argument \"type=tmpfs,dst=/a,tmpfs-size=lots\" for \"--mount\" flag: invalid "
            "value for tmpfs-size: lots");
}

TEST(RamInBytes, GoUnits) {
  EXPECT_EQ(ramInBytes("1024"), 1024);
  EXPECT_EQ(ramInBytes("1k"), 1024);
  EXPECT_EQ(ramInBytes("64m"), 64 << 20);
  EXPECT_EQ(ramInBytes("1.5g"), int64_t{3} << 29);
  EXPECT_EQ(ramInBytes("512KiB"), 512 << 10);
  EXPECT_EQ(ramInBytes("10 MB"), 10 << 20);
  EXPECT_FALSE(ramInBytes("m"));
  EXPECT_FALSE(ramInBytes("10x"));
}

TEST(VolumeFlags, BindsAnonymousTmpfsAndVolumesFrom) {
  RunOptions o;
  o.volumes = {"/anon", "name:/n:ro", "/h:/c"};
  o.tmpfs = {"/t:size=1m", "/u"};
  o.volumesFrom = {"other:ro"};
  o.mounts = {"type=tmpfs,dst=/m"};
  Json config = Json::object(), host = Json::object();
  ASSERT_TRUE(addVolumeFlags(o, config, host).ok());
  EXPECT_EQ(config["Volumes"], Json::parse(R"({"/anon":{}})"));
  EXPECT_EQ(host["Binds"], Json::parse(R"(["name:/n:ro","/h:/c"])"));
  EXPECT_EQ(host["Tmpfs"], Json::parse(R"({"/t":"size=1m","/u":""})"));
  EXPECT_EQ(host["VolumesFrom"], Json::parse(R"(["other:ro"])"));
  EXPECT_EQ(host["Mounts"][0]["Type"], "tmpfs");
}

}  // namespace
}  // namespace wharf::cli
