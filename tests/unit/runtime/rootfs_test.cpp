#include "runtime/internal/rootfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "fakes/fake_syscalls.h"
#include "oci/defaults.h"

namespace wharf::runtime {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

TEST(MountOptions, Translates) {
  auto mo = parseMountOptions({"nosuid", "noexec", "nodev", "ro", "mode=755", "size=65536k"});
  EXPECT_EQ(mo.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  EXPECT_EQ(mo.data, "mode=755,size=65536k");
  EXPECT_FALSE(mo.bind);

  mo = parseMountOptions({"rbind", "ro", "rw", "rslave"});
  EXPECT_TRUE(mo.bind);
  EXPECT_EQ(mo.flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_EQ(mo.propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));

  mo = parseMountOptions({"bind", "private", "relatime", "norelatime", "strictatime"});
  EXPECT_EQ(mo.flags, static_cast<unsigned long>(MS_BIND | MS_STRICTATIME));
  EXPECT_EQ(mo.propagation, static_cast<unsigned long>(MS_PRIVATE));
}

TEST(SecureJoin, SymlinksStayInsideTheRoot) {
  testing::FakeSyscalls sys;
  sys.addSymlink("/r/etc", "/../../../host-etc");
  sys.addSymlink("/r/a/b", "../../..");
  sys.addFile("/r/a", S_IFDIR | 0755);
  EXPECT_EQ(*secureJoin(sys, "/r", "/etc/passwd"), "/r/host-etc/passwd");
  EXPECT_EQ(*secureJoin(sys, "/r", "/a/b/x"), "/r/x");
  EXPECT_EQ(*secureJoin(sys, "/r", "/../../x/./y"), "/r/x/y");
  sys.addSymlink("/r/loop", "/loop");
  auto r = secureJoin(sys, "/r", "/loop/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sysErrno(), ELOOP);
}

RootfsConfig config(const oci::Spec& spec) {
  RootfsConfig c;
  c.rootfs = "/b/rootfs";
  c.bundle = "/b";
  c.spec = &spec;
  c.cgroups.v1 = {{"memory", "/sys/fs/cgroup/memory/wharf/x"}};
  return c;
}

TEST(Rootfs, PreparesDockerDefaultMounts) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.push_back({"/data", "bind", "vol", {"rbind", "ro"}, {}, {}});
  testing::FakeSyscalls sys;
  sys.addFile("/b/vol", S_IFDIR | 0755);
  ASSERT_TRUE(prepareRootfs(sys, config(spec)).ok());
  const auto& c = sys.calls();
  ASSERT_GE(c.size(), 2u);
  EXPECT_EQ(c[0], "mount - / - 0x84000 \"\"");                 // MS_SLAVE|MS_REC
  EXPECT_EQ(c[1], "mount /b/rootfs /b/rootfs - 0x5000 \"\"");  // MS_BIND|MS_REC
  EXPECT_THAT(c, Contains("mount proc /b/rootfs/proc proc 0xe \"\""));
  EXPECT_THAT(c, Contains("mount tmpfs /b/rootfs/dev tmpfs 0x1000002 \"mode=755,size=65536k\""));
  EXPECT_THAT(c, Contains("mount devpts /b/rootfs/dev/pts devpts 0xa "
                          "\"newinstance,ptmxmode=0666,mode=0620,gid=5\""));
  EXPECT_THAT(c, Contains("mount sysfs /b/rootfs/sys sysfs 0xf \"\""));
  // v1 cgroups: a tmpfs with one read-only bind per hierarchy.
  EXPECT_THAT(
      c,
      Contains("mount /sys/fs/cgroup/memory/wharf/x /b/rootfs/sys/fs/cgroup/memory - 0x1000 \"\""));
  // The bind volume: relative to the bundle, then remounted read-only.
  EXPECT_THAT(c, Contains("mount /b/vol /b/rootfs/data - 0x5000 \"\""));
  EXPECT_THAT(c, Contains("mount - /b/rootfs/data - 0x1021 \"\""));
  // Default devices and symlinks.
  EXPECT_THAT(c, Contains("mknod /b/rootfs/dev/null 20666 259"));
  EXPECT_THAT(c, Contains("symlink /b/rootfs/dev/ptmx -> pts/ptmx"));
  EXPECT_THAT(c, Contains("symlink /b/rootfs/dev/fd -> /proc/self/fd"));
}

TEST(Rootfs, UserNamespaceBindsDevices) {
  oci::Spec spec = oci::dockerDefaultSpec();
  testing::FakeSyscalls sys;
  auto cfg = config(spec);
  cfg.newUserNs = true;
  ASSERT_TRUE(prepareRootfs(sys, cfg).ok());
  EXPECT_THAT(sys.calls(), Contains("mount /dev/null /b/rootfs/dev/null - 0x1000 \"\""));
}

TEST(Rootfs, IdmappedBindMount) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.push_back({"/data", "bind", "/host", {"rbind"}, {{0, 1000, 1}}, {{0, 1000, 1}}});
  testing::FakeSyscalls sys;
  sys.addFile("/host", S_IFDIR | 0755);
  auto cfg = config(spec);
  cfg.idmapUserns = {{spec.mounts.size() - 1, 42}};
  ASSERT_TRUE(prepareRootfs(sys, cfg).ok());
  EXPECT_THAT(sys.calls(), Contains("mount_idmapped /host /b/rootfs/data 42 rec"));
  cfg.idmapUserns.clear();
  testing::FakeSyscalls sys2;
  sys2.addFile("/host", S_IFDIR | 0755);
  EXPECT_FALSE(prepareRootfs(sys2, cfg).ok());
}

TEST(Rootfs, ErrorsNameTheMount) {
  oci::Spec spec = oci::dockerDefaultSpec();
  testing::FakeSyscalls sys;
  sys.failOn("mount mqueue", EACCES);
  auto s = prepareRootfs(sys, config(spec));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("mounts[5] (/dev/mqueue)"));
  EXPECT_EQ(s.error().sysErrno(), EACCES);
}

TEST(Rootfs, PivotSequence) {
  testing::FakeSyscalls sys;
  ASSERT_TRUE(enterRootfs(sys, "/b/rootfs", false).ok());
  EXPECT_EQ(sys.calls(), (std::vector<std::string>{
                             "open /", "open /b/rootfs", "fchdir 1001", "pivot_root . .",
                             "fchdir 1000", "mount - . - 0x84000 \"\"", "umount2 . 2", "chdir /"}));
  testing::FakeSyscalls noPivot;
  ASSERT_TRUE(enterRootfs(noPivot, "/b/rootfs", true).ok());
  EXPECT_EQ(noPivot.calls(),
            (std::vector<std::string>{"chdir /b/rootfs", "mount /b/rootfs / - 0x2000 \"\"",
                                      "chroot .", "chdir /"}));
}

TEST(Rootfs, MasksAndReadonlyPaths) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.root->readonly = true;
  testing::FakeSyscalls sys;
  sys.addFile("/proc/kcore", S_IFREG | 0400);
  sys.addFile("/proc/acpi", S_IFDIR | 0555);
  sys.addFile("/proc/sys", S_IFDIR | 0555);
  ASSERT_TRUE(finishRootfs(sys, config(spec)).ok());
  EXPECT_EQ(sys.calls(), (std::vector<std::string>{"mount tmpfs /proc/acpi tmpfs 0x1 \"size=0k\"",
                                                   "mount /dev/null /proc/kcore - 0x1000 \"\"",
                                                   "mount /proc/sys /proc/sys - 0x5000 \"\"",
                                                   "mount - /proc/sys - 0x502f \"\"",
                                                   "mount - / - 0x1021 \"\""}));
}

TEST(Rootfs, MountPointOf) {
  const char* info =
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
      "40 27 0:40 / /tmp/a rw - tmpfs t rw\n"
      "41 27 0:41 / /tmp/ab rw - tmpfs t rw\n"
      "42 40 0:42 / /tmp/a rw - tmpfs t rw\n"
      "43 27 0:43 / /tmp/with\\040space rw - tmpfs t rw\n";
  EXPECT_EQ(mountPointOf(info, "/var/lib/x"), "/");
  EXPECT_EQ(mountPointOf(info, "/tmp/a/bundle/rootfs"), "/tmp/a");
  EXPECT_EQ(mountPointOf(info, "/tmp/ab"), "/tmp/ab");
  EXPECT_EQ(mountPointOf(info, "/tmp/abc"), "/");  // a prefix of the name is not a parent
  EXPECT_EQ(mountPointOf(info, "/tmp/with space/r"), "/tmp/with space");
  EXPECT_EQ(mountPointOf("", "/x"), "");
}

TEST(Rootfs, PropagationAsRunc) {
  // "/" gets rootfsPropagation first (so shared binds stay shared with the host), the rootfs's
  // own mount is made private before it is bound, and "/" gets the flag again at the end.
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.linux->rootfsPropagation = "rshared";
  testing::FakeSyscalls sys;
  RootfsConfig cfg = config(spec);
  cfg.rootfsMountPoint = "/b";
  ASSERT_TRUE(prepareRootfs(sys, cfg).ok());
  ASSERT_GE(sys.calls().size(), 3u);
  EXPECT_EQ(sys.calls()[0], "mount - / - 0x104000 \"\"");  // MS_SHARED|MS_REC
  EXPECT_EQ(sys.calls()[1], "mount - /b - 0x40000 \"\"");  // MS_PRIVATE
  EXPECT_EQ(sys.calls()[2], "mount /b/rootfs /b/rootfs - 0x5000 \"\"");
  testing::FakeSyscalls fin;
  spec.linux->maskedPaths.clear();
  spec.linux->readonlyPaths.clear();
  ASSERT_TRUE(finishRootfs(fin, cfg).ok());
  EXPECT_EQ(fin.calls(), (std::vector<std::string>{"mount - / - 0x104000 \"\""}));
  // private too is applied again: the rootfs's mount may have been slave of the host
  spec.linux->rootfsPropagation = "private";
  testing::FakeSyscalls fin2;
  ASSERT_TRUE(finishRootfs(fin2, cfg).ok());
  EXPECT_EQ(fin2.calls(), (std::vector<std::string>{"mount - / - 0x40000 \"\""}));
  spec.linux->rootfsPropagation = "sideways";
  testing::FakeSyscalls bad;
  auto s = prepareRootfs(bad, cfg);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "linux.rootfsPropagation: unknown value \"sideways\"");
  EXPECT_TRUE(bad.calls().empty());
}

}  // namespace
}  // namespace wharf::runtime
