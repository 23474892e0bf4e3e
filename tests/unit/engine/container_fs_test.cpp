// Container prune's filters (moby's daemon/prune.go) and the overlay changes walk of `docker
// diff` (moby's archive.OverlayChanges) on a temp dir standing in for upper and lower dirs.
#include "engine/container_fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "common/unique_fd.h"
#include "store/temp_dir.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;

constexpr int64_t kPruneSec = 1'000'000'000;

ContainerInfo containerFor(ContainerStatus status, const std::string& created,
                           std::map<std::string, std::string> labels = {}) {
  ContainerInfo c;
  c.id = "abc";
  c.state.status = status;
  c.created = created;
  c.spec.labels = std::move(labels);
  return c;
}

TEST(ContainerPruneFilters, RefusesOtherKeysAsDockerd) {
  auto f = parseContainerPruneFilters({{"status", {"exited"}}}, 0);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message(), "invalid filter 'status'");
  EXPECT_EQ(f.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_FALSE(parseContainerPruneFilters({{"until", {"yesterday-ish"}}}, 0).ok());
  EXPECT_FALSE(parseContainerPruneFilters({{"until", {"1h", "2h"}}}, 0).ok());
}

TEST(ContainerPruneFilters, OnlyStoppedContainersGo) {
  ContainerPruneFilter none;
  EXPECT_TRUE(containerPrunable(containerFor(ContainerStatus::kExited, ""), none));
  EXPECT_TRUE(containerPrunable(containerFor(ContainerStatus::kCreated, ""), none));
  EXPECT_TRUE(containerPrunable(containerFor(ContainerStatus::kDead, ""), none));
  // moby's IsRunning is true for paused and restarting containers.
  EXPECT_FALSE(containerPrunable(containerFor(ContainerStatus::kRunning, ""), none));
  EXPECT_FALSE(containerPrunable(containerFor(ContainerStatus::kPaused, ""), none));
  EXPECT_FALSE(containerPrunable(containerFor(ContainerStatus::kRestarting, ""), none));
  EXPECT_FALSE(containerPrunable(containerFor(ContainerStatus::kRemoving, ""), none));
}

TEST(ContainerPruneFilters, UntilKeepsNewerContainers) {
  // now = 2024-01-01T01:00:00Z; until=30m means created at or before 00:30.
  const int64_t now = 1704070800 * kPruneSec;
  auto f = parseContainerPruneFilters({{"until", {"30m"}}}, now);
  ASSERT_TRUE(f.ok()) << f.error().message();
  ASSERT_TRUE(f->untilNanos);
  EXPECT_EQ(*f->untilNanos, now - 1800 * kPruneSec);
  EXPECT_TRUE(
      containerPrunable(containerFor(ContainerStatus::kExited, "2024-01-01T00:10:00.5Z"), *f));
  EXPECT_FALSE(
      containerPrunable(containerFor(ContainerStatus::kExited, "2024-01-01T00:45:00Z"), *f));
  auto abs = parseContainerPruneFilters({{"until", {"2024-01-01T00:20:00Z"}}}, now);
  ASSERT_TRUE(abs.ok());
  EXPECT_FALSE(
      containerPrunable(containerFor(ContainerStatus::kExited, "2024-01-01T00:30:00Z"), *abs));
}

TEST(ContainerPruneFilters, LabelsAllMustMatchAndNotLabelsExcludeOnlyWhenAllMatch) {
  auto f = parseContainerPruneFilters({{"label", {"a", "b=2"}}}, 0);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(
      containerPrunable(containerFor(ContainerStatus::kExited, "", {{"a", "x"}, {"b", "2"}}), *f));
  EXPECT_FALSE(
      containerPrunable(containerFor(ContainerStatus::kExited, "", {{"a", "x"}, {"b", "3"}}), *f));
  EXPECT_FALSE(containerPrunable(containerFor(ContainerStatus::kExited, "", {{"b", "2"}}), *f));
  // label!: moby's MatchKVList over all the values.
  auto n = parseContainerPruneFilters({{"label!", {"keep", "tier=db"}}}, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(containerPrunable(containerFor(ContainerStatus::kExited, "", {{"keep", ""}}), *n));
  EXPECT_FALSE(containerPrunable(
      containerFor(ContainerStatus::kExited, "", {{"keep", ""}, {"tier", "db"}}), *n));
  EXPECT_TRUE(containerPrunable(containerFor(ContainerStatus::kExited, ""), *n));
}

void writeFile(const stdfs::path& p, const std::string& text) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::vector<std::string> lines(const std::vector<FilesystemChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    const char* k = c.kind == ChangeKind::kAdded ? "A" : c.kind == ChangeKind::kDeleted ? "D" : "C";
    out.push_back(std::string(k) + " " + c.path);
  }
  return out;
}

TEST(OverlayChanges, MissingUpperMeansNoChanges) {
  testing::TempDir tmp;
  auto r = overlayChanges(tmp.path() / "nope", {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(OverlayChanges, AddedModifiedAndParentsInWalkOrder) {
  testing::TempDir tmp;
  stdfs::path lower = tmp.path() / "lower", upper = tmp.path() / "upper";
  writeFile(lower / "etc" / "passwd", "root\n");
  writeFile(lower / "bin" / "sh", "x");
  stdfs::create_directories(lower / "tmp");
  // The container: changed /etc/passwd, added /etc/new and /tmp/a/b, a new top-level file.
  writeFile(upper / "etc" / "passwd", "root\nme\n");
  writeFile(upper / "etc" / "new", "1");
  writeFile(upper / "tmp" / "a" / "b", "1");
  writeFile(upper / "zz", "1");
  writeFile(upper / "Aa", "1");  // bytewise order: uppercase first
  auto r = overlayChanges(upper, {lower.string()});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(lines(*r), (std::vector<std::string>{"A /Aa", "C /etc", "A /etc/new", "C /etc/passwd",
                                                 "C /tmp", "A /tmp/a", "A /tmp/a/b", "A /zz"}));
}

TEST(OverlayChanges, UnchangedParentDirectoryIsReportedOnceBeforeItsChild) {
  testing::TempDir tmp;
  stdfs::path lower = tmp.path() / "lower", upper = tmp.path() / "upper";
  stdfs::create_directories(lower / "d");
  stdfs::create_directories(upper / "d");
  // Same mode, size and mtime as the lower dir: not a change by itself.
  struct stat st;
  ASSERT_EQ(::stat((lower / "d").c_str(), &st), 0);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::chmod((upper / "d").c_str(), st.st_mode & 07777), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (upper / "d").c_str(), times, 0), 0);
  auto r = overlayChanges(upper, {lower.string()});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty()) << ::testing::PrintToString(lines(*r));
  writeFile(upper / "d" / "f", "1");
  ASSERT_EQ(::utimensat(AT_FDCWD, (upper / "d").c_str(), times, 0), 0);
  r = overlayChanges(upper, {lower.string()});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(lines(*r), (std::vector<std::string>{"C /d", "A /d/f"}));
}

TEST(OverlayChanges, InitLayerMountPointsAreNotChanges) {
  testing::TempDir tmp;
  stdfs::path lower = tmp.path() / "lower", upper = tmp.path() / "upper";
  writeFile(lower / "etc" / "passwd", "root\n");
  // What a start leaves in the upper dir of an image without these files.
  writeFile(upper / "etc" / "hosts", "");
  writeFile(upper / "etc" / "hostname", "");
  writeFile(upper / "etc" / "resolv.conf", "");
  stdfs::create_directories(upper / "proc");
  auto r = overlayChanges(upper, {lower.string()});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty()) << ::testing::PrintToString(lines(*r));
  // Beside a real change, only that change (and its parent) shows.
  writeFile(upper / "etc" / "motd", "hi");
  r = overlayChanges(upper, {lower.string()});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(lines(*r), (std::vector<std::string>{"C /etc", "A /etc/motd"}));
}

TEST(OverlayChanges, WhiteoutsAndOpaqueDirectoriesAreDeletions) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteouts and trusted.* xattrs need root";
  testing::TempDir tmp;
  stdfs::path lower = tmp.path() / "lower", upper = tmp.path() / "upper";
  writeFile(lower / "etc" / "motd", "hi");
  writeFile(lower / "var" / "old" / "f", "1");
  stdfs::create_directories(upper / "etc");
  ASSERT_EQ(::mknod((upper / "etc" / "motd").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
  stdfs::create_directories(upper / "var" / "old");
  ASSERT_EQ(::setxattr((upper / "var" / "old").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  writeFile(upper / "var" / "old" / "g", "1");
  // A symlink is a change like any file; it is never followed.
  ASSERT_EQ(::symlink("/etc", (upper / "link").c_str()), 0);
  auto r = overlayChanges(upper, {lower.string()});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(lines(*r), (std::vector<std::string>{"C /etc", "D /etc/motd", "A /link", "C /var",
                                                 "D /var/old", "A /var/old/g"}));
}

TEST(ContainerTop, PsArgsNamingAnotherPidKeyAreRefused) {
  EXPECT_TRUE(validatePsArgs("-ef").ok());
  EXPECT_TRUE(validatePsArgs("aux").ok());
  EXPECT_TRUE(validatePsArgs("-o pid=PID,comm").ok());
  auto st = validatePsArgs("-o ppid=PID");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "specifying \"ppid=PID\" is not allowed");
  EXPECT_EQ(st.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_FALSE(validatePsArgs("-o x= PIDX").ok());
  EXPECT_TRUE(validatePsArgs("ppid=PID").ok());  // no white space before: moby's regex too
}

TEST(ContainerTop, KeepsTheContainersRowsAndJoinsTheLastColumn) {
  std::string out =
      "UID          PID    PPID  C STIME TTY          TIME CMD\n"
      "root           1       0  0 10:00 ?        00:00:01 /sbin/init splash\n"
      "root         100      50  0 10:01 ?        00:00:00 sleep 300\n"
      "root         101     100  0 10:01 ?        00:00:00 sh -c echo  a\n"
      "\n";
  auto top = parsePsOutput(out, {100, 101});
  ASSERT_TRUE(top.ok()) << top.error().message();
  EXPECT_EQ(top->titles,
            (std::vector<std::string>{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}));
  ASSERT_EQ(top->processes.size(), 2u);
  EXPECT_EQ(top->processes[0], (std::vector<std::string>{"root", "100", "50", "0", "10:01", "?",
                                                         "00:00:00", "sleep 300"}));
  EXPECT_EQ(top->processes[1].back(), "sh -c echo a");
}

TEST(ContainerTop, ThreadRowsFollowTheirProcess) {
  std::string out =
      "USER PID %CPU COMMAND\n"
      "root 7 0.0 app\n"
      "root - 0.0 -\n"
      "root 8 0.0 other\n"
      "root - 0.0 -\n";
  auto top = parsePsOutput(out, {7});
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->processes.size(), 2u);
  EXPECT_EQ(top->processes[1][1], "-");
}

TEST(ContainerTop, OutputWithoutPidColumnOrWithGarbageIsAnError) {
  EXPECT_FALSE(parsePsOutput("USER COMMAND\nroot x\n", {1}).ok());
  EXPECT_FALSE(parsePsOutput("PID CMD\nabc x\n", {1}).ok());
  EXPECT_FALSE(parsePsOutput("", {1}).ok());
}

// The tar's listing, as `tar -tv` prints it (type and mode, names): read by another tool than
// the one that wrote it.
std::string tarListing(const stdfs::path& tarFile) {
  std::string cmd = "tar -tvf '" + tarFile.string() + "' --numeric-owner 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(ExportTar, WalksInOrderKeepsLinksAndNeverFollowsSymlinksOut) {
  testing::TempDir tmp;
  stdfs::path root = tmp.path() / "root", outside = tmp.path() / "outside";
  writeFile(root / "etc" / "passwd", "root:x:0:0\n");
  writeFile(root / "b", "bee");
  writeFile(outside / "secret", "host secret");
  ASSERT_EQ(::symlink((outside / "secret").c_str(), (root / "abs").c_str()), 0);
  ASSERT_EQ(::symlink("../../outside", (root / "etc" / "up").c_str()), 0);
  ASSERT_EQ(::link((root / "b").c_str(), (root / "hard").c_str()), 0);
  ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
  stdfs::path tarFile = tmp.path() / "out.tar";
  UniqueFd out(::open(tarFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  ASSERT_TRUE(out);
  Status st = writeTreeTar(root.string(), out.get());
  ASSERT_TRUE(st.ok()) << st.error().message();
  out.reset();
  std::string list = tarListing(tarFile);
  std::vector<std::string> names;
  for (size_t pos = 0; pos < list.size();) {
    size_t nl = list.find('\n', pos);
    std::string line = list.substr(pos, nl - pos);
    pos = nl == std::string::npos ? list.size() : nl + 1;
    // "-rw-r--r-- 0/0 3 2024-01-01 00:00 b": the name is the 6th field.
    size_t at = 0;
    for (int f = 0; f < 5 && at != std::string::npos; ++f) {
      at = line.find_first_not_of(' ', at);
      at = line.find(' ', at);
    }
    if (at == std::string::npos) continue;
    std::string name = line.substr(line.find_first_not_of(' ', at));
    if (line[0] == 'd' && name.ends_with('/')) name.pop_back();  // GNU tar's own choice
    names.push_back(std::string(1, line[0]) + " " + name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"l abs -> " + (outside / "secret").string(), "- b",
                                             "d etc", "- etc/passwd", "l etc/up -> ../../outside",
                                             "p fifo", "h hard link to b"}))
      << list;
  // The host file a symlink points at is never read into the archive.
  std::ifstream in(tarFile, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find("host secret"), std::string::npos);
  EXPECT_NE(bytes.find("root:x:0:0"), std::string::npos);
}

TEST(ExportTar, AMissingRootIsAnError) {
  testing::TempDir tmp;
  UniqueFd out(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  EXPECT_FALSE(writeTreeTar((tmp.path() / "nope").string(), out.get()).ok());
}

}  // namespace
}  // namespace wharf::engine
