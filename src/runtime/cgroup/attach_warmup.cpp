#include "runtime/cgroup/attach_warmup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/fs.h"

namespace wharf::runtime {

std::string ownCgroupProcsFile(const CgroupLayout& layout, std::string_view selfCgroups) {
  for (const auto& [ctrls, path] : parseProcCgroup(selfCgroups)) {
    if (path.empty() || path[0] != '/') continue;
    std::string dir;
    if (layout.v2) {
      if (!ctrls.empty()) continue;
      dir = layout.mountRoot;
    } else {
      if (ctrls.empty() || ctrls.substr(0, 5) == "name=") continue;
      const auto& h = layout.hierarchies;
      if (std::find(h.begin(), h.end(), ctrls) == h.end()) continue;
      dir = layout.mountRoot + "/" + std::string(ctrls);
    }
    if (path != "/") dir += path;
    return dir + "/cgroup.procs";
  }
  return "";
}

namespace {

// Only raw syscalls: no allocation, so no malloc lock that a clone() of the main thread could
// copy while held (the init is sometimes made with a raw clone, which does not reset them).
// That is also why this is a plain pthread and not a std::thread, whose exit frees its state.
void* writeZero(void* file) {
  int fd = ::open(static_cast<const char*>(file), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    (void)!::write(fd, "0", 1);
    ::close(fd);
  }
  return nullptr;
}

}  // namespace

CgroupAttachWarmup::CgroupAttachWarmup(std::string procsFile) : file_(std::move(procsFile)) {
  if (file_.empty()) return;
  started_ = ::pthread_create(&thread_, nullptr, writeZero, file_.data()) == 0;
}

CgroupAttachWarmup::~CgroupAttachWarmup() { join(); }

void CgroupAttachWarmup::join() {
  if (started_) ::pthread_join(thread_, nullptr);
  started_ = false;
}

CgroupAttachPrewarmer::CgroupAttachPrewarmer() {
  auto layout = detectCgroupLayout();
  auto self = fs::readFile("/proc/self/cgroup");
  if (layout.ok() && self.ok()) file_ = ownCgroupProcsFile(*layout, *self);
}

CgroupAttachPrewarmer::CgroupAttachPrewarmer(std::string procsFile) : file_(std::move(procsFile)) {}

CgroupAttachPrewarmer::~CgroupAttachPrewarmer() {
  // A grace period takes milliseconds: wait for a write in flight, since the thread still
  // clears busy_ afterwards. Give up after a second rather than hang the daemon's shutdown
  // (only then, with the process about to exit, could the thread outlive this object).
  for (int i = 0; i < 1000 && busy_.load(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void CgroupAttachPrewarmer::kick() {
  if (file_.empty() || busy_.exchange(true)) return;
  pthread_t t;
  if (::pthread_create(&t, nullptr, &CgroupAttachPrewarmer::run, this) != 0) {
    busy_ = false;
    return;
  }
  ::pthread_detach(t);
}

void* CgroupAttachPrewarmer::run(void* self) {
  auto* p = static_cast<CgroupAttachPrewarmer*>(self);
  writeZero(p->file_.data());
  p->busy_ = false;
  return nullptr;
}

}  // namespace wharf::runtime
