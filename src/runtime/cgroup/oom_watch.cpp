// OomWatch: the OOM kill counter of a container's memory cgroup and a wake-up fd for it.
#include "runtime/cgroup/oom_watch.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <charconv>

namespace wharf::runtime {

std::optional<uint64_t> parseOomKillCount(std::string_view text) {
  constexpr std::string_view kKey = "oom_kill ";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, kKey.size()) == kKey) {
      std::string_view v = line.substr(kKey.size());
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && p == v.data() + v.size()) return n;
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

Result<OomWatch> OomWatch::open(const CgroupLayout& layout, const std::vector<std::string>& dirs) {
  OomWatch w;
  w.v2_ = layout.v2;
  if (w.v2_) {
    if (dirs.empty()) return unavailable("no cgroup to watch for OOM kills");
    w.dir_ = dirs.front();
    w.fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!w.fd_) return sysError("inotify_init1");
    std::string events = w.dir_ + "/memory.events";
    if (::inotify_add_watch(w.fd_.get(), events.c_str(), IN_MODIFY) < 0)
      return sysError("watch \"" + events + "\"");
    return w;
  }
  // The v1 memory hierarchy's directory: <mountRoot>/memory/... (possibly co-mounted).
  for (const auto& d : dirs) {
    if (::access((d + "/memory.oom_control").c_str(), F_OK) == 0) {
      w.dir_ = d;
      break;
    }
  }
  if (w.dir_.empty()) return unavailable("no memory cgroup to watch for OOM kills");
  w.control_.reset(::open((w.dir_ + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
  if (!w.control_) return sysError("open \"" + w.dir_ + "/memory.oom_control\"");
  w.fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!w.fd_) return sysError("eventfd");
  WHARF_TRY_CTX(
      writeCgroupFile(w.dir_, "cgroup.event_control",
                      std::to_string(w.fd_.get()) + " " + std::to_string(w.control_.get())),
      "register for OOM notifications");
  return w;
}

void OomWatch::drain() {
  char buf[4096];
  while (::read(fd_.get(), buf, sizeof buf) > 0) {
  }
}

Result<uint64_t> OomWatch::kills() const {
  WHARF_ASSIGN_OR_RETURN(std::string text,
                         readCgroupFile(dir_, v2_ ? "memory.events" : "memory.oom_control"));
  auto n = parseOomKillCount(text);
  if (!n) return unavailable("no oom_kill counter in " + dir_ + " (kernel before 4.13?)");
  return *n;
}

}  // namespace wharf::runtime
