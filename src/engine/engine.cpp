// Engine: construction, lookup, create, inspect, list, remove, logs and attach.
// Starting, stopping and watching shims live in engine_start.cpp; images and info in
// engine_info.cpp.
#include "engine/engine.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "common/fs.h"
#include "common/log.h"
#include "common/mountinfo.h"
#include "common/random.h"
#include "common/scope_guard.h"
#include "common/unique_fd.h"
#include "engine/config_merge.h"
#include "engine/container_network.h"
#include "engine/create_checks.h"
#include "engine/data_root.h"
#include "engine/filters.h"
#include "engine/log_reader.h"
#include "engine/names.h"
#include "engine/shim/json_log.h"
#include "engine/shim_scan.h"
#include "engine/spec_builder.h"
#include "image/image_service.h"
#include "network/etc_files.h"
#include "runtime/runtime.h"
#include "runtime/sealed_exe.h"
#include "store/metadata.h"

namespace wharf::engine {

namespace stdfs = std::filesystem;

namespace {

// Until start writes the real ones (engine/container_network.h), a created container has
// docker's files for its mode; a start without networking keeps these.
std::string initialResolvConf(const ContainerSpec& spec) {
  auto text = fs::readFile("/etc/resolv.conf");
  std::string host = text.ok() ? *text : "";
  if (spec.networkMode == "host" && spec.dns.empty()) return host;
  return network::resolvConf(host, {spec.dns, spec.dnsSearch, spec.dnsOptions}, false);
}

}  // namespace

Engine::Engine(boost::asio::io_context& io, boost::asio::thread_pool& pool, store::MetadataDb& db,
               image::ImageService& images, runtime::Runtime& runtime, EngineConfig cfg)
    : io_(io), pool_(pool), db_(db), images_(images), runtime_(runtime), cfg_(std::move(cfg)) {
  if (cfg_.shimPath.empty()) {
    std::error_code ec;
    stdfs::path self = stdfs::read_symlink("/proc/self/exe", ec);
    cfg_.shimPath = self.parent_path() / "wharf-shim";
  }
  if (auto copy = runtime::openReadOnlyCopy(cfg_.shimPath.string()); copy.ok())
    shimExe_ = std::move(*copy);
  else
    log::warn("{}: every shim will make its own read-only copy", copy.error().message());
}

Engine::~Engine() {
  // Shims keep running: only stop watching them.
  for (auto& [id, c] : containers_) c->shimWatch.reset();
}

stdfs::path Engine::containerDir(const std::string& id) const {
  return cfg_.dataRoot / "containers" / id;
}

stdfs::path Engine::bundleDir(const std::string& id) const {
  return cfg_.execRoot / "containers" / id;
}

Status Engine::persist(const Container& c) {
  store::ContainerRow row;
  row.id = c.rec.info.id;
  row.name = c.rec.info.name;
  row.imageId = c.rec.info.imageId;
  row.createdUnix = c.rec.info.createdUnix;
  row.json = recordToJson(c.rec);
  std::lock_guard lock(storeMu_);
  return db_.putContainer(row);
}

Result<Engine::ContainerPtr> Engine::find(const std::string& idOrName) {
  if (idOrName.empty()) return notFound("No such container: ");
  if (auto it = containers_.find(idOrName); it != containers_.end()) return it->second;
  std::string name = idOrName[0] == '/' ? idOrName.substr(1) : idOrName;
  for (auto& [id, c] : containers_) {
    if (c->rec.info.name == name) return c;
  }
  ContainerPtr match;
  for (auto& [id, c] : containers_) {
    if (id.rfind(idOrName, 0) == 0) {
      if (match) {
        return invalidArgument("Multiple IDs found with provided prefix: " + idOrName);
      }
      match = c;
    }
  }
  if (match) return match;
  return notFound("No such container: " + idOrName);
}

Result<std::string> Engine::createContainer(const ContainerSpec& spec,
                                            std::vector<std::string>* warnings) {
  (void)warnings;
  cgroupPrewarm_.kick();  // `docker run` starts what it creates a few milliseconds later
  auto taken = [&](const std::string& n) -> const Container* {
    for (auto& [id, c] : containers_) {
      if (c->rec.info.name == n) return c.get();
    }
    return nullptr;
  };
  std::string name;
  if (!spec.name.empty()) {
    WHARF_ASSIGN_OR_RETURN(name, validateName(spec.name));
    if (const Container* other = taken(name)) {
      return conflict("Conflict. The container name \"/" + name +
                      "\" is already in use by container \"" + other->rec.info.id +
                      "\". You have to remove (or rename) that container to be able to reuse "
                      "that name.");
    }
  } else {
    name = generateName([&](const std::string& n) { return taken(n) != nullptr; });
  }
  if (spec.image.empty()) return invalidArgument("config.Image: no image specified");
  if (networking_) WHARF_TRY(networking_->validate(spec));
  WHARF_TRY(checkCreateSpec(
      spec, [&](const std::string& other) { return find(other).ok(); },
      [&](const std::string&) { return networking_ != nullptr; }));
  // Options that would only fail at start (security options, capabilities, the seccomp
  // profile) fail the create instead, before anything exists.
  WHARF_TRY(validateSecurity(spec, daemonCapabilityBounding()));

  image::Image img;
  {
    std::lock_guard lock(storeMu_);
    WHARF_ASSIGN_OR_RETURN(img, images_.resolve(spec.image));
  }
  std::string id = randomHex(32);
  ImageDefaults defaults;
  defaults.env = img.config.env;
  defaults.cmd = img.config.cmd;
  defaults.entrypoint = img.config.entrypoint;
  defaults.workingDir = img.config.workingDir;
  defaults.user = img.config.user;
  defaults.stopSignal = img.config.stopSignal;
  defaults.labels = img.config.labels;
  WHARF_ASSIGN_OR_RETURN(MergedConfig merged, mergeConfig(spec, defaults, id));
  merged.spec.name = name;

  auto c = std::make_shared<Container>();
  ContainerInfo& i = c->rec.info;
  i.id = id;
  i.name = name;
  i.imageRef = spec.image;
  i.imageId = img.id;
  int64_t now = shim::nowNanos();
  i.created = shim::formatTime(now);
  i.createdUnix = now / 1000000000;
  i.spec = std::move(merged.spec);
  i.path = std::move(merged.path);
  stdfs::path dir = containerDir(id);
  i.logPath = (dir / (id + "-json.log")).string();
  i.rootfsPath = (dir / "merged").string();
  i.upperDir = (dir / "upper").string();
  i.workDir = (dir / "work").string();
  i.hostnamePath = (dir / "hostname").string();
  i.hostsPath = (dir / "hosts").string();
  i.resolvConfPath = (dir / "resolv.conf").string();
  c->rec.bundle = bundleDir(id).string();
  c->rec.exitFile = (bundleDir(id) / "exit").string();

  // Nothing half-created survives an error.
  ScopeGuard undo([&] { (void)fs::removeAll(dir); });
  // Private parent; upper/ keeps 0755, the mode of the container's "/" (engine/data_root.h).
  WHARF_TRY(makeDirWithMode(dir, kPrivateDirMode));
  WHARF_TRY(makeDirWithMode(i.upperDir, 0755));
  WHARF_TRY(makeDirWithMode(i.workDir, kPrivateDirMode));
  WHARF_TRY(makeDirWithMode(i.rootfsPath, kPrivateDirMode));
  WHARF_TRY(fs::writeFileAtomic(i.hostnamePath, i.spec.hostname + "\n"));
  std::string hosts = network::hostsFile({}, {});
  if (i.spec.networkMode == "host") {
    auto hostHosts = fs::readFile("/etc/hosts");
    if (hostHosts.ok()) hosts = *hostHosts;
  }
  WHARF_TRY(fs::writeFileAtomic(i.hostsPath, hosts));
  WHARF_TRY(fs::writeFileAtomic(i.resolvConfPath, initialResolvConf(i.spec)));
  WHARF_TRY(fs::writeFileAtomic(i.logPath, "", 0640));
  WHARF_TRY(persist(*c));
  undo.dismiss();
  containers_[id] = c;
  log::info("created container {} ({})", id.substr(0, 12), name);
  return id;
}

Result<ContainerInfo> Engine::inspectContainer(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  ContainerInfo info = c->rec.info;
  if (networking_) info.endpoints = networking_->endpoints(info.id);
  return info;
}

Status Engine::updateEndpoint(const std::string& container, const std::string& networkName,
                              const std::string& networkId,
                              const std::optional<NetworkBackend::ConnectRequest>& req,
                              bool force) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(container));
  ContainerInfo& i = c->rec.info;
  std::string mode = i.spec.networkMode;
  if (mode.empty() || mode == "default") mode = "bridge";
  bool same = mode == networkName || mode == networkId ||
              (mode.size() >= 12 && networkId.rfind(mode, 0) == 0);
  bool running = i.state.status == ContainerStatus::kRunning ||
                 i.state.status == ContainerStatus::kPaused ||
                 i.state.status == ContainerStatus::kRestarting;
  if (!same) {
    if (!req) return forbidden("container " + i.id + " is not connected to network " + networkName);
    return notImplemented("connecting container " + i.name + " to a second network (" +
                          networkName + ") is not supported yet (docs/networking.md)");
  }
  if (running) {
    if (req)
      return forbidden("endpoint with name " + i.name + " already exists in network " +
                       networkName);
    if (!force)
      return notImplemented("disconnecting running container " + i.name +
                            " is not supported yet (docs/networking.md)");
  }
  // A created container: its endpoint settings apply at its next start.
  i.spec.networkAliases = req ? req->aliases : std::vector<std::string>{};
  i.spec.ipv4Address = req ? req->ipv4Address : "";
  if (req && !req->macAddress.empty()) i.spec.macAddress = req->macAddress;
  if (networking_) WHARF_TRY(networking_->validate(i.spec));
  return persist(*c);
}

void Engine::releaseNetwork(const std::string& id) {
  if (networking_) networking_->release(id);
}

Result<std::vector<ContainerInfo>> Engine::listContainers(const ListOptions& opts) {
  WHARF_TRY(validateFilters(opts.filters));
  // Ancestors are resolved once per call: an image reference names one image id.
  std::map<std::string, std::string> ancestorIds;
  if (auto it = opts.filters.find("ancestor"); it != opts.filters.end()) {
    std::lock_guard lock(storeMu_);
    for (const auto& ref : it->second) {
      auto img = images_.resolve(ref);
      if (img.ok()) ancestorIds[ref] = img->id;
    }
  }
  auto ancestor = [&](const std::string& ref, const ContainerInfo& c) {
    auto it = ancestorIds.find(ref);
    if (it != ancestorIds.end() && it->second == c.imageId) return true;
    return ref == c.imageRef;
  };
  bool all =
      opts.all || opts.limit > 0 || opts.filters.count("status") || opts.filters.count("exited");
  std::vector<ContainerInfo> out;
  for (auto& [id, c] : containers_) {
    const ContainerInfo& i = c->rec.info;
    bool running = i.state.status == ContainerStatus::kRunning ||
                   i.state.status == ContainerStatus::kPaused ||
                   i.state.status == ContainerStatus::kRestarting;
    if (!all && !running) continue;
    if (!matchesFilters(i, opts.filters, ancestor)) continue;
    out.push_back(i);
    if (networking_ && running) out.back().endpoints = networking_->endpoints(i.id);
  }
  // Newest first, as docker lists them.
  std::sort(out.begin(), out.end(), [](const ContainerInfo& a, const ContainerInfo& b) {
    return a.created != b.created ? a.created > b.created : a.id < b.id;
  });
  if (opts.limit > 0 && out.size() > static_cast<size_t>(opts.limit)) out.resize(opts.limit);
  return out;
}

void Engine::removeContainer(const std::string& idOrName, bool force, bool removeVolumes,
                             std::function<void(Status)> done) {
  (void)removeVolumes;  // no volumes yet
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  if (c->removing) {
    return done(conflict("removal of container " + c->rec.info.name + " is already in progress"));
  }
  if (c->rec.info.state.status == ContainerStatus::kRestarting) {
    if (!force) {
      return done(conflict("You cannot remove a restarting container " + c->rec.info.id +
                           ". Stop the container before attempting removal or force remove"));
    }
    cancelRestart(*c);
  }
  bool running = c->rec.info.state.status == ContainerStatus::kRunning || c->starting;
  if (running && !force) {
    return done(conflict("cannot remove container \"/" + c->rec.info.name +
                         "\": container is running: stop the container before removing or "
                         "force remove"));
  }
  if (running) {
    c->removing = true;
    (void)killInit(*c, SIGKILL);
    c->exitWaiters.push_back([this, c, done](Result<WaitResult>) { doRemove(c, done); });
    return;
  }
  doRemove(c, std::move(done));
}

void Engine::doRemove(ContainerPtr c, std::function<void(Status)> done) {
  const std::string id = c->rec.info.id;
  // Both a forced remove and AutoRemove may ask once the container exits.
  if (!containers_.count(id)) return done(okStatus());
  // Nothing is deleted under a live container: a shim that still runs it (whatever the
  // record says) or an overlay that is still mounted stops the removal here.
  if (c->rec.shimPid > 0 && isShimOf(c->rec.shimPid, id)) {
    return done(conflict("cannot remove container " + id + ": its shim (pid " +
                         std::to_string(c->rec.shimPid) + ") is still running"));
  }
  c->removing = true;
  if (auto m = isMountPoint(c->rec.info.rootfsPath); !m.ok() || *m) c->rec.mounted = true;
  Status st = unmountRootfs(*c);
  if (st.ok()) {
    auto still = isMountPoint(c->rec.info.rootfsPath);
    if (!still.ok())
      st = std::move(still).error();
    else if (*still)
      st = internalError("unmount " + c->rec.info.rootfsPath + ": still mounted");
  }
  if (!st.ok()) {
    c->removing = false;
    (void)persist(*c);
    return done(std::move(st).error().context("remove container " + id));
  }
  (void)runtime_.remove(id, true);  // usually already gone: the shim removes it
  releaseNetwork(id);
  st = fs::removeAll(bundleDir(id));
  if (st.ok()) st = fs::removeAll(containerDir(id));
  if (st.ok()) {
    std::lock_guard lock(storeMu_);
    st = db_.deleteContainer(id);
  }
  if (!st.ok()) {
    c->removing = false;
    return done(std::move(st).error().context("remove container " + id));
  }
  containers_.erase(id);
  cancelRestart(*c);
  c->shimWatch.reset();
  ++c->epoch;
  wakeReaders(*c);
  WaitResult r{c->rec.info.state.exitCode, c->rec.info.state.error};
  auto waiters = std::move(c->removeWaiters);
  auto exitWaiters = std::move(c->exitWaiters);
  for (auto& w : waiters) w(r);
  // Whoever waited for an exit that will never come now learns the container is gone.
  for (auto& w : exitWaiters) w(r);
  log::info("removed container {}", id.substr(0, 12));
  done(okStatus());
}

void Engine::wakeReaders(Container& c) {
  auto& w = c.logWakers;
  w.erase(std::remove_if(w.begin(), w.end(), [](const std::function<bool()>& f) { return !f(); }),
          w.end());
}

Result<std::unique_ptr<LogReader>> Engine::readLogs(const std::string& idOrName,
                                                    const LogOptions& opts) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  std::weak_ptr<Container> weak = c;
  auto done = [weak] {
    auto c = weak.lock();
    // A container restarting by policy will write more: keep following it.
    return !c || c->removing ||
           (c->rec.info.state.status != ContainerStatus::kRunning &&
            c->rec.info.state.status != ContainerStatus::kRestarting && !c->starting);
  };
  WHARF_ASSIGN_OR_RETURN(auto reader,
                         JsonFileLogReader::open(io_, c->rec.info.logPath, opts, false, done));
  if (opts.follow) c->logWakers.push_back(reader->waker());
  return std::unique_ptr<LogReader>(std::move(reader));
}

Result<std::unique_ptr<LogReader>> Engine::attachOutput(const std::string& idOrName, bool stdoutOn,
                                                        bool stderrOn) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  LogOptions opts;
  opts.follow = true;
  opts.stdoutOn = stdoutOn;
  opts.stderrOn = stderrOn;
  std::weak_ptr<Container> weak = c;
  uint64_t epoch0 = c->epoch;
  auto done = [weak, epoch0] {
    auto c = weak.lock();
    return !c || c->epoch > epoch0;
  };
  // From the current end: a container attached before its start gets everything it writes.
  WHARF_ASSIGN_OR_RETURN(auto reader,
                         JsonFileLogReader::open(io_, c->rec.info.logPath, opts, true, done));
  c->logWakers.push_back(reader->waker());
  return std::unique_ptr<LogReader>(std::move(reader));
}

Result<std::unique_ptr<StdinWriter>> Engine::attachStdin(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  if (!c->rec.info.spec.openStdin) {
    return invalidArgument("container " + c->rec.info.id + " was not created with OpenStdin");
  }
  if (!c->stdinPipe) c->stdinPipe = std::make_shared<StdinPipe>(io_);
  return std::unique_ptr<StdinWriter>(new PipeStdinWriter(c->stdinPipe));
}

Status Engine::resizeTty(const std::string& idOrName, int height, int width) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  const ContainerInfo& i = c->rec.info;
  if (i.state.status != ContainerStatus::kRunning) {
    return conflict("Container " + i.id + " is not running");
  }
  if (!i.spec.tty || height <= 0 || width <= 0) return okStatus();
  // The shim reads resize requests from a FIFO in the bundle (engine/shim/shim.h).
  std::string path = c->rec.bundle + "/control";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return sysError("open " + path);
  std::string msg = "resize " + std::to_string(height) + " " + std::to_string(width) + "\n";
  if (::write(fd.get(), msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) {
    return sysError("write " + path);
  }
  return okStatus();
}

}  // namespace wharf::engine
