// ContainerManager: construction, lookup, create, inspect, list and remove. Start and the
// shim's lifecycle live in container_start.cpp, stop/kill/pause/restart policies in
// container_stop.cpp, logs and attach in container_io.cpp, live restore in
// container_restore.cpp, and every status change in container_state.cpp.
#include "engine/container_manager.h"

#include <signal.h>

#include <algorithm>

#include "common/fs.h"
#include "common/log.h"
#include "common/random.h"
#include "common/scope_guard.h"
#include "common/time.h"
#include "engine/config_merge.h"
#include "engine/container_network.h"
#include "engine/create_checks.h"
#include "engine/data_root.h"
#include "engine/filters.h"
#include "engine/names.h"
#include "engine/resource_limits.h"
#include "engine/shim/json_log.h"
#include "engine/spec_builder.h"
#include "network/etc_files.h"
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

ContainerManager::ContainerManager(boost::asio::io_context& io, store::MetadataDb& db,
                                   ContainerImages& images, ShimLauncher& shims,
                                   RootfsMounter& rootfs, EventPublisher& events,
                                   ContainerManagerConfig cfg)
    : io_(io),
      db_(db),
      images_(images),
      shims_(shims),
      rootfs_(rootfs),
      events_(events),
      cfg_(std::move(cfg)) {}

ContainerManager::~ContainerManager() {
  // Shims keep running: only stop watching them.
  for (auto& [id, c] : containers_) {
    c->shim.reset();
    if (c->restartTimer) c->restartTimer->cancel();
  }
}

stdfs::path ContainerManager::containerDir(const std::string& id) const {
  return cfg_.dataRoot / "containers" / id;
}

stdfs::path ContainerManager::bundleDir(const std::string& id) const {
  return cfg_.execRoot / "containers" / id;
}

ShimStart ContainerManager::shimStartFor(const Container& c) const {
  const ContainerInfo& i = c.rec.info;
  return ShimStart{i.id, c.rec.bundle, i.logPath, c.rec.exitFile, i.spec.tty, i.spec.openStdin};
}

Status ContainerManager::persist(const Container& c) {
  store::ContainerRow row;
  row.id = c.rec.info.id;
  row.name = c.rec.info.name;
  row.imageId = c.rec.info.imageId;
  row.createdUnix = c.rec.info.createdUnix;
  row.json = recordToJson(c.rec);
  return db_.putContainer(row);
}

Result<ContainerPtr> ContainerManager::find(const std::string& idOrName) {
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

Result<ContainerRecord> ContainerManager::record(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  return c->rec;
}

ContainerCounts ContainerManager::counts() const {
  ContainerCounts n;
  for (const auto& [id, c] : containers_) {
    ++n.total;
    switch (c->rec.info.state.status) {
      case ContainerStatus::kRunning:
      case ContainerStatus::kRestarting:
        ++n.running;
        break;
      case ContainerStatus::kPaused:
        ++n.paused;
        break;
      default:
        ++n.stopped;
        break;
    }
  }
  return n;
}

std::set<std::string> ContainerManager::imagesInUse() const {
  std::set<std::string> out;
  for (const auto& [id, c] : containers_) out.insert(c->rec.info.imageId);
  return out;
}

namespace {

Error nameInUse(const std::string& name, const std::string& byId) {
  return conflict(
      "Conflict. The container name \"/" + name + "\" is already in use by container \"" + byId +
      "\". You have to remove (or rename) that container to be able to reuse that name.");
}

}  // namespace

Status ContainerManager::renameContainer(const std::string& idOrName, const std::string& newName) {
  if (idOrName.empty() || newName.empty())
    return invalidArgument("Neither old nor new names may be empty");
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(idOrName));
  WHARF_ASSIGN_OR_RETURN(std::string name, validateName(newName));
  const std::string oldName = c->rec.info.name;
  if (name == oldName)
    return invalidArgument("Renaming a container with the same name as its current name");
  for (const auto& [id, other] : containers_) {
    if (other->rec.info.name == name) {
      Error e = nameInUse(name, id);
      return conflict("Error when allocating new name: " + e.message());
    }
  }
  c->rec.info.name = name;
  // The record is the truth after a daemon restart: if it cannot be written, the rename
  // did not happen.
  if (Status st = persist(*c); !st.ok()) {
    c->rec.info.name = oldName;
    return st;
  }
  publish(*c, "rename", {{"oldName", "/" + oldName}});
  return okStatus();
}

Result<std::string> ContainerManager::createContainer(const ContainerSpec& requested,
                                                      std::vector<std::string>* warnings) {
  ContainerSpec spec = requested;  // the networks beyond networkMode's become ids below
  cgroupPrewarm_.kick();           // `docker run` starts what it creates a few milliseconds later
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
      return nameInUse(name, other->rec.info.id);
    }
  } else {
    name = generateName([&](const std::string& n) { return taken(n) != nullptr; });
  }
  if (spec.image.empty()) return invalidArgument("config.Image: no image specified");
  if (networking_) {
    WHARF_TRY(networking_->resolveNetworks(spec));
    WHARF_TRY(networking_->validate(spec));
  }
  WHARF_TRY(checkCreateSpec(
      spec, [&](const std::string& other) { return find(other).ok(); },
      [&](const std::string&) { return networking_ != nullptr; }));
  // Options that would only fail at start (security options, capabilities, the seccomp
  // profile) fail the create instead, before anything exists.
  WHARF_TRY(validateSecurity(spec, daemonCapabilityBounding()));
  // -m, --cpus ...: docker's checks; what the host cannot limit is dropped with a warning.
  ResourceLimits limits = spec.resources;
  WHARF_TRY(checkResources(limits, HostResources::current(), false, warnings));

  WHARF_ASSIGN_OR_RETURN(ResolvedImage img, images_.resolveImage(spec.image));
  std::string id = randomHex(32);
  WHARF_ASSIGN_OR_RETURN(MergedConfig merged, mergeConfig(spec, img.defaults, id));
  merged.spec.name = name;

  auto c = std::make_shared<Container>();
  ContainerInfo& i = c->rec.info;
  i.id = id;
  i.name = name;
  i.imageRef = spec.image;
  i.imageId = img.id;
  int64_t now = nowNanos();
  i.created = formatRfc3339Nano(now);
  i.createdUnix = now / 1000000000;
  i.spec = std::move(merged.spec);
  i.spec.resources = limits;
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

  // Networks and volumes (container_resources.h): checked and made before the files; undone
  // on any error below.
  size_t createdResources = 0;
  ScopeGuard undoResources([&] {
    for (size_t k = 0; k < createdResources; ++k) resources_[k]->undoCreate(i);
  });
  auto lookup = [this](const std::string& other) -> Result<ContainerInfo> {
    WHARF_ASSIGN_OR_RETURN(ContainerPtr o, find(other));
    return o->rec.info;
  };
  for (ContainerResources* r : resources_) {
    WHARF_TRY(r->create(i, img.defaults, lookup));
    ++createdResources;
  }
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
  undoResources.dismiss();
  containers_[id] = c;
  log::info("created container {} ({})", id.substr(0, 12), name);
  publish(*c, "create");
  return id;
}

Result<ContainerInfo> ContainerManager::inspectContainer(const std::string& idOrName) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  ContainerInfo info = c->rec.info;
  if (networking_) info.endpoints = networking_->endpoints(info.id);
  // Not running: the networks it will join, without addresses (as docker shows them).
  if (networking_ && info.endpoints.empty())
    info.endpoints = networking_->configuredEndpoints(info.spec);
  for (const ContainerResources* r : resources_) r->describe(info);
  return info;
}

Status ContainerManager::updateEndpoint(const std::string& container,
                                        const std::string& networkName,
                                        const std::string& networkId,
                                        const std::optional<NetworkBackend::ConnectRequest>& req,
                                        bool force) {
  WHARF_ASSIGN_OR_RETURN(ContainerPtr c, find(container));
  ContainerInfo& i = c->rec.info;
  std::string mode = i.spec.networkMode;
  if (mode.empty() || mode == "default") mode = "bridge";
  bool same = mode == networkName || mode == networkId ||
              (mode.size() >= 12 && networkId.rfind(mode, 0) == 0);
  auto extra = std::find_if(i.spec.extraNetworks.begin(), i.spec.extraNetworks.end(),
                            [&](const auto& a) { return a.networkId == networkId; });
  bool running =
      i.state.status == ContainerStatus::kRunning || i.state.status == ContainerStatus::kPaused;
  if (c->rec.starting || i.state.status == ContainerStatus::kRestarting)
    return conflict("container " + i.name + " is starting or restarting: try again once it runs");
  std::string already =
      "endpoint with name " + i.name + " already exists in network " + networkName;
  std::string notConnected = "container " + i.id + " is not connected to network " + networkName;
  if (!networking_)
    return notImplemented("networks are not set up in this daemon (docs/networking.md)");
  (void)force;  // a disconnect always succeeds here or says why: nothing to force
  ContainerSpec spec = i.spec;
  if (running) {
    bool connected = false;
    for (const auto& e : networking_->endpoints(i.id))
      connected = connected || e.networkId == networkId;
    if (req && connected) return forbidden(already);
    if (!req && !connected) return forbidden(notConnected);
    if (req) {
      WHARF_TRY(networking_->connect(i, networkId, req->ipv4Address, req->aliases));
    } else {
      WHARF_TRY(networking_->disconnect(i, networkId));
    }
  } else if (same) {
    // A created container: its endpoint settings apply at its next start.
    spec.networkAliases = req ? req->aliases : std::vector<std::string>{};
    spec.ipv4Address = req ? req->ipv4Address : "";
    if (req && !req->macAddress.empty()) spec.macAddress = req->macAddress;
    WHARF_TRY(networking_->validate(spec));
  } else if (req) {
    if (extra != i.spec.extraNetworks.end()) return forbidden(already);
    WHARF_TRY(networking_->checkConnectable(spec, networkId));
  } else if (extra == i.spec.extraNetworks.end()) {
    return forbidden(notConnected);
  }
  // Another network is remembered (or forgotten) for the next starts, as docker does.
  if (!same) {
    std::erase_if(spec.extraNetworks, [&](const auto& a) { return a.networkId == networkId; });
    if (req) spec.extraNetworks.push_back({networkId, req->ipv4Address, req->aliases});
  }
  i.spec = std::move(spec);
  WHARF_TRY(persist(*c));
  Event e;
  e.type = "network";
  e.action = req ? "connect" : "disconnect";
  e.actorId = networkId;
  e.attributes = {{"container", i.id}, {"name", networkName}, {"type", "bridge"}};
  events_.publish(std::move(e));
  return okStatus();
}

Result<std::vector<ContainerInfo>> ContainerManager::listContainers(const ListOptions& opts) {
  WHARF_TRY(validateFilters(opts.filters));
  // Ancestors are resolved once per call: an image reference names one image id.
  std::map<std::string, std::string> ancestorIds;
  if (auto it = opts.filters.find("ancestor"); it != opts.filters.end()) {
    for (const auto& ref : it->second) {
      auto img = images_.resolveImage(ref);
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
    if (networking_)
      out.back().endpoints =
          running ? networking_->endpoints(i.id) : networking_->configuredEndpoints(i.spec);
    if (running)
      for (const ContainerResources* r : resources_) r->describe(out.back());
  }
  // Newest first, as docker lists them.
  std::sort(out.begin(), out.end(), [](const ContainerInfo& a, const ContainerInfo& b) {
    return a.created != b.created ? a.created > b.created : a.id < b.id;
  });
  if (opts.limit > 0 && out.size() > static_cast<size_t>(opts.limit)) out.resize(opts.limit);
  return out;
}

void ContainerManager::removeContainer(const std::string& idOrName, bool force, bool removeVolumes,
                                       std::function<void(Status)> done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error());
  ContainerPtr c = *found;
  const ContainerInfo& i = c->rec.info;
  if (i.state.status == ContainerStatus::kRemoving || c->pendingRemove) {
    return done(conflict("removal of container " + i.name + " is already in progress"));
  }
  if (i.state.status == ContainerStatus::kRestarting && !c->rec.starting) {
    if (!force) {
      return done(conflict("You cannot remove a restarting container " + i.id +
                           ". Stop the container before attempting removal or force remove"));
    }
    cancelRestart(*c);
  }
  bool live = i.state.status == ContainerStatus::kRunning ||
              i.state.status == ContainerStatus::kPaused || c->rec.starting;
  if (live && !force) {
    if (i.state.status == ContainerStatus::kPaused) {
      return done(conflict("cannot remove container \"/" + i.name +
                           "\": container is paused and must be unpaused first"));
    }
    return done(conflict("cannot remove container \"/" + i.name +
                         "\": container is running: stop the container before removing or "
                         "force remove"));
  }
  if (live) {
    // Killed now (a paused one is thawed first so that it can die); removed once its exit is
    // recorded and its resources released. A start in progress is killed as soon as it runs,
    // or abandoned before the shim is launched (container_start.cpp).
    c->pendingRemove = std::move(done);
    c->pendingRemoveVolumes = removeVolumes;
    setManuallyStopped(*c, true);
    if (c->shim) {
      if (i.state.status == ContainerStatus::kPaused) (void)c->shim->resume();
      (void)c->shim->kill(SIGKILL);
    }
    return;
  }
  doRemove(c, removeVolumes, done);
}

void ContainerManager::doRemove(const ContainerPtr& c, bool removeVolumes,
                                const std::function<void(Status)>& done) {
  const std::string id = c->rec.info.id;
  // Both a forced remove and AutoRemove may ask once the container exits.
  if (!containers_.count(id) || c->rec.info.state.status == ContainerStatus::kRemoving)
    return done(okStatus());
  // Nothing is deleted under a live container: a shim that still runs it (whatever the
  // record says) stops the removal here.
  if (c->rec.shimPid > 0 && shims_.isShimOf(c->rec.shimPid, id)) {
    return done(conflict("cannot remove container " + id + ": its shim (pid " +
                         std::to_string(c->rec.shimPid) + ") is still running"));
  }
  if (Status st = transition(*c, Transition::kRemoving); !st.ok()) return done(std::move(st));
  (void)persist(*c);
  auto fail = [this, c, id, done](Error e) {
    (void)transition(*c, Transition::kDead);
    (void)persist(*c);
    done(std::move(e).context("remove container " + id));
  };
  if (auto m = rootfs_.isMounted(c->rec.info.rootfsPath); !m.ok() || *m) c->rec.mounted = true;
  Status st = unmountRootfs(*c);
  if (st.ok()) {
    auto still = rootfs_.isMounted(c->rec.info.rootfsPath);
    if (!still.ok())
      st = std::move(still).error();
    else if (*still)
      st = internalError("unmount " + c->rec.info.rootfsPath + ": still mounted");
  }
  if (!st.ok()) return fail(std::move(st).error());
  // The components' resources go first (endpoints, anonymous volumes), then the files.
  forEachResource(
      0,
      [c, removeVolumes](ContainerResources* r, std::function<void()> next) {
        r->remove(c->rec.info, removeVolumes, std::move(next));
      },
      [this, c, id, fail, done] {
        Status st = fs::removeAll(bundleDir(id));
        if (st.ok()) st = fs::removeAll(containerDir(id));
        if (st.ok()) st = db_.deleteContainer(id);
        if (!st.ok()) return fail(std::move(st).error());
        (void)transition(*c, Transition::kRemoved);
        containers_.erase(id);
        if (c->restartTimer) c->restartTimer->cancel();
        c->shim.reset();
        publish(*c, "destroy");
        WaitResult r{c->rec.info.state.exitCode, c->rec.info.state.error};
        auto waiters = std::move(c->removeWaiters);
        endRun(*c, r);  // whoever waited for an exit that will never come learns it is gone
        forgetExecs(*c);
        for (auto& w : waiters) w(r);
        log::info("removed container {}", id.substr(0, 12));
        done(okStatus());
      });
}

void ContainerManager::forEachResource(
    size_t n, std::function<void(ContainerResources*, std::function<void()>)> fn,
    std::function<void()> done) {
  if (n >= resources_.size()) return done();
  ContainerResources* r = resources_[n];
  fn(r, [this, n, fn, done]() mutable { forEachResource(n + 1, std::move(fn), std::move(done)); });
}

}  // namespace wharf::engine
