#pragma once
// Fakes for the ContainerManager's seams (engine/shim_launcher.h, rootfs.h,
// container_images.h, EventPublisher): no processes, no mounts, everything on one io_context.

#include <signal.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/time.h"
#include "engine/backend.h"
#include "engine/container_images.h"
#include "engine/rootfs.h"
#include "engine/shim/json_log.h"
#include "engine/shim_client.h"
#include "engine/shim_launcher.h"

namespace wharf::fakes {

// One fake container process. Signals are recorded; those in `exitOn` end it with 128+signal
// (SIGTERM and SIGKILL by default; a frozen one only once resumed, as the kernel does).
struct FakeTask {
  std::string id;
  pid_t init = 0, shim = 0;
  std::vector<int> signals;
  std::set<int> exitOn = {SIGTERM, SIGKILL};
  bool paused = false;
  bool exited = false;
  int pendingExit = -1;  // a signal that will end it once thawed
  std::function<void(shim::ExitStatus)> onExit;
  std::vector<std::pair<int, int>> resizes;
  std::vector<oci::Resources> updates;  // live resource updates (docker update)
  std::function<void(uint64_t)> onOom;  // set by watchOom: the test reports OOM kills
  uint64_t oomKills = 0;                // what the exit status says
  // Task requests: one-shot ones, and streams (the test plays the shim on the peer socket).
  std::vector<shim::TaskRequest> calls;
  std::vector<std::pair<shim::TaskRequest, UniqueFd>> streams;
  boost::asio::io_context* io = nullptr;

  void exit(int code) {
    if (exited) return;
    exited = true;
    shim::ExitStatus es;
    es.exitCode = code;
    es.finishedAtNanos = nowNanos();
    es.oomKills = oomKills;
    if (onExit) {
      auto cb = onExit;
      boost::asio::post(*io, [cb, es] { cb(es); });
    }
  }
};

class FakeShimLauncher : public engine::ShimLauncher {
 public:
  explicit FakeShimLauncher(boost::asio::io_context& io) : io_(io) {}

  struct Handle : engine::ShimHandle {
    std::shared_ptr<FakeTask> t;
    explicit Handle(std::shared_ptr<FakeTask> task) : t(std::move(task)) {}
    pid_t shimPid() const override { return t->shim; }
    pid_t initPid() const override { return t->init; }
    void watchExit(std::function<void(shim::ExitStatus)> cb) override { t->onExit = std::move(cb); }
    Status kill(int sig) override {
      if (t->exited) return conflict("no such process");
      t->signals.push_back(sig);
      if (t->exitOn.count(sig)) {
        if (t->paused)
          t->pendingExit = sig;
        else
          t->exit(128 + sig);
      }
      return okStatus();
    }
    Status pause() override {
      t->paused = true;
      return okStatus();
    }
    Status resume() override {
      t->paused = false;
      if (t->pendingExit > 0) t->exit(128 + t->pendingExit);
      return okStatus();
    }
    Status update(const oci::Resources& r) override {
      if (t->exited) return conflict("the fake container is not running");
      t->updates.push_back(r);
      return okStatus();
    }
    void watchOom(uint64_t seen, std::function<void(uint64_t)> onOom) override {
      (void)seen;
      t->onOom = std::move(onOom);
    }
    Status resize(int h, int w) override {
      t->resizes.emplace_back(h, w);
      return okStatus();
    }
    Result<shim::TaskReply> call(const shim::TaskRequest& r) override {
      if (t->exited) return unavailable("the fake shim has exited");
      t->calls.push_back(r);
      return shim::TaskReply{};
    }
    Result<std::shared_ptr<engine::ShimStream>> stream(
        const shim::TaskRequest& r, engine::ShimStream::ReplyFn onReply) override {
      if (t->exited) return unavailable("the fake shim has exited");
      int sv[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return sysError("socketpair");
      t->streams.emplace_back(r, UniqueFd(sv[1]));
      return engine::ShimStream::adopt(*t->io, UniqueFd(sv[0]), r, std::move(onReply));
    }
  };

  // What the next launch does: fail with this error, or (hold) wait for release().
  std::optional<Error> failNext;
  bool holdLaunches = false;
  std::vector<std::function<void()>> held;
  void releaseHeld() {
    auto h = std::move(held);
    held.clear();
    for (auto& f : h) f();
  }

  void launch(const engine::ShimStart& s, engine::BeforeStart beforeStart,
              LaunchDone done) override {
    ++launches;
    if (failNext) {
      Error e = *failNext;
      failNext.reset();
      boost::asio::post(io_, [done, e] { done(e); });
      return;
    }
    auto t = std::make_shared<FakeTask>();
    t->id = s.id;
    t->init = nextPid_++;
    t->shim = nextPid_++;
    t->io = &io_;
    tasks[s.id].push_back(t);
    auto go = [this, done, t, beforeStart] {
      boost::asio::post(io_, [done, t, beforeStart] {
        auto h = std::make_unique<Handle>(t);
        if (beforeStart) beforeStart(*h);
        done(std::unique_ptr<engine::ShimHandle>(std::move(h)));
      });
    };
    if (holdLaunches)
      held.push_back(go);
    else
      go();
  }

  std::shared_ptr<FakeTask> last(const std::string& id) {
    auto it = tasks.find(id);
    return it == tasks.end() || it->second.empty() ? nullptr : it->second.back();
  }

  // ---- restore ----
  std::map<std::string, pid_t> live;
  std::set<std::string> runtimeKnows;
  std::map<std::string, shim::ExitStatus> exitFiles;
  std::vector<std::string> cleaned;
  std::map<std::string, pid_t> liveShims() override { return live; }
  bool isShimOf(pid_t pid, const std::string& id) override {
    auto it = live.find(id);
    return it != live.end() && it->second == pid;
  }
  void adopt(const engine::ShimStart& s, pid_t shimPid, LaunchDone done) override {
    auto t = std::make_shared<FakeTask>();
    t->id = s.id;
    t->init = nextPid_++;
    t->shim = shimPid;
    t->io = &io_;
    tasks[s.id].push_back(t);
    boost::asio::post(io_, [done, t] { done(std::unique_ptr<engine::ShimHandle>(new Handle(t))); });
  }
  bool runtimeHas(const std::string& id) override { return runtimeKnows.count(id) > 0; }
  void collectExit(const engine::ShimStart& s, pid_t,
                   std::function<void(shim::ExitStatus)> done) override {
    shim::ExitStatus es;
    if (auto it = exitFiles.find(s.id); it != exitFiles.end()) {
      es = it->second;
    } else {
      es.exitCode = 255;
      es.error = "wharf-shim exited without recording the container's exit";
    }
    boost::asio::post(io_, [done, es] { done(es); });
  }
  void cleanup(const std::string& id, std::function<void()> done) override {
    cleaned.push_back(id);
    boost::asio::post(io_, done);
  }

  int launches = 0;
  std::map<std::string, std::vector<std::shared_ptr<FakeTask>>> tasks;

 private:
  boost::asio::io_context& io_;
  pid_t nextPid_ = 1000;
};

class FakeRootfs : public engine::RootfsMounter {
 public:
  std::set<std::string> mounted;
  int mounts = 0, unmounts = 0;
  Status mount(const std::vector<std::string>&, const std::string&, const std::string&,
               const std::string& target) override {
    ++mounts;
    mounted.insert(target);
    return okStatus();
  }
  Status unmount(const std::string& target) override {
    ++unmounts;
    mounted.erase(target);
    return okStatus();
  }
  Result<bool> isMounted(const std::string& target) override { return mounted.count(target) > 0; }
};

class FakeImages : public engine::ContainerImages {
 public:
  explicit FakeImages(boost::asio::io_context& io) : io_(io) {}
  Result<engine::ResolvedImage> resolveImage(const std::string& ref) override {
    if (ref != "busybox" && ref != "busybox:latest" && ref != kId)
      return notFound("No such image: " + ref);
    engine::ResolvedImage r;
    r.id = kId;
    r.defaults.cmd = {"sh"};
    r.defaults.env = {"PATH=/usr/bin:/bin"};
    return r;
  }
  void unpackImage(const std::string&,
                   std::function<void(Result<std::vector<std::string>>)> done) override {
    ++unpacks;
    boost::asio::post(io_, [done] { done(std::vector<std::string>{"/nonexistent/lower"}); });
  }
  int unpacks = 0;
  static constexpr const char* kId =
      "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

 private:
  boost::asio::io_context& io_;
};

class RecordingEvents : public engine::EventPublisher {
 public:
  std::vector<engine::Event> events;
  void publish(engine::Event e) override { events.push_back(std::move(e)); }
  // "create start die(0)" style summary of container events for one id.
  std::vector<std::string> actions(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.actorId == id) out.push_back(e.action);
    return out;
  }
};

}  // namespace wharf::fakes
