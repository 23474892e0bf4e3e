#include "runtime/internal/rootfs.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

// A real bundle in a temp dir (paths inside a rootfs are resolved by fd, for real); the mounts
// themselves go to the recording fake, which names each target by the real path of its fd.
class RootfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-rootfs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    bundle_ = tmpl;
    root_ = bundle_ + "/rootfs";
    std::filesystem::create_directories(root_);
    proc_ = ::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(proc_, 0);
    sys_.setFsType(root_ + "/proc", PROC_SUPER_MAGIC);
  }
  void TearDown() override {
    ::close(proc_);
    std::filesystem::remove_all(bundle_);
  }
  RootfsConfig config(const oci::Spec& spec) {
    RootfsConfig c;
    c.rootfs = root_;
    c.bundle = bundle_;
    c.spec = &spec;
    c.procFd = proc_;
    c.cgroups.v1 = {{"memory", "/sys/fs/cgroup/memory/wharf/x"}};
    return c;
  }
  void mkdir(const std::string& p) { std::filesystem::create_directories(root_ + p); }
  void file(const std::string& p) { std::ofstream(root_ + p) << ""; }
  void symlink(const std::string& target, const std::string& p) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + p).c_str()), 0);
  }
  std::string R(const std::string& p = "") { return root_ + p; }

  testing::FakeSyscalls sys_;
  std::string bundle_, root_;
  int proc_ = -1;
};

TEST_F(RootfsTest, PreparesDockerDefaultMounts) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.push_back({"/data", "bind", "vol", {"rbind", "ro"}, {}, {}});
  sys_.addFile(bundle_ + "/vol", S_IFDIR | 0755);
  ASSERT_TRUE(prepareRootfs(sys_, config(spec)).ok());
  const auto& c = sys_.calls();
  ASSERT_GE(c.size(), 2u);
  EXPECT_EQ(c[0], "mount - / - 0x84000 \"\"");                     // MS_SLAVE|MS_REC
  EXPECT_EQ(c[1], "mount " + R() + " " + R() + " - 0x5000 \"\"");  // MS_BIND|MS_REC
  EXPECT_EQ(c[2], "fchdir " + std::to_string(proc_));  // fds are named through our procfs
  EXPECT_THAT(c, Contains("mount proc " + R("/proc") + " proc 0xe \"\""));
  EXPECT_THAT(c,
              Contains("mount tmpfs " + R("/dev") + " tmpfs 0x1000002 \"mode=755,size=65536k\""));
  EXPECT_THAT(c, Contains("mount devpts " + R("/dev/pts") +
                          " devpts 0xa "
                          "\"newinstance,ptmxmode=0666,mode=0620,gid=5\""));
  EXPECT_THAT(c, Contains("mount sysfs " + R("/sys") + " sysfs 0xf \"\""));
  // v1 cgroups: a tmpfs with one read-only bind per hierarchy.
  EXPECT_THAT(c, Contains("mount /sys/fs/cgroup/memory/wharf/x " + R("/sys/fs/cgroup/memory") +
                          " - 0x1000 \"\""));
  // The bind volume: relative to the bundle, then remounted read-only.
  EXPECT_THAT(c, Contains("mount " + bundle_ + "/vol " + R("/data") + " - 0x5000 \"\""));
  EXPECT_THAT(c, Contains("mount - " + R("/data") + " - 0x1021 \"\""));
  // Default devices and symlinks, made in the directory reached by fd.
  EXPECT_THAT(c, Contains("mknod " + R("/dev/null") + " 20666 259"));
  EXPECT_THAT(c, Contains("symlink " + R("/dev/ptmx") + " -> pts/ptmx"));
  EXPECT_THAT(c, Contains("symlink " + R("/dev/fd") + " -> /proc/self/fd"));
  EXPECT_EQ(c.back().rfind("fchdir ", 0), 0u) << "the working directory is given back";
}

TEST_F(RootfsTest, ReadonlyPathsThenMaskedPathsWithTheHostsDevNull) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
  spec.linux->maskedPaths = {"/proc/kcore", "/proc/acpi", "/proc/timer_stats"};
  spec.linux->readonlyPaths = {"/proc/sys"};
  mkdir("/proc/acpi");
  mkdir("/proc/sys");
  file("/proc/kcore");
  ASSERT_TRUE(prepareRootfs(sys_, config(spec)).ok());
  std::vector<std::string> tail(sys_.calls().end() - 5, sys_.calls().end() - 1);
  EXPECT_EQ(tail, (std::vector<std::string>{
                      "mount " + R("/proc/sys") + " " + R("/proc/sys") + " - 0x5000 \"\"",
                      "mount - " + R("/proc/sys") + " - 0x502f \"\"",
                      "mount /dev/null " + R("/proc/kcore") + " - 0x1000 \"\"",
                      "mount tmpfs " + R("/proc/acpi") + " tmpfs 0x1 \"size=0k\""}));
}

TEST_F(RootfsTest, ImageDevNullIsNeverUsedToMask) {
  // CVE-2025-31133: /dev from a volume with null -> /proc/sys/kernel/hostname.
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
  spec.linux->readonlyPaths.clear();
  spec.linux->maskedPaths = {"/proc/keys"};
  mkdir("/dev");
  mkdir("/proc/sys/kernel");
  file("/proc/sys/kernel/hostname");
  file("/proc/keys");
  symlink("/proc/sys/kernel/hostname", "/dev/null");
  ASSERT_TRUE(prepareRootfs(sys_, config(spec)).ok());
  EXPECT_THAT(sys_.calls(), Contains("mount /dev/null " + R("/proc/keys") + " - 0x1000 \"\""));
}

TEST_F(RootfsTest, MaskedPathRedirectedOutOfProcIsRefused) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
  spec.linux->readonlyPaths.clear();
  spec.linux->maskedPaths = {"/proc/keys"};
  mkdir("/proc");
  mkdir("/vol");
  file("/vol/keys");
  symlink("/vol/keys", "/proc/keys");
  auto s = prepareRootfs(sys_, config(spec));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("not on procfs"));
}

TEST_F(RootfsTest, ProcMustBeARealDirectory) {
  // CVE-2023-28642: an image with /proc -> /vol.
  oci::Spec spec = oci::dockerDefaultSpec();
  mkdir("/vol");
  symlink("/vol", "/proc");
  auto s = prepareRootfs(sys_, config(spec));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("must be mounted on an ordinary directory"));
  for (const auto& call : sys_.calls()) EXPECT_EQ(call.find(R("/vol")), std::string::npos) << call;
}

TEST_F(RootfsTest, MountsInsideProcAreRefused) {
  // CVE-2019-19921: an image symlink /etc/x -> /proc/self/attr/exec and a bind on /etc/x.
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.mounts.push_back({"/proc", "proc", "proc", {}, {}, {}});
  spec.mounts.push_back({"/etc/x", "bind", "/host-file", {"bind"}, {}, {}});
  spec.linux->maskedPaths.clear();
  spec.linux->readonlyPaths.clear();
  sys_.addFile("/host-file", S_IFREG | 0644);
  mkdir("/proc/1/attr");
  file("/proc/1/attr/exec");
  symlink("1", "/proc/self");
  mkdir("/etc");
  symlink("/proc/self/attr/exec", "/etc/x");
  auto s = prepareRootfs(sys_, config(spec));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("mounts[1] (/etc/x)"));
  EXPECT_THAT(s.error().message(), HasSubstr("inside /proc"));
  for (const auto& call : sys_.calls()) EXPECT_EQ(call.find("/host-file"), std::string::npos);
  // The files runc allows there (lxcfs) are fine.
  spec.mounts[1].destination = "/proc/cpuinfo";
  file("/proc/cpuinfo");
  testing::FakeSyscalls ok;
  ok.setFsType(R("/proc"), PROC_SUPER_MAGIC);
  ok.addFile("/host-file", S_IFREG | 0644);
  EXPECT_TRUE(prepareRootfs(ok, config(spec)).ok());
}

TEST_F(RootfsTest, DestinationsStayInsideTheRoot) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.linux->maskedPaths.clear();
  spec.linux->readonlyPaths.clear();
  spec.mounts.push_back({"/a/b/data", "bind", "/host-dir", {"rbind"}, {}, {}});
  sys_.addFile("/host-dir", S_IFDIR | 0755);
  mkdir("/a");
  symlink("../../../../../outside", "/a/b");
  ASSERT_TRUE(prepareRootfs(sys_, config(spec)).ok());
  EXPECT_THAT(sys_.calls(), Contains("mount /host-dir " + R("/outside/data") + " - 0x5000 \"\""));
  EXPECT_TRUE(std::filesystem::is_directory(R("/outside/data")));
}

TEST_F(RootfsTest, UserNamespaceBindsDevices) {
  oci::Spec spec = oci::dockerDefaultSpec();
  auto cfg = config(spec);
  cfg.newUserNs = true;
  ASSERT_TRUE(prepareRootfs(sys_, cfg).ok());
  EXPECT_THAT(sys_.calls(), Contains("mount /dev/null " + R("/dev/null") + " - 0x1000 \"\""));
}

TEST_F(RootfsTest, IdmappedBindMount) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.push_back({"/data", "bind", "/host", {"rbind"}, {{0, 1000, 1}}, {{0, 1000, 1}}});
  sys_.addFile("/host", S_IFDIR | 0755);
  auto cfg = config(spec);
  cfg.idmapUserns = {{spec.mounts.size() - 1, 42}};
  ASSERT_TRUE(prepareRootfs(sys_, cfg).ok());
  EXPECT_THAT(sys_.calls(), Contains("mount_idmapped /host " + R("/data") + " 42 rec"));
  cfg.idmapUserns.clear();
  testing::FakeSyscalls sys2;
  sys2.addFile("/host", S_IFDIR | 0755);
  EXPECT_FALSE(prepareRootfs(sys2, cfg).ok());
}

TEST_F(RootfsTest, RecursiveReadonlyAndSysfsFallback) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.linux->maskedPaths.clear();
  spec.linux->readonlyPaths.clear();
  spec.mounts.push_back({"/data", "bind", "/host", {"rbind", "rro"}, {}, {}});
  spec.mounts.push_back({"/sys", "sysfs", "sysfs", {"ro", "nosuid"}, {}, {}});
  sys_.addFile("/host", S_IFDIR | 0755);
  sys_.failOn("mount sysfs", EPERM);
  ASSERT_TRUE(prepareRootfs(sys_, config(spec)).ok());
  EXPECT_THAT(sys_.calls(), Contains("mount_setattr " + R("/data") + " rec set 0x1 clr 0"));
  // The host's /sys, read-only on every submount too.
  EXPECT_THAT(sys_.calls(), Contains("mount /sys " + R("/sys") + " - 0x5000 \"\""));
  EXPECT_THAT(sys_.calls(), Contains("mount_setattr " + R("/sys") + " rec set 0x3 clr 0"));
}

TEST_F(RootfsTest, ErrorsNameTheMount) {
  oci::Spec spec = oci::dockerDefaultSpec();
  sys_.failOn("mount mqueue", EACCES);
  auto s = prepareRootfs(sys_, config(spec));
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

TEST_F(RootfsTest, ReadonlyRoot) {
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.root->readonly = true;
  ASSERT_TRUE(finishRootfs(sys_, config(spec)).ok());
  EXPECT_EQ(sys_.calls(), (std::vector<std::string>{"mount - / - 0x1021 \"\""}));
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

TEST_F(RootfsTest, PropagationAsRunc) {
  // "/" gets rootfsPropagation first (so shared binds stay shared with the host), the rootfs's
  // own mount is made private before it is bound, and "/" gets the flag again at the end.
  oci::Spec spec = oci::dockerDefaultSpec();
  spec.mounts.clear();
  spec.linux->rootfsPropagation = "rshared";
  RootfsConfig cfg = config(spec);
  cfg.rootfsMountPoint = "/b";
  ASSERT_TRUE(prepareRootfs(sys_, cfg).ok());
  ASSERT_GE(sys_.calls().size(), 3u);
  EXPECT_EQ(sys_.calls()[0], "mount - / - 0x104000 \"\"");  // MS_SHARED|MS_REC
  EXPECT_EQ(sys_.calls()[1], "mount - /b - 0x40000 \"\"");  // MS_PRIVATE
  EXPECT_EQ(sys_.calls()[2], "mount " + R() + " " + R() + " - 0x5000 \"\"");
  testing::FakeSyscalls fin;
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
