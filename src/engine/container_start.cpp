// ContainerManager: start (unpack, mount, spec, resources, shim) and the end of a run.
#include <unistd.h>

#include <algorithm>

#include "common/fs.h"
#include "common/log.h"
#include "engine/container_manager.h"
#include "engine/spec_builder.h"
#include "engine/workdir.h"
#include "oci/runtime_spec.h"

namespace wharf::engine {

namespace stdfs = std::filesystem;

void ContainerManager::startContainer(const std::string& idOrName, StartDone done) {
  auto found = find(idOrName);
  if (!found.ok()) return done(std::move(found).error(), false);
  ContainerPtr c = *found;
  const ContainerInfo& i = c->rec.info;
  if (i.state.status == ContainerStatus::kRunning || i.state.status == ContainerStatus::kPaused ||
      c->rec.starting) {
    return done(okStatus(), true);
  }
  if (i.state.status == ContainerStatus::kRemoving || i.state.status == ContainerStatus::kDead ||
      c->pendingRemove) {
    return done(conflict("container is marked for removal and cannot be started"), false);
  }
  // A user's start overrides a pending restart and an earlier manual stop.
  cancelRestart(*c);
  setManuallyStopped(*c, false);
  doStart(c, std::move(done));
}

void ContainerManager::doStart(const ContainerPtr& c, StartDone done) {
  if (Status st = beginStart(*c); !st.ok()) return done(std::move(st), false);
  const ContainerInfo& i = c->rec.info;
  // The fast path: the layers were unpacked for an earlier start.
  bool haveLowers =
      !i.lowerDirs.empty() && std::all_of(i.lowerDirs.begin(), i.lowerDirs.end(),
                                          [](const std::string& d) { return fs::exists(d); });
  if (haveLowers) return continueStart(c, i.lowerDirs, std::move(done));
  // Unpacking is slow (decompression, many files): never on the loop.
  images_.unpackImage(i.imageId, [this, c, done = std::move(done)](
                                     Result<std::vector<std::string>> lowers) mutable {
    if (!lowers.ok()) return failStart(c, std::move(lowers).error(), done);
    continueStart(c, std::move(*lowers), std::move(done));
  });
}

void ContainerManager::continueStart(const ContainerPtr& c, std::vector<std::string> lowerDirs,
                                     StartDone done) {
  ContainerInfo& i = c->rec.info;
  if (c->pendingRemove) {
    return failStart(c, conflict("container " + i.id + " was removed while starting"), done);
  }
  i.lowerDirs = std::move(lowerDirs);
  if (!c->rec.mounted) {
    Status st = rootfs_.mount(i.lowerDirs, i.upperDir, i.workDir, i.rootfsPath);
    if (!st.ok()) return failStart(c, std::move(st).error().context("mount rootfs"), done);
    c->rec.mounted = true;
  }
  // A working directory the image lacks is created, as dockerd does.
  if (Status st = ensureDirInRoot(i.rootfsPath, i.spec.workingDir); !st.ok())
    return failStart(c, std::move(st).error(), done);
  if (Status st = fs::mkdirAll(c->rec.bundle, 0711); !st.ok())
    return failStart(c, std::move(st).error(), done);
  SpecContext ctx{i.rootfsPath, daemonCapabilityBounding()};
  auto spec = buildSpec(i, ctx);
  if (!spec.ok()) return failStart(c, std::move(spec).error(), done);
  prepareResources(c, std::make_shared<oci::Spec>(std::move(*spec)), 0, std::move(done));
}

void ContainerManager::prepareResources(const ContainerPtr& c, std::shared_ptr<oci::Spec> spec,
                                        size_t next, StartDone done) {
  if (next < resources_.size()) {
    return resources_[next]->prepare(
        c->rec.info, spec, [this, c, spec, next, done = std::move(done)](Status st) mutable {
          if (!st.ok()) {
            // The ones prepared before it give their resources back (failStart releases all:
            // release must cope with what was never prepared).
            return failStart(c, std::move(st).error(), done);
          }
          prepareResources(c, spec, next + 1, std::move(done));
        });
  }
  if (c->pendingRemove) {
    return failStart(c, conflict("container " + c->rec.info.id + " was removed while starting"),
                     done);
  }
  Status st = fs::writeFileAtomic(stdfs::path(c->rec.bundle) / "config.json",
                                  oci::serializeSpec(*spec), 0600);
  ::unlink(c->rec.exitFile.c_str());
  // The record says "starting" (and "mounted") before a shim exists: a daemon killed from
  // here on finds the shim again at restore (container_restore.cpp). No record, no shim.
  if (st.ok()) st = persist(*c);
  if (!st.ok()) return failStart(c, std::move(st).error(), done);
  launchShim(c, std::move(done));
}

void ContainerManager::launchShim(const ContainerPtr& c, StartDone done) {
  shims_.launch(
      shimStartFor(*c), [this, c](ShimHandle& h) { connectWaitingAttaches(*c, h); },
      [this, c, done = std::move(done)](Result<std::unique_ptr<ShimHandle>> h) mutable {
        if (!h.ok()) return failStart(c, std::move(h).error(), done);
        setRunning(c, std::move(*h), false);
        // A forced remove arrived while it was starting: it is waiting for this exit.
        if (c->pendingRemove && c->shim) (void)c->shim->kill(SIGKILL);
        done(okStatus(), false);
      });
}

void ContainerManager::failStart(const ContainerPtr& c, Error e, const StartDone& done) {
  if (Status st = unmountRootfs(*c); !st.ok())
    log::warn("unmount {}: {}", c->rec.info.rootfsPath, st.error().message());
  setStartFailed(c, e);
  releaseResources(c, [this, c] { afterRun(c, true); });
  done(std::move(e), false);
}

void ContainerManager::onShimExit(const ContainerPtr& c, const shim::ExitStatus& es) {
  ContainerInfo& i = c->rec.info;
  if (Status st = unmountRootfs(*c); !st.ok())
    log::warn("unmount {}: {}", i.rootfsPath, st.error().message());
  log::info("container {} exited with {}", i.id.substr(0, 12), es.exitCode);
  if (es.logDroppedBytes > 0) {
    log::warn(
        "container {}: {} bytes of its output were dropped: the log could not be written "
        "(disk full?)",
        i.id.substr(0, 12), es.logDroppedBytes);
  }
  // Resources go before the exit is recorded (as moby's Cleanup before SetStopped): waiters
  // woken by the exit may start the container again at once (restart), and that start's
  // prepare must not be undone by this run's release.
  releaseResources(c, [this, c, es] {
    setExited(c, es);
    afterRun(c, false);
  });
}

void ContainerManager::afterRun(const ContainerPtr& c, bool startFailed) {
  if (!containers_.count(c->rec.info.id)) return;
  bool byPolicy = c->policyStart;
  c->policyStart = false;
  if (c->pendingRemove) {
    auto done = std::move(c->pendingRemove);
    c->pendingRemove = nullptr;
    cancelRestart(*c);
    return doRemove(c, c->pendingRemoveVolumes, done);
  }
  // A start that a user asked for and that failed is not retried (as docker); one by policy is.
  if ((!startFailed || byPolicy) && shouldRestart(*c)) return scheduleRestart(c);
  cancelRestart(*c);  // a restart by policy that failed and gives up leaves it exited
  if (c->rec.info.spec.autoRemove && c->rec.info.state.status != ContainerStatus::kRunning &&
      !c->rec.starting) {
    doRemove(c, true, [](const Status&) {});
  }
}

void ContainerManager::releaseResources(const ContainerPtr& c, std::function<void()> done) {
  forEachResource(
      0,
      [c](ContainerResources* r, std::function<void()> next) {
        r->release(c->rec.info, std::move(next));
      },
      std::move(done));
}

Status ContainerManager::unmountRootfs(Container& c) {
  if (!c.rec.mounted) return okStatus();
  WHARF_TRY(rootfs_.unmount(c.rec.info.rootfsPath));
  c.rec.mounted = false;
  return okStatus();
}

}  // namespace wharf::engine
