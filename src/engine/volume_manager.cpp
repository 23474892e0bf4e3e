#include "engine/volume_manager.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/fs.h"
#include "common/log.h"
#include "common/scope_guard.h"
#include "common/unique_fd.h"
#include "engine/spec_builder.h"
#include "volume/copy_up.h"

namespace wharf::engine {

using volume::MountPoint;

namespace {

bool hasWord(const std::string& list, const char* word) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    if (list.compare(pos, comma - pos, word) == 0) return true;
    pos = comma + 1;
  }
  return false;
}

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size() && !s.empty()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    if (comma > pos) out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

size_t depth(const std::string& p) { return std::count(p.begin(), p.end(), '/'); }

// What is at `path` inside the rootfs, resolved as the container will see it: S_IFDIR,
// S_IFREG..., or 0 when nothing is there.
Result<mode_t> typeInRoot(const std::string& rootfs, const std::string& path) {
  UniqueFd root(::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return sysError("open " + rootfs);
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root.get(), path.c_str(), &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return mode_t{0};
    return sysError("resolve " + path + " in the container's root filesystem");
  }
  UniqueFd target(static_cast<int>(fd));
  struct stat st {};
  if (::fstat(target.get(), &st) != 0) return sysError("stat " + path);
  return static_cast<mode_t>(st.st_mode & S_IFMT);
}

// docker's (runc's) words when a file and a directory meet.
Status checkTypes(const std::string& source, bool sourceIsDir, const std::string& dest,
                  mode_t destType) {
  if (destType == 0 || (destType == S_IFDIR) == sourceIsDir) return okStatus();
  return invalidArgument("error mounting \"" + source + "\" to rootfs at \"" + dest +
                         "\": not a directory: Are you trying to mount a directory onto a file "
                         "(or vice-versa)? Check if the specified host path exists and is the "
                         "expected type");
}

}  // namespace

VolumeDetail VolumeManager::detail(const volume::Volume& v) const {
  VolumeDetail d;
  d.volume = v;
  d.refCount = static_cast<int64_t>(volumes_.users(v.name).size());
  return d;
}

Result<VolumeDetail> VolumeManager::createVolume(const volume::CreateRequest& req) {
  WHARF_ASSIGN_OR_RETURN(volume::Volume v, volumes_.create(req));
  return detail(v);
}

Result<std::vector<VolumeDetail>> VolumeManager::listVolumes(const volume::Filters& filters) {
  WHARF_ASSIGN_OR_RETURN(auto list, volumes_.list(filters));
  std::vector<VolumeDetail> out;
  out.reserve(list.size());
  for (const auto& v : list) out.push_back(detail(v));
  return out;
}

Result<VolumeDetail> VolumeManager::inspectVolume(const std::string& name) {
  WHARF_ASSIGN_OR_RETURN(volume::Volume v, volumes_.get(name));
  return detail(v);
}

Status VolumeManager::removeVolume(const std::string& name, bool force) {
  return volumes_.remove(name, force);
}

Result<volume::PruneReport> VolumeManager::pruneVolumes(const volume::Filters& filters) {
  return volumes_.prune(filters);
}

Result<std::vector<MountPoint>> VolumeManager::planMounts(
    const ContainerSpec& spec, const std::vector<std::string>& imageVolumes,
    const ContainerLookup& lookup) {
  std::map<std::string, MountPoint> byDest;
  // --volumes-from first: the container's own mounts replace what it inherits.
  for (const auto& from : spec.volumesFrom) {
    WHARF_ASSIGN_OR_RETURN(auto parsed, volume::parseVolumesFrom(from));
    WHARF_ASSIGN_OR_RETURN(ContainerInfo other, lookup(parsed.first));
    for (MountPoint mp : other.mountPoints) {
      if (mp.type == "tmpfs") continue;
      mp.rw = mp.rw && !hasWord(parsed.second, "ro");
      mp.anonymous = false;  // the other container's to remove
      mp.copyData = false;
      mp.chown = false;
      mp.createSource = false;
      byDest[mp.destination] = mp;
    }
  }
  std::set<std::string> own;
  auto add = [&](MountPoint mp) -> Status {
    if (!own.insert(mp.destination).second)
      return invalidArgument("Duplicate mount point: " + mp.destination);
    byDest[mp.destination] = std::move(mp);
    return okStatus();
  };
  for (const auto& raw : spec.binds) {
    WHARF_ASSIGN_OR_RETURN(MountPoint mp, volume::parseBind(raw));
    if (mp.type == "volume" && !mp.anonymous) WHARF_TRY(volume::validateVolumeName(mp.name));
    WHARF_TRY(add(std::move(mp)));
  }
  for (const auto& m : spec.mounts) {
    WHARF_ASSIGN_OR_RETURN(MountPoint mp, volume::parseMount(m));
    if (mp.type == "volume" && !mp.anonymous) WHARF_TRY(volume::validateVolumeName(mp.name));
    if (mp.type == "volume" && mp.driver != "local")
      return notFound("error looking up volume plugin " + mp.driver + ": plugin \"" + mp.driver +
                      "\" not found");
    WHARF_TRY(add(std::move(mp)));
  }
  for (const auto& [dest, opts] : spec.tmpfs) {
    WHARF_ASSIGN_OR_RETURN(MountPoint mp, volume::parseTmpfs(dest, opts));
    WHARF_TRY(add(std::move(mp)));
  }
  // The config's and the image's VOLUMEs: an anonymous volume where nothing else is mounted.
  std::vector<std::string> anon = spec.volumes;
  anon.insert(anon.end(), imageVolumes.begin(), imageVolumes.end());
  for (const auto& dest : anon) {
    WHARF_ASSIGN_OR_RETURN(MountPoint mp, volume::parseBind(dest));
    if (mp.type != "volume" || !mp.anonymous)
      return invalidArgument("invalid volume specification: '" + dest + "'");
    if (byDest.count(mp.destination)) continue;
    byDest[mp.destination] = std::move(mp);
  }
  std::vector<MountPoint> out;
  out.reserve(byDest.size());
  for (auto& [dest, mp] : byDest) out.push_back(std::move(mp));
  // Parents before children: /a is mounted before /a/b.
  std::stable_sort(out.begin(), out.end(), [](const MountPoint& a, const MountPoint& b) {
    return depth(a.destination) < depth(b.destination);
  });
  return out;
}

Result<std::vector<std::string>> VolumeManager::prepareCreate(const std::string& containerId,
                                                              std::vector<MountPoint>& mounts) {
  std::vector<std::string> created, used;
  ScopeGuard undo([&] {
    for (const auto& n : used) volumes_.removeUser(n, containerId);
    for (const auto& n : created) (void)volumes_.remove(n, true);
  });
  for (auto& mp : mounts) {
    if (mp.type != "volume") continue;
    if (mp.anonymous || !volumes_.get(mp.name).ok()) {
      volume::CreateRequest req;
      req.name = mp.anonymous ? "" : mp.name;
      req.options = mp.volumeOptions;
      req.labels = mp.volumeLabels;
      WHARF_ASSIGN_OR_RETURN(volume::Volume v, volumes_.create(req));
      created.push_back(v.name);
      mp.name = v.name;
    }
    WHARF_ASSIGN_OR_RETURN(volume::Volume v, volumes_.get(mp.name));
    mp.source = v.mountpoint;
    mp.driver = v.driver;
    WHARF_TRY(volumes_.addUser(mp.name, containerId));
    used.push_back(mp.name);
  }
  undo.dismiss();
  return created;
}

void VolumeManager::undoCreate(const std::string& containerId,
                               const std::vector<MountPoint>& mounts,
                               const std::vector<std::string>& created) {
  for (const auto& mp : mounts)
    if (mp.type == "volume") volumes_.removeUser(mp.name, containerId);
  for (const auto& n : created) (void)volumes_.remove(n, true);
}

Result<std::vector<oci::Mount>> VolumeManager::prepareStart(const ContainerInfo& c,
                                                            const std::string& rootfs) {
  std::vector<oci::Mount> out;
  bool ok = false;
  ScopeGuard undo([&] {
    if (!ok) releaseStart(c);
  });
  std::optional<oci::User> user;
  for (const auto& mp : c.mountPoints) {
    oci::Mount m;
    m.destination = mp.destination;
    if (mp.type == "tmpfs") {
      m.type = "tmpfs";
      m.source = "tmpfs";
      m.options = {"noexec", "nosuid", "nodev"};
      for (auto& o : splitComma(mp.tmpfsOptions)) m.options.push_back(std::move(o));
      out.push_back(std::move(m));
      continue;
    }
    std::string source = mp.source;
    if (mp.type == "volume") {
      WHARF_ASSIGN_OR_RETURN(source, volumes_.mount(mp.name, c.id));
      WHARF_ASSIGN_OR_RETURN(mode_t destType, typeInRoot(rootfs, mp.destination));
      WHARF_TRY(checkTypes(source, true, mp.destination, destType));
      if (mp.copyData && destType == S_IFDIR) {
        auto copied = volume::copyUp(rootfs, mp.destination, source);
        if (!copied.ok()) return std::move(copied).error().context("populate volume " + mp.name);
      }
      if (mp.chown) {
        if (!user) {
          WHARF_ASSIGN_OR_RETURN(oci::User u, resolveUser(c.spec.user, rootfs));
          user = u;
        }
        WHARF_TRY_CTX(volume::chownTree(source, user->uid, user->gid), "volume " + mp.name + " :U");
      }
    } else {
      struct stat st {};
      if (::stat(source.c_str(), &st) != 0) {
        if (errno != ENOENT || !mp.createSource)
          return invalidArgument(
              "invalid mount config for type \"bind\": bind source path does "
              "not exist: " +
              source);
        // `-v /host:/ctr` creates what is missing, as dockerd does.
        WHARF_TRY(fs::mkdirAll(source, 0755));
        if (::stat(source.c_str(), &st) != 0) return sysError("stat " + source);
      }
      WHARF_ASSIGN_OR_RETURN(mode_t destType, typeInRoot(rootfs, mp.destination));
      WHARF_TRY(checkTypes(source, S_ISDIR(st.st_mode), mp.destination, destType));
      if (mp.chown) {
        if (!user) {
          WHARF_ASSIGN_OR_RETURN(oci::User u, resolveUser(c.spec.user, rootfs));
          user = u;
        }
        WHARF_TRY_CTX(volume::chownTree(source, user->uid, user->gid), source + " :U");
      }
    }
    m.type = "bind";
    m.source = source;
    m.options = {mp.nonRecursive ? "bind" : "rbind",
                 mp.propagation.empty() ? "rprivate" : mp.propagation, mp.rw ? "rw" : "ro"};
    out.push_back(std::move(m));
  }
  ok = true;
  return out;
}

Status VolumeManager::create(ContainerInfo& c, const ImageDefaults& image,
                             const ContainerLookup& lookup) {
  WHARF_ASSIGN_OR_RETURN(c.mountPoints, planMounts(c.spec, image.volumes, lookup));
  WHARF_ASSIGN_OR_RETURN(auto created, prepareCreate(c.id, c.mountPoints));
  createdBy_[c.id] = std::move(created);
  return okStatus();
}

void VolumeManager::undoCreate(const ContainerInfo& c) {
  auto it = createdBy_.find(c.id);
  undoCreate(c.id, c.mountPoints, it == createdBy_.end() ? std::vector<std::string>{} : it->second);
  if (it != createdBy_.end()) createdBy_.erase(it);
}

void VolumeManager::prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
                            std::function<void(Status)> done) {
  createdBy_.erase(c.id);  // the create succeeded long ago
  auto mounts = prepareStart(c, c.rootfsPath);
  if (!mounts.ok()) return done(std::move(mounts).error());
  // The container's mounts replace a default mount or /etc file at the same destination.
  auto mine = [&](const std::string& dest) {
    return std::any_of(mounts->begin(), mounts->end(),
                       [&](const oci::Mount& m) { return m.destination == dest; });
  };
  spec->mounts.erase(std::remove_if(spec->mounts.begin(), spec->mounts.end(),
                                    [&](const oci::Mount& m) { return mine(m.destination); }),
                     spec->mounts.end());
  spec->mounts.insert(spec->mounts.end(), mounts->begin(), mounts->end());
  done(okStatus());
}

void VolumeManager::release(const ContainerInfo& c, std::function<void()> done) {
  releaseStart(c);
  done();
}

void VolumeManager::remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) {
  createdBy_.erase(c.id);
  // docker's AutoRemove takes the anonymous volumes too (RemoveVolume: true).
  releaseContainer(c, removeVolumes || c.spec.autoRemove);
  done();
}

void VolumeManager::releaseStart(const ContainerInfo& c) {
  for (const auto& mp : c.mountPoints) {
    if (mp.type != "volume") continue;
    Status st = volumes_.unmount(mp.name, c.id);
    if (!st.ok()) log::warn("container {}: {}", c.id.substr(0, 12), st.error().message());
  }
}

void VolumeManager::releaseContainer(const ContainerInfo& c, bool removeAnonymous) {
  for (const auto& mp : c.mountPoints) {
    if (mp.type != "volume") continue;
    volumes_.removeUser(mp.name, c.id);
    if (!removeAnonymous || !mp.anonymous || !volumes_.users(mp.name).empty()) continue;
    Status st = volumes_.remove(mp.name, true);
    if (!st.ok()) log::warn("remove volume {}: {}", mp.name, st.error().message());
  }
}

void VolumeManager::restoreContainer(const ContainerInfo& c, bool running) {
  for (const auto& mp : c.mountPoints) {
    if (mp.type != "volume") continue;
    Status st = volumes_.addUser(mp.name, c.id);
    if (st.ok() && running) {
      auto m = volumes_.mount(mp.name, c.id);
      if (!m.ok()) st = std::move(m).error();
    }
    if (!st.ok()) log::warn("container {}: {}", c.id.substr(0, 12), st.error().message());
  }
}

}  // namespace wharf::engine
