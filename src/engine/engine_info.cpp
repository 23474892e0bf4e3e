// Engine: the image backend (a thin view of image::ImageService) and `info`.
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <sstream>

#include "common/fs.h"
#include "common/memory.h"
#include "common/random.h"
#include "engine/engine.h"
#include "image/image_service.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace wharf::engine {

namespace asio = boost::asio;

namespace {

ImageSummary summaryOf(const image::Image& img) {
  ImageSummary s;
  s.id = img.id;
  s.repoTags = img.repoTags;
  s.repoDigests = img.repoDigests;
  s.created = img.created;
  s.size = img.size;
  s.labels = img.config.labels;
  return s;
}

std::string osPrettyName() {
  auto text = fs::readFile("/etc/os-release");
  if (!text.ok()) return "Linux";
  std::stringstream ss(*text);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = line.substr(12);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "Linux";
}

// "2" on a pure cgroup v2 host; "1" on v1 and on hybrid hosts (where the v1 controllers do
// the work and /sys/fs/cgroup/unified is only a v2 mount with no controllers).
std::string cgroupVersion() {
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) == 0 &&
      static_cast<unsigned long>(fs.f_type) == CGROUP2_SUPER_MAGIC) {
    return "2";
  }
  return "1";
}

}  // namespace

Result<std::vector<ImageSummary>> Engine::listImages(bool all) {
  (void)all;  // no intermediate images yet
  std::vector<image::Image> imgs;
  {
    std::lock_guard lock(storeMu_);
    WHARF_ASSIGN_OR_RETURN(imgs, images_.list());
  }
  std::vector<ImageSummary> out;
  for (const auto& img : imgs) out.push_back(summaryOf(img));
  return out;
}

Result<ImageDetail> Engine::inspectImage(const std::string& nameOrId) {
  image::Image img;
  {
    std::lock_guard lock(storeMu_);
    WHARF_ASSIGN_OR_RETURN(img, images_.resolve(nameOrId));
  }
  ImageDetail d;
  d.summary = summaryOf(img);
  const oci::ImageConfig& c = img.config;
  d.os = c.os.empty() ? "linux" : c.os;
  d.architecture = c.architecture;
  d.author = c.author;
  d.createdIso = c.created;
  d.env = c.env;
  d.cmd = c.cmd;
  d.entrypoint = c.entrypoint;
  d.workingDir = c.workingDir;
  d.user = c.user;
  d.labels = c.labels;
  d.exposedPorts = c.exposedPorts;
  d.volumes = c.volumes;
  d.stopSignal = c.stopSignal;
  d.diffIds = img.diffIds;
  return d;
}

void Engine::bootstrapImage(const std::string& name,
                            std::function<void(Result<ImageSummary>)> done) {
  // Building the image reads and compresses the busybox binary: a worker's job.
  asio::post(pool_, [this, name, done = std::move(done)]() mutable {
    Result<image::Image> img = [&] {
      std::lock_guard lock(storeMu_);
      return images_.bootstrap(name);
    }();
    wharf::returnFreedMemory();
    asio::post(io_, [img = std::move(img), done = std::move(done)]() mutable {
      if (!img.ok()) return done(std::move(img).error());
      done(summaryOf(*img));
    });
  });
}

Result<SystemInfo> Engine::info() {
  SystemInfo s;
  if (engineId_.empty()) {
    // A stable id per data root, as dockerd's engine-id file.
    auto path = cfg_.dataRoot / "engine-id";
    auto text = fs::readFile(path);
    if (text.ok() && !text->empty()) {
      engineId_ = *text;
      while (!engineId_.empty() && engineId_.back() == '\n') engineId_.pop_back();
    } else {
      engineId_ = randomHex(16);
      (void)fs::writeFileAtomic(path, engineId_ + "\n");
    }
  }
  s.id = engineId_;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  s.name = host;
  for (const auto& [id, c] : containers_) {
    ++s.containers;
    switch (c->rec.info.state.status) {
      case ContainerStatus::kRunning:
      case ContainerStatus::kRestarting:
        ++s.running;
        break;
      case ContainerStatus::kPaused:
        ++s.paused;
        break;
      default:
        ++s.stopped;
        break;
    }
  }
  {
    std::lock_guard lock(storeMu_);
    auto imgs = images_.list();
    if (imgs.ok()) s.images = static_cast<int>(imgs->size());
  }
  s.dataRoot = cfg_.dataRoot.string();
  s.execRoot = cfg_.execRoot.string();
  struct utsname u {};
  if (::uname(&u) == 0) {
    s.kernelVersion = u.release;
    s.architecture = u.machine;
  }
  s.operatingSystem = osPrettyName();
  s.ncpu = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  struct sysinfo si {};
  if (::sysinfo(&si) == 0) s.memTotal = static_cast<int64_t>(si.totalram) * si.mem_unit;
  s.cgroupVersion = cgroupVersion();
  s.securityOptions = {"name=seccomp,profile=builtin"};
  s.serverVersion = cfg_.serverVersion;
  return s;
}

}  // namespace wharf::engine
