#include "runtime/cgroup/cgroup_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "common/unique_fd.h"
#include "runtime/cgroup/internal.h"

namespace wharf::runtime {

namespace {
constexpr long kCgroup2Magic = 0x63677270;
}

Result<CgroupLayout> detectCgroupLayout(const std::string& mountRoot) {
  CgroupLayout layout;
  layout.mountRoot = mountRoot;
  struct statfs sfs;
  if (::statfs(mountRoot.c_str(), &sfs) < 0) return sysError("statfs \"" + mountRoot + "\"");
  if (static_cast<long>(sfs.f_type) == kCgroup2Magic) {
    layout.v2 = true;
    return layout;
  }
  DIR* d = ::opendir(mountRoot.c_str());
  if (!d) return sysError("open \"" + mountRoot + "\"");
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name[0] == '.' || name == "unified") continue;
    // cpu -> cpu,cpuacct style symlinks name the same hierarchy twice: skip them.
    if (e->d_type != DT_DIR) continue;
    layout.hierarchies.push_back(name);
  }
  ::closedir(d);
  std::sort(layout.hierarchies.begin(), layout.hierarchies.end());
  if (layout.hierarchies.empty())
    return unavailable("no cgroup hierarchies mounted under \"" + mountRoot + "\"");
  return layout;
}

Result<std::string> normalizeCgroupsPath(std::string_view cgroupsPath, std::string_view id) {
  if (cgroupsPath.empty()) return "/wharf/" + std::string(id);
  std::string p(cgroupsPath);
  if (p[0] != '/' && std::count(p.begin(), p.end(), ':') == 2) {
    // systemd style slice:prefix:name, without asking systemd: a plain directory tree.
    auto a = p.find(':'), b = p.find(':', a + 1);
    std::string slice = p.substr(0, a), prefix = p.substr(a + 1, b - a - 1), name = p.substr(b + 1);
    if (slice.empty()) slice = "system.slice";
    return "/" + slice + "/" + (prefix.empty() ? name : prefix + "-" + name) + ".scope";
  }
  // Clean: no "..", no empty components.
  std::string out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string comp = p.substr(i, j - i);
    if (comp == "..")
      return invalidArgument("linux.cgroupsPath: must not contain \"..\": \"" + p + "\"");
    if (!comp.empty() && comp != ".") out += (out.empty() ? "" : "/") + comp;
    i = j + 1;
  }
  if (out.empty()) return invalidArgument("linux.cgroupsPath: invalid \"" + p + "\"");
  return p[0] == '/' ? "/" + out : out;
}

std::vector<ProcCgroupLine> parseProcCgroup(std::string_view text) {
  std::vector<ProcCgroupLine> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    lines.push_back({line.substr(c1 + 1, c2 - c1 - 1), line.substr(c2 + 1)});
  }
  return lines;
}

std::string cgroupDir(const CgroupLayout& layout, std::string_view hierarchy, std::string_view path,
                      std::string_view selfCgroups) {
  std::string base = layout.mountRoot;
  if (!hierarchy.empty()) base += "/" + std::string(hierarchy);
  if (!path.empty() && path[0] == '/') return base + std::string(path);
  // Relative: below our own cgroup in that hierarchy.
  std::string own = "/";
  for (const auto& l : parseProcCgroup(selfCgroups)) {
    std::string_view ctrls = l.controllers;
    if (ctrls.substr(0, 5) == "name=") ctrls.remove_prefix(5);
    if (ctrls == hierarchy) {
      own = std::string(l.path);
      break;
    }
  }
  if (own.empty() || own.back() != '/') own += '/';
  return base + own + std::string(path);
}

Status writeCgroupFile(const std::string& dir, std::string_view file, std::string_view value) {
  std::string path = dir + "/" + std::string(file);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_TRUNC));
  if (!fd) return sysError("open \"" + path + "\"");
  if (::write(fd.get(), value.data(), value.size()) < 0)
    return sysError("write \"" + std::string(value) + "\" to \"" + path + "\"");
  return okStatus();
}

Result<std::string> readCgroupFile(const std::string& dir, std::string_view file) {
  std::string path = dir + "/" + std::string(file);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sysError("open \"" + path + "\"");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return sysError("read \"" + path + "\"");
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status removeCgroupDir(const std::string& dir) {
  // Tasks that were just killed leave their cgroup asynchronously: retry EBUSY for ~2 s.
  for (int i = 0; i < 200; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return okStatus();
    if (errno != EBUSY) return sysError("remove cgroup \"" + dir + "\"");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return sysError("remove cgroup \"" + dir + "\"", EBUSY);
}

Status validateHugepageLimits(const std::vector<oci::HugepageLimit>& limits,
                              const std::string& hugepagesDir) {
  for (size_t i = 0; i < limits.size(); ++i) {
    const std::string& size = limits[i].pageSize;
    std::string path = "linux.resources.hugepageLimits[" + std::to_string(i) + "].pageSize";
    size_t digits = 0;
    while (digits < size.size() && std::isdigit(static_cast<unsigned char>(size[digits]))) ++digits;
    std::string unit = size.substr(digits);
    uint64_t factor = unit == "KB" ? 1 : unit == "MB" ? 1024 : unit == "GB" ? 1024 * 1024 : 0;
    if (digits == 0 || digits > 9 || factor == 0)
      return invalidArgument(path + ": invalid \"" + size + "\" (expected <n>KB, <n>MB or <n>GB)");
    uint64_t kb = std::stoull(size.substr(0, digits)) * factor;
    struct stat st;
    std::string dir = hugepagesDir + "/hugepages-" + std::to_string(kb) + "kB";
    if (::stat(dir.c_str(), &st) < 0)
      return invalidArgument(path + ": this kernel has no " + size + " huge pages");
  }
  return okStatus();
}

Result<std::vector<int>> parsePids(const std::string& text) {
  std::vector<int> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) out.push_back(std::atoi(text.c_str() + i));
    i = j + 1;
  }
  return out;
}

Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const CgroupLayout& layout,
                                                         std::string_view path) {
  std::string self;
  if (!path.empty() && path[0] != '/') {
    auto text = readCgroupFile("/proc/self", "cgroup");
    if (!text.ok()) return std::move(text).error();
    self = std::move(*text);
  }
  std::vector<std::string> dirs;
  if (layout.v2) {
    dirs.push_back(cgroupDir(layout, "", path, self));
  } else {
    for (const auto& h : layout.hierarchies) dirs.push_back(cgroupDir(layout, h, path, self));
  }
  return openCgroupManager(layout, std::move(dirs));
}

std::unique_ptr<CgroupManager> openCgroupManager(const CgroupLayout& layout,
                                                 std::vector<std::string> dirs) {
  if (layout.v2) return makeV2Manager(layout, std::move(dirs));
  return makeV1Manager(layout, std::move(dirs));
}

}  // namespace wharf::runtime
