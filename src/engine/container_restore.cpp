// ContainerManager: live restore. A daemon may die at any moment (kill -9 between a mount and
// the record that names it, between launching a shim and learning its pid, between a
// container's exit and its removal). At start, every record is reconciled with reality
// instead of being trusted:
//   - a live shim (ShimLauncher::liveShims, by what the kernel says) means the container
//     runs, whatever the record says: it is adopted and watched;
//   - a record that says running or starting with no shim left: the exit file says how the
//     container ended; without one, anything left of it is killed (exit 255), or, when the
//     runtime never made the container, the start is recorded as failed;
//   - mounts are judged by the kernel, not by the record's flag;
//   - a removal cut short is finished, what was to be removed (--rm) is removed, and
//     container directories with no record (a create cut short) are deleted.
#include <system_error>

#include "common/fs.h"
#include "common/log.h"
#include "engine/container_manager.h"
#include "store/metadata.h"

namespace wharf::engine {

namespace stdfs = std::filesystem;

Status ContainerManager::restore() {
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ContainerRow> rows, db_.listContainers());
  std::map<std::string, pid_t> shims = shims_.liveShims();
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
    if (auto m = rootfs_.isMounted(c->rec.info.rootfsPath); m.ok()) c->rec.mounted = *m;
    containers_[c->rec.info.id] = c;
    restored.push_back(c);
  }
  for (auto& c : restored) {
    auto it = shims.find(c->rec.info.id);
    // What the container uses (volumes) is registered before anything of it can change.
    for (ContainerResources* r : resources_) r->restore(c->rec.info, it != shims.end());
    reconcile(c, it == shims.end() ? 0 : it->second);
  }
  removeOrphans(known, shims);
  return okStatus();
}

void ContainerManager::reconcile(const ContainerPtr& c, pid_t livePid) {
  ContainerInfo& i = c->rec.info;
  const std::string id = i.id;
  auto status = i.state.status;
  if (livePid > 0) {
    log::info("live restore: container {} has a live shim {} (record: {}{})", id.substr(0, 12),
              livePid, statusName(status), c->rec.starting ? ", starting" : "");
    shims_.adopt(shimStartFor(*c), livePid, [this, c](Result<std::unique_ptr<ShimHandle>> h) {
      auto s = c->rec.info.state.status;
      bool runs =
          (s == ContainerStatus::kRunning || s == ContainerStatus::kPaused) && !c->rec.starting;
      if (!h.ok()) {
        // The shim gave up before the container existed (it reported an error nobody read),
        // or, for a container that ran, went away meanwhile: its exit file says how it ended.
        if (c->rec.starting) return failStart(c, std::move(h).error(), [](const Status&, bool) {});
        return shims_.collectExit(shimStartFor(*c), c->rec.info.state.pid,
                                  [this, c](const shim::ExitStatus& es) { onShimExit(c, es); });
      }
      if (runs) return adoptRunning(c, std::move(*h));
      // A start the old daemon did not see finish (or a record a failed persist left stale).
      if (!c->rec.starting) {
        if (s == ContainerStatus::kRestarting) cancelRestart(*c);
        if (Status st = beginStart(*c); !st.ok()) {
          log::warn("live restore {}: {}", c->rec.info.id, st.error().message());
          return;
        }
      }
      c->rec.mounted = true;  // the overlay was mounted before the shim was launched
      setRunning(c, std::move(*h), false);
    });
    return;
  }
  if (status == ContainerStatus::kRemoving || status == ContainerStatus::kDead) {
    // A removal cut short: finish it (a dead one stays dead until a user removes it).
    if (status == ContainerStatus::kRemoving) {
      (void)transition(*c, Transition::kDead);
      doRemove(c, false, [id](const Status& st) {
        if (!st.ok()) log::warn("restore: remove {}: {}", id, st.error().message());
      });
    }
    return;
  }
  bool wasLive =
      status == ContainerStatus::kRunning || status == ContainerStatus::kPaused || c->rec.starting;
  if (wasLive) {
    bool ran = fs::exists(c->rec.exitFile) || shims_.runtimeHas(id);
    if (c->rec.starting && !ran) {
      log::info("restore: the start of container {} was interrupted", id.substr(0, 12));
      return failStart(c,
                       unavailable("the start was interrupted: wharfd stopped while the "
                                   "container was starting"),
                       [](const Status&, bool) {});
    }
    // The shim is gone: its exit file says how the container ended.
    log::info("restore: the shim of container {} is gone", id.substr(0, 12));
    shims_.collectExit(shimStartFor(*c), i.state.pid,
                       [this, c](const shim::ExitStatus& es) { onShimExit(c, es); });
    return;
  }
  if (c->rec.mounted) {
    Status st = unmountRootfs(*c);
    if (st.ok()) st = persist(*c);
    if (!st.ok()) log::warn("restore {}: {}", id, st.error().message());
  }
  if (i.spec.autoRemove) {
    // --rm: it exited while no daemon was there to remove it.
    return doRemove(c, true, [id](const Status& st) {
      if (!st.ok()) log::warn("restore: remove {}: {}", id, st.error().message());
    });
  }
  // Restart policies apply across daemon restarts: "always" even after a manual stop.
  bool restart = status == ContainerStatus::kRestarting ||
                 (status == ContainerStatus::kExited &&
                  (i.spec.restartPolicy == "always" ||
                   (i.spec.restartPolicy == "unless-stopped" && !c->rec.manuallyStopped)));
  if (restart) {
    log::info("restart policy {}: starting container {}", i.spec.restartPolicy, id.substr(0, 12));
    cancelRestart(*c);
    c->policyStart = true;
    doStart(c, [id](const Status& st, bool) {
      if (!st.ok()) log::warn("restart of {} failed: {}", id, st.error().message());
    });
  }
}

void ContainerManager::removeOrphans(const std::set<std::string>& known,
                                     const std::map<std::string, pid_t>& shims) {
  auto sweep = [&](const stdfs::path& dir, bool dataDir) {
    std::error_code ec;
    for (const auto& e : stdfs::directory_iterator(dir, ec)) {
      std::string id = e.path().filename().string();
      if (known.count(id) || shims.count(id) || !e.is_directory(ec)) continue;
      if (dataDir) {
        // A mount left under it stops the sweep: never delete below a live overlay.
        std::string merged = (e.path() / "merged").string();
        auto mounted = rootfs_.isMounted(merged);
        Status st = mounted.ok() && *mounted ? rootfs_.unmount(merged) : okStatus();
        auto still = rootfs_.isMounted(merged);
        if (!st.ok() || !still.ok() || *still) {
          log::warn("orphan {}: still mounted, left in place", e.path().string());
          continue;
        }
      } else {
        shims_.cleanup(id, [] {});
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
