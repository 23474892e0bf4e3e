#include "volume/mount_spec.h"

#include <gtest/gtest.h>

namespace wharf::volume {
namespace {

TEST(ParseBind, HostPathIsABindWithDefaults) {
  auto mp = parseBind("/srv/data:/data");
  ASSERT_TRUE(mp.ok()) << mp.error().message();
  EXPECT_EQ(mp->type, "bind");
  EXPECT_EQ(mp->source, "/srv/data");
  EXPECT_EQ(mp->destination, "/data");
  EXPECT_TRUE(mp->rw);
  EXPECT_EQ(mp->propagation, "rprivate");
  EXPECT_TRUE(mp->createSource);
  EXPECT_EQ(mp->mode, "");
}

TEST(ParseBind, ModesAreParsed) {
  auto mp = parseBind("/srv/data/:/data/:ro,rshared,z");
  ASSERT_TRUE(mp.ok()) << mp.error().message();
  EXPECT_FALSE(mp->rw);
  EXPECT_EQ(mp->propagation, "rshared");
  EXPECT_EQ(mp->source, "/srv/data");
  EXPECT_EQ(mp->destination, "/data");
  EXPECT_EQ(mp->mode, "ro,rshared,z");
}

TEST(ParseBind, NameIsAVolumeAndPathAloneIsAnonymous) {
  auto named = parseBind("cache:/var/cache:nocopy");
  ASSERT_TRUE(named.ok()) << named.error().message();
  EXPECT_EQ(named->type, "volume");
  EXPECT_EQ(named->name, "cache");
  EXPECT_FALSE(named->copyData);
  EXPECT_FALSE(named->anonymous);
  auto anon = parseBind("/scratch");
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->type, "volume");
  EXPECT_TRUE(anon->anonymous);
  EXPECT_TRUE(anon->copyData);
  auto chown = parseBind("v:/x:U");
  ASSERT_TRUE(chown.ok());
  EXPECT_TRUE(chown->chown);
}

TEST(ParseBind, DockerErrors) {
  EXPECT_EQ(parseBind("/data:rw").error().message(), "invalid volume specification: '/data:rw'");
  EXPECT_EQ(parseBind(":/x").error().message(), "invalid volume specification: ':/x'");
  EXPECT_EQ(parseBind("/a:/b:/c:ro").error().message(),
            "invalid volume specification: '/a:/b:/c:ro'");
  EXPECT_EQ(parseBind("/a:/b:bogus").error().message(), "invalid mode: bogus");
  EXPECT_EQ(parseBind("/a:/b:ro,rw").error().message(), "invalid mode: ro,rw");
  EXPECT_EQ(parseBind("/a:rel").error().message(),
            "invalid volume specification: '/a:rel': invalid mount config for type \"bind\": "
            "invalid mount path: 'rel' mount path must be absolute");
  EXPECT_EQ(parseBind("/a:/").error().message(),
            "invalid volume specification: '/a:/': invalid mount config for type \"bind\": "
            "invalid specification: destination can't be '/'");
}

TEST(ParseMount, BindSourceMustExist) {
  MountRequest m;
  m.type = "bind";
  m.source = "/nonexistent-wharf-test-dir";
  m.target = "/x";
  EXPECT_EQ(parseMount(m).error().message(),
            "invalid mount config for type \"bind\": bind source path does not exist: "
            "/nonexistent-wharf-test-dir");
  m.source = "/";
  auto ok = parseMount(m);
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->createSource);
}

TEST(ParseMount, FieldsThatDoNotBelong) {
  MountRequest m;
  m.type = "tmpfs";
  m.target = "/t";
  m.source = "x";
  EXPECT_EQ(parseMount(m).error().message(),
            "invalid mount config for type \"tmpfs\": field Source must not be specified");
  m.source.clear();
  m.hasTmpfsOptions = true;
  m.tmpfsSizeBytes = 64 << 20;
  m.tmpfsMode = 01770;
  auto t = parseMount(m);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tmpfsOptions, "mode=1770,size=64m");
  MountRequest v;
  v.type = "volume";
  v.target = "/v";
  v.readOnly = true;
  EXPECT_EQ(parseMount(v).error().message(),
            "invalid mount config for type \"volume\": must not set ReadOnly mode when using "
            "anonymous volumes");
  v.type = "nfs";
  EXPECT_EQ(parseMount(v).error().message(),
            "invalid mount config for type \"nfs\": mount type unknown");
  MountRequest b;
  b.type = "bind";
  b.source = "/";
  b.target = "/b";
  b.hasBindOptions = true;
  b.propagation = "sideways";
  EXPECT_EQ(parseMount(b).error().message(),
            "invalid mount config for type \"bind\": invalid propagation mode: sideways");
}

TEST(ParseTmpfs, OptionsAndDestination) {
  auto t = parseTmpfs("/run", "rw,noexec,size=65536k");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tmpfsOptions, "rw,noexec,size=65536k");
  EXPECT_EQ(parseTmpfs("run", "").error().message(),
            "invalid mount path: 'run' mount path must be absolute");
  EXPECT_EQ(parseTmpfs("/run", "bogus").error().message(), "invalid tmpfs option [\"bogus\"]");
}

TEST(ParseVolumesFrom, Modes) {
  auto a = parseVolumesFrom("data");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "data");
  EXPECT_EQ(a->second, "rw");
  auto b = parseVolumesFrom("data:ro");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->second, "ro");
  EXPECT_EQ(parseVolumesFrom("data:rshared").error().message(), "invalid mode: rshared");
  EXPECT_EQ(parseVolumesFrom("").error().message(),
            "volumes-from specification cannot be an empty string");
}

TEST(TmpfsOptionsString, DockerSuffixes) {
  EXPECT_EQ(tmpfsOptionsString(1 << 30, 0, false), "size=1g");
  EXPECT_EQ(tmpfsOptionsString(1000, 0, true), "ro,size=1000");
  EXPECT_EQ(tmpfsOptionsString(4096, 0700, false), "mode=700,size=4k");
}

}  // namespace
}  // namespace wharf::volume
