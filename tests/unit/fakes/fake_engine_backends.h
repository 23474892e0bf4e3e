#pragma once
// In-memory engine backends for the API tests (and the docker-CLI check server): containers
// "run" a script of output entries on the io_context, then exit with a chosen code.

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace wharf::fakes {

inline std::string fakeNowIso() {
  time_t t = std::time(nullptr);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000000000Z", &tm);
  return buf;
}

class FakeImageBackend : public engine::ImageBackend {
 public:
  FakeImageBackend() { add("busybox:latest", "sha256:" + std::string(64, 'b')); }

  void add(const std::string& tag, const std::string& id) {
    engine::ImageDetail d;
    d.summary.id = id;
    d.summary.repoTags = {tag};
    d.summary.created = 1700000000;
    d.summary.size = 4261550;
    d.architecture = "amd64";
    d.createdIso = "2023-11-14T22:13:20Z";
    d.cmd = {"sh"};
    d.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    d.diffIds = {"sha256:" + std::string(64, 'd')};
    images_.push_back(d);
  }

  Result<std::vector<engine::ImageSummary>> listImages(bool) override {
    std::vector<engine::ImageSummary> out;
    for (const auto& d : images_) out.push_back(d.summary);
    return out;
  }

  Result<engine::ImageDetail> inspectImage(const std::string& name) override {
    std::string full = name.find(':') == std::string::npos ? name + ":latest" : name;
    for (const auto& d : images_) {
      for (const auto& t : d.summary.repoTags)
        if (t == full) return d;
      if (d.summary.id == name || d.summary.id.substr(7, name.size()) == name) return d;
    }
    return notFound("No such image: " + full);
  }
  // Two entries: the image's own (a layer) over an empty-layer one.
  Result<std::vector<engine::ImageHistoryItem>> imageHistory(const std::string& name) override {
    auto d = inspectImage(name);
    if (!d.ok()) return d.error();
    return std::vector<engine::ImageHistoryItem>{
        {d->summary.id, 1700000000, "/bin/sh -c #(nop) ADD file:abc in /", "", d->summary.repoTags,
         d->summary.size},
        {"<missing>", 1690000000, "/bin/sh -c #(nop)  CMD [\"sh\"]", "base", {}, 0}};
  }

  void bootstrapImage(const std::string& name,
                      std::function<void(Result<engine::ImageSummary>)> done) override {
    if (name != "busybox") return done(invalidArgument("no built-in image named " + name));
    done(images_.front().summary);
  }

  // The transfer operations record what they were asked, and answer like a small store.
  void tagImage(const std::string& nameOrId, const std::string& ref,
                std::function<void(Status)> done) override {
    auto d = inspectImage(nameOrId);
    if (!d.ok()) return done(d.error());
    if (ref.empty() || ref.find(' ') != std::string::npos)
      return done(invalidArgument("invalid reference format"));
    for (auto& img : images_)
      if (img.summary.id == d->summary.id) img.summary.repoTags.push_back(ref);
    done(okStatus());
  }
  void removeImage(
      const std::string& nameOrId, bool force,
      std::function<void(Result<std::vector<engine::ImageDeleteItem>>)> done) override {
    auto d = inspectImage(nameOrId);
    if (!d.ok()) return done(d.error());
    if (inUse.count(d->summary.id) && !force)
      return done(conflict("conflict: unable to delete (must be forced) - image is being used"));
    std::vector<engine::ImageDeleteItem> out;
    for (const auto& t : d->summary.repoTags) out.push_back({t, ""});
    out.push_back({"", d->summary.id});
    std::erase_if(images_, [&](const auto& i) { return i.summary.id == d->summary.id; });
    done(out);
  }
  void loadImages(UniqueFd archive,
                  std::function<void(Result<std::vector<engine::ImageSummary>>)> done) override {
    lastArchive = readAll(archive);
    if (lastArchive.rfind("bad", 0) == 0) return done(invalidArgument("load: not an archive"));
    engine::ImageSummary untagged;
    untagged.id = "sha256:" + std::string(64, 'u');
    done(std::vector<engine::ImageSummary>{images_.front().summary, untagged});
  }
  void importImage(UniqueFd tarball, engine::ImageImportOptions opts,
                   std::function<void(Result<engine::ImageSummary>)> done) override {
    lastArchive = readAll(tarball);
    lastImport = std::move(opts);
    engine::ImageSummary s;
    s.id = "sha256:" + std::string(64, 'i');
    done(s);
  }
  void saveImages(std::vector<std::string> names,
                  std::function<void(Result<UniqueFd>)> done) override {
    for (const auto& n : names) {
      auto d = inspectImage(n);
      if (!d.ok()) return done(d.error());
    }
    // A pipe holding the names: what the route streams.
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return done(sysError("pipe"));
    UniqueFd rd(p[0]), wr(p[1]);
    std::string content;
    for (const auto& n : names) content += n + "\n";
    if (::write(wr.get(), content.data(), content.size()) < 0) return done(sysError("write"));
    wr.reset();  // the reader sees EOF after the names
    done(std::move(rd));
  }

  void pullImage(engine::ImagePullOptions opts,
                 std::function<void(const engine::ImagePullProgress&)> progress,
                 std::function<void(Result<engine::ImagePullResult>)> done) override {
    lastPull = opts;
    if (opts.ref.find("nosuch") != std::string::npos)
      return done(notFound("manifest for " + opts.ref + " not found: manifest unknown"));
    progress({"latest", "Pulling from library/busybox"});
    progress({"abcdef123456", "Pulling fs layer"});
    progress({"abcdef123456", "Downloading", 1000, 2000});
    progress({"abcdef123456", "Pull complete"});
    if (opts.ref.find("midfail") != std::string::npos)
      return done(invalidArgument("layer sha256:abc: digest mismatch"));
    engine::ImagePullResult r;
    r.image = images_.front().summary;
    r.familiarRef = opts.ref;
    r.updated = true;
    done(r);
  }

  // Untagged images (every one with dangling=false) not in inUse; 100 bytes each.
  void pruneImages(std::map<std::string, std::vector<std::string>> filters,
                   std::function<void(Result<PruneReport>)> done) override {
    lastPruneFilters = filters;
    bool all =
        filters.count("dangling") && filters["dangling"] == std::vector<std::string>{"false"};
    PruneReport rep;
    std::erase_if(images_, [&](const engine::ImageDetail& d) {
      if (inUse.count(d.summary.id) || (!all && !d.summary.repoTags.empty())) return false;
      for (const auto& t : d.summary.repoTags) rep.deleted.push_back({t, ""});
      rep.deleted.push_back({"", d.summary.id});
      rep.spaceReclaimed += 100;
      return true;
    });
    done(rep);
  }
  // Accepts "user"/"pass" only.
  void login(engine::RegistryLogin req, std::function<void(Status)> done) override {
    lastLogin = req;
    if (req.username != "user" || req.password != "pass")
      return done(
          Error(ErrorCategory::kUnauthorized, "login attempt to http://" + req.serverAddress +
                                                  "/v2/ failed with status: 401 Unauthorized"));
    done(okStatus());
  }
  void pushImage(engine::ImagePullOptions opts,
                 std::function<void(const engine::ImagePullProgress&)> progress,
                 std::function<void(Result<PushResult>)> done) override {
    lastPull = opts;
    auto d = inspectImage(opts.ref);
    if (!d.ok()) return done(d.error());
    progress({"", "The push refers to repository [" + opts.ref + "]"});
    progress({"abcdef123456", "Pushed"});
    done(PushResult{"latest", "sha256:" + std::string(64, 'm'), 525});
  }

  std::set<std::string> inUse;
  engine::ImagePullOptions lastPull;
  std::string lastArchive;
  engine::RegistryLogin lastLogin;
  std::map<std::string, std::vector<std::string>> lastPruneFilters;

  // What a load or import was given: the whole file from its position.
  static std::string readAll(const UniqueFd& fd) {
    std::string out;
    if (!fd) return out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  engine::ImageImportOptions lastImport;

 private:
  std::vector<engine::ImageDetail> images_;
};

class FakeSystemBackend : public engine::SystemBackend {
 public:
  Result<engine::SystemInfo> info() override {
    engine::SystemInfo si;
    si.id = "FAKE:ID";
    si.name = "fakehost";
    si.kernelVersion = "6.1.0-fake";
    si.operatingSystem = "Debian GNU/Linux 12 (bookworm)";
    si.architecture = "x86_64";
    si.ncpu = 2;
    si.memTotal = 4LL << 30;
    si.cgroupVersion = "1";
    si.dataRoot = "/var/lib/wharf";
    si.execRoot = "/run/wharf";
    si.securityOptions = {"name=seccomp,profile=builtin"};
    si.serverVersion = "0.1.0";
    return si;
  }
};

// What a fake container does when started.
struct FakeScript {
  std::vector<engine::LogEntry> output;
  int exitCode = 0;
  bool keepRunning = false;  // until stop/kill
  bool echoStdin = false;    // like `cat`: stdin to stdout, exit 0 when stdin closes
};

class FakeContainerBackend : public engine::ContainerBackend {
 public:
  FakeContainerBackend(boost::asio::io_context& io, engine::ImageBackend& images)
      : io_(io), images_(images) {}

  // The script the next created containers run.
  FakeScript nextScript;

  Result<std::string> createContainer(const engine::ContainerSpec& spec,
                                      std::vector<std::string>*) override {
    auto img = images_.inspectImage(spec.image);
    if (!img.ok()) return img.error();
    auto c = std::make_shared<Box>();
    char id[65];
    std::snprintf(id, sizeof id, "%064x", ++counter_);
    c->info.id = id;
    c->info.name = spec.name.empty() ? "fake_" + std::to_string(counter_) : spec.name;
    for (const auto& [_, other] : boxes_)
      if (other->info.name == c->info.name)
        return conflict("Conflict. The container name \"/" + c->info.name + "\" is already in use");
    c->info.imageRef = spec.image;
    c->info.imageId = img->summary.id;
    c->info.created = fakeNowIso();
    c->info.createdUnix = std::time(nullptr);
    c->info.spec = spec;
    c->info.path = spec.entrypoint ? *spec.entrypoint : std::vector<std::string>{};
    const auto& cmd = spec.cmd.empty() ? img->cmd : spec.cmd;
    c->info.path.insert(c->info.path.end(), cmd.begin(), cmd.end());
    c->info.logPath = "/var/lib/wharf/containers/" + c->info.id + "/" + c->info.id + "-json.log";
    c->script = nextScript;
    boxes_[c->info.id] = c;
    return c->info.id;
  }

  // docker update: recorded; the resources replace the container's (no checks: the engine's).
  std::optional<engine::ContainerUpdate> lastUpdate;
  Status updateContainer(const std::string& idOrName, const engine::ContainerUpdate& u,
                         std::vector<std::string>* warnings) override {
    auto c = find(idOrName);
    if (!c) return notFound("No such container: " + idOrName);
    lastUpdate = u;
    c->info.spec.resources = u.resources;
    if (warnings) warnings->push_back("a warning");
    return okStatus();
  }

  Result<engine::ContainerInfo> inspectContainer(const std::string& idOrName) override {
    auto c = find(idOrName);
    if (!c) return notFound("No such container: " + idOrName);
    return c->info;
  }

  Result<std::vector<engine::ContainerInfo>> listContainers(
      const engine::ListOptions& opts) override {
    std::vector<engine::ContainerInfo> out;
    for (const auto& [_, c] : boxes_)
      if (opts.all || c->info.state.status == engine::ContainerStatus::kRunning)
        out.push_back(c->info);
    return out;
  }

  void startContainer(const std::string& idOrName,
                      std::function<void(Status, bool)> done) override {
    auto c = find(idOrName);
    if (!c) return done(notFound("No such container: " + idOrName), false);
    if (c->info.state.status == engine::ContainerStatus::kRunning) return done(okStatus(), true);
    c->info.state.status = engine::ContainerStatus::kRunning;
    c->info.state.pid = 4242;
    c->info.state.startedAt = fakeNowIso();
    boost::asio::post(io_, [this, c] {
      for (const auto& e : c->script.output) emit(*c, e);
      if (!c->script.keepRunning && (!c->script.echoStdin || c->stdinClosed))
        exit(c, c->script.exitCode);
    });
    done(okStatus(), false);
  }

  void waitContainer(const std::string& idOrName, engine::WaitCondition cond,
                     std::function<void(Result<engine::WaitResult>)> done) override {
    auto c = find(idOrName);
    if (!c) return done(notFound("No such container: " + idOrName));
    bool running = c->info.state.status == engine::ContainerStatus::kRunning;
    if (cond == engine::WaitCondition::kNotRunning && !running)
      return done(engine::WaitResult{c->info.state.exitCode, ""});
    (cond == engine::WaitCondition::kRemoved ? c->removedWaiters : c->exitWaiters)
        .push_back(std::move(done));
  }

  void stopContainer(const std::string& idOrName, std::optional<int>,
                     std::function<void(Status)> done) override {
    auto c = find(idOrName);
    if (!c) return done(notFound("No such container: " + idOrName));
    exit(c, 143);
    done(okStatus());
  }

  Status killContainer(const std::string& idOrName, const std::string&) override {
    auto c = find(idOrName);
    if (!c) return notFound("No such container: " + idOrName);
    if (c->info.state.status != engine::ContainerStatus::kRunning)
      return conflict("Container " + c->info.id + " is not running");
    exit(c, 137);
    return okStatus();
  }

  void removeContainer(const std::string& idOrName, bool force, bool,
                       std::function<void(Status)> done) override {
    auto c = find(idOrName);
    if (!c) return done(notFound("No such container: " + idOrName));
    if (c->info.state.status == engine::ContainerStatus::kRunning && !force)
      return done(conflict("cannot remove container \"/" + c->info.name +
                           "\": container is running: stop the container before removing or "
                           "force remove"));
    if (c->info.state.status == engine::ContainerStatus::kRunning) exit(c, 137);
    remove(c);
    done(okStatus());
  }

  Result<std::unique_ptr<engine::LogReader>> readLogs(const std::string& idOrName,
                                                      const engine::LogOptions& opts) override {
    auto c = find(idOrName);
    if (!c) return notFound("No such container: " + idOrName);
    return std::unique_ptr<engine::LogReader>(
        new Reader(c, 0, opts.follow, opts.stdoutOn, opts.stderrOn));
  }

  Result<std::unique_ptr<engine::LogReader>> attachOutput(const std::string& idOrName, bool out,
                                                          bool err) override {
    auto c = find(idOrName);
    if (!c) return notFound("No such container: " + idOrName);
    return std::unique_ptr<engine::LogReader>(new Reader(c, c->log.size(), true, out, err));
  }

  Result<std::unique_ptr<engine::StdinWriter>> attachStdin(const std::string& idOrName) override {
    auto c = find(idOrName);
    if (!c) return notFound("No such container: " + idOrName);
    if (!c->script.echoStdin) return notImplemented("no stdin in this fake");
    struct Writer : engine::StdinWriter {
      FakeContainerBackend* be;
      std::shared_ptr<Box> box;
      void write(std::string data, std::function<void(Status)> done) override {
        be->emit(*box, engine::LogEntry{engine::LogStream::kStdout, std::move(data), "", 0});
        done(okStatus());
      }
      void close() override {
        box->stdinClosed = true;  // before start: `cat` exits as soon as it runs
        be->exit(box, 0);
      }
    };
    auto w = std::make_unique<Writer>();
    w->be = this;
    w->box = c;
    return std::unique_ptr<engine::StdinWriter>(std::move(w));
  }

  std::vector<std::pair<int, int>> resizes;
  Status resizeTty(const std::string&, int h, int w) override {
    resizes.emplace_back(h, w);
    return okStatus();
  }

  // How many readers are open (tests check that a client leaving destroys them).
  int openReaders() const { return openReadersGlobal(); }
  // How many waits are pending (tests check that a wait arrived before they start).
  size_t pendingWaits() const {
    size_t n = 0;
    for (const auto& [_, c] : boxes_) n += c->exitWaiters.size() + c->removedWaiters.size();
    return n;
  }

 private:
  struct Reader;
  struct Box {
    engine::ContainerInfo info;
    FakeScript script;
    std::vector<engine::LogEntry> log;
    bool exited = false;
    bool stdinClosed = false;
    std::set<Reader*> readers;
    std::vector<std::function<void(Result<engine::WaitResult>)>> exitWaiters, removedWaiters;
  };

  struct Reader : engine::LogReader {
    Reader(std::shared_ptr<Box> b, size_t p, bool f, bool o, bool e)
        : box(std::move(b)), pos(p), follow(f), out(o), err(e) {
      box->readers.insert(this);
      ++openReadersGlobal();
    }
    ~Reader() override {
      box->readers.erase(this);
      --openReadersGlobal();
    }
    void next(std::function<void(Result<std::optional<engine::LogEntry>>)> cb) override {
      pending = std::move(cb);
      poke();
    }
    void poke() {
      if (!pending) return;
      while (pos < box->log.size()) {
        const auto& e = box->log[pos++];
        bool want = e.stream == engine::LogStream::kStderr ? err : out;
        if (!want) continue;
        auto cb = std::move(pending);
        pending = nullptr;
        return cb(std::optional<engine::LogEntry>(e));
      }
      if (!follow || box->exited) {
        auto cb = std::move(pending);
        pending = nullptr;
        cb(std::optional<engine::LogEntry>());
      }
    }
    std::shared_ptr<Box> box;
    size_t pos;
    bool follow, out, err;
    std::function<void(Result<std::optional<engine::LogEntry>>)> pending;
  };

 public:
  static int& openReadersGlobal() {
    static int n = 0;
    return n;
  }

 private:
  std::shared_ptr<Box> find(const std::string& idOrName) {
    std::string n = !idOrName.empty() && idOrName[0] == '/' ? idOrName.substr(1) : idOrName;
    for (const auto& [id, c] : boxes_)
      if (c->info.name == n || (!n.empty() && id.rfind(n, 0) == 0)) return c;
    return nullptr;
  }

  void emit(Box& c, engine::LogEntry e) {
    e.timeIso = fakeNowIso();
    c.log.push_back(e);
    for (auto* r : std::set<Reader*>(c.readers))
      if (c.readers.count(r)) r->poke();
  }

  void exit(const std::shared_ptr<Box>& c, int code) {
    if (c->info.state.status != engine::ContainerStatus::kRunning) return;
    c->info.state.status = engine::ContainerStatus::kExited;
    c->info.state.exitCode = code;
    c->info.state.pid = 0;
    c->info.state.finishedAt = fakeNowIso();
    c->exited = true;
    for (auto* r : std::set<Reader*>(c->readers))
      if (c->readers.count(r)) r->poke();
    for (auto& w : std::exchange(c->exitWaiters, {})) w(engine::WaitResult{code, ""});
    if (c->info.spec.autoRemove) remove(c);
  }

  void remove(const std::shared_ptr<Box>& c) {
    boxes_.erase(c->info.id);
    for (auto& w : std::exchange(c->removedWaiters, {}))
      w(engine::WaitResult{c->info.state.exitCode, ""});
  }

  boost::asio::io_context& io_;
  engine::ImageBackend& images_;
  std::map<std::string, std::shared_ptr<Box>> boxes_;
  unsigned counter_ = 0;
};

}  // namespace wharf::fakes
