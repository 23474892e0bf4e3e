// Engine: live restore. A daemon may die at any moment (kill -9 between a mount and the
// record that names it, between spawning a shim and learning its pid, between a container's
// exit and its removal). At start, every record is reconciled with reality instead of being
// trusted:
//   - a live shim (found by its command line, engine/shim_scan.h) means the container runs,
//     whatever the record says: it is adopted and watched;
//   - a record that says running or starting with no shim left: the exit file says how the
//     container ended; without one, anything left of it is killed (exit 255), or, when the
//     runtime never made the container, the start is recorded as failed;
//   - mounts are judged from /proc/self/mountinfo, not from the record's flag;
//   - what was to be removed (--rm) is removed, and container directories with no record
//     (a create cut short) are deleted.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "common/fs.h"
#include "common/log.h"
#include "common/mountinfo.h"
#include "engine/engine.h"
#include "engine/shim/json_log.h"
#include "engine/shim_scan.h"
#include "runtime/runtime.h"
#include "store/metadata.h"
#include "store/snapshotter.h"

namespace wharf::engine {

namespace stdfs = std::filesystem;

namespace {

// How long restore waits for a shim that was still starting its container when the old
// daemon died (it only has to finish the runtime's create and start).
constexpr auto kAdoptWait = std::chrono::seconds(10);

bool isExited(const Result<runtime::State>& st) { return st.ok() && st->status == "stopped"; }

}  // namespace

Status Engine::restore() {
  std::vector<store::ContainerRow> rows;
  {
    std::lock_guard lock(storeMu_);
    WHARF_ASSIGN_OR_RETURN(rows, db_.listContainers());
  }
  std::map<std::string, pid_t> shims = findShims();
  auto mounts = mountPoints();
  if (!mounts.ok()) log::warn("live restore: {}", mounts.error().message());
  std::set<std::string> known;
  std::vector<ContainerPtr> restored;
  for (auto& row : rows) {
    known.insert(row.id);
    auto rec = recordFromJson(row.json);
    if (!rec.ok()) {
      log::warn("container {}: unreadable record: {}", row.id, rec.error().message());
      continue;
    }
    auto c = std::make_shared<Container>();
    c->rec = std::move(*rec);
    // The kernel's word on the overlay; the flag may predate a mount or an unmount.
    if (mounts.ok()) c->rec.mounted = mounts->count(c->rec.info.rootfsPath) > 0;
    containers_[c->rec.info.id] = c;
    restored.push_back(c);
  }
  for (auto& c : restored) {
    auto it = shims.find(c->rec.info.id);
    // Users of volumes (and the mounts of those still running) before anything can exit.
    volumes_.restoreContainer(c->rec.info, it != shims.end());
    reconcile(c, it == shims.end() ? 0 : it->second);
  }
  removeOrphans(known, shims);
  return okStatus();
}

void Engine::reconcile(ContainerPtr c, pid_t livePid) {
  ContainerInfo& i = c->rec.info;
  const std::string id = i.id;
  if (livePid > 0) return adoptShim(c, livePid);
  bool wasLive = i.state.status == ContainerStatus::kRunning || c->rec.starting;
  if (wasLive) {
    bool ran = fs::exists(c->rec.exitFile) || runtime_.state(id).ok();
    if (c->rec.starting && !ran) {
      // The daemon died before the shim made the container: the start failed.
      log::info("restore: the start of container {} was interrupted", id.substr(0, 12));
      c->rec.starting = false;
      startFailed(c, unavailable("the start was interrupted: wharfd stopped while the "
                                 "container was starting"));
      return;
    }
    // The shim is gone: its exit file says how the container ended (onShimExit kills
    // whatever is left without one).
    log::info("restore: the shim of container {} is gone", id.substr(0, 12));
    i.state.status = ContainerStatus::kRunning;
    c->rec.starting = false;
    return onShimExit(c);
  }
  if (c->rec.mounted) {
    Status st = unmountRootfs(*c);
    if (st.ok()) st = persist(*c);
    if (!st.ok()) log::warn("restore {}: {}", id, st.error().message());
  }
  if (i.spec.autoRemove) {
    // --rm: it exited while no daemon was there to remove it.
    return doRemove(c, [id](Status st) {
      if (!st.ok()) log::warn("restore: remove {}: {}", id, st.error().message());
    });
  }
  // Restart policies apply across daemon restarts: "always" even after a manual stop.
  bool restart = i.state.status == ContainerStatus::kRestarting ||
                 (i.state.status == ContainerStatus::kExited &&
                  (i.spec.restartPolicy == "always" ||
                   (i.spec.restartPolicy == "unless-stopped" && !c->rec.manuallyStopped)));
  if (restart) {
    log::info("restart policy {}: starting container {}", i.spec.restartPolicy, id.substr(0, 12));
    i.state.status = ContainerStatus::kExited;
    startContainer(id, [id](Status st, bool) {
      if (!st.ok()) log::warn("restart of {} failed: {}", id, st.error().message());
    });
  }
}

void Engine::adoptShim(ContainerPtr c, pid_t shimPid) {
  ContainerInfo& i = c->rec.info;
  bool wasRunning = i.state.status == ContainerStatus::kRunning && !c->rec.starting;
  log::info("live restore: container {} has a live shim {} (record: {}{})", i.id.substr(0, 12),
            shimPid, statusName(i.state.status), c->rec.starting ? ", starting" : "");
  if (!wasRunning) {
    // The shim may still be creating the container: wait until the runtime says it runs (or
    // ran), its exit is recorded, or the shim is gone. Bounded; only after a daemon death.
    auto deadline = std::chrono::steady_clock::now() + kAdoptWait;
    int initPid = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      auto st = runtime_.state(i.id);
      if (st.ok() && (st->status == "running" || st->status == "paused" || isExited(st))) {
        initPid = st->pid;
        break;
      }
      if (fs::exists(c->rec.exitFile) || !isShimOf(shimPid, i.id)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (initPid == 0 && !isShimOf(shimPid, i.id) && !fs::exists(c->rec.exitFile) &&
        !runtime_.state(i.id).ok()) {
      // The shim gave up before the container existed (it reported an error nobody read).
      c->rec.starting = false;
      startFailed(c, internalError("wharf-shim failed to start the container (see " +
                                   c->rec.bundle + "/shim.log)"));
      return;
    }
    i.state.pid = initPid;
    i.state.exitCode = 0;
    i.state.error.clear();
    i.state.startedAt = shim::formatTime(shim::nowNanos());
    // The overlay was mounted before the shim was spawned.
    c->rec.mounted = true;
  }
  i.state.status = ContainerStatus::kRunning;
  c->rec.shimPid = shimPid;
  c->rec.starting = false;
  Status st = persist(*c);
  if (!st.ok()) log::warn("persist container {}: {}", i.id, st.error().message());
  st = watchShim(c);
  if (!st.ok()) log::warn("live restore {}: {}", i.id, st.error().message());
}

void Engine::removeOrphans(const std::set<std::string>& known,
                           const std::map<std::string, pid_t>& shims) {
  auto sweep = [&](const stdfs::path& dir, bool dataDir) {
    std::error_code ec;
    for (const auto& e : stdfs::directory_iterator(dir, ec)) {
      std::string id = e.path().filename().string();
      if (known.count(id) || shims.count(id) || !e.is_directory(ec)) continue;
      if (dataDir) {
        // A mount left under it stops the sweep: never delete below a live overlay.
        Status st = store::unmountPath(e.path() / "merged");
        auto still = isMountPoint((e.path() / "merged").string());
        if (!st.ok() || !still.ok() || *still) {
          log::warn("orphan {}: still mounted, left in place", e.path().string());
          continue;
        }
      } else {
        (void)runtime_.remove(id, true);
      }
      log::info("removing {} (no container record)", e.path().string());
      Status st = fs::removeAll(e.path());
      if (!st.ok()) log::warn("remove {}: {}", e.path().string(), st.error().message());
    }
  };
  sweep(cfg_.dataRoot / "containers", true);
  sweep(cfg_.execRoot / "containers", false);
}

}  // namespace wharf::engine
