// ImageManager: the image backend. Reads (list, inspect, resolve) run on the loop over its
// own DB connection; everything that hashes, unpacks, deletes or talks to a registry runs on
// the worker pool (engine/image_manager.h has the locking).
#include "engine/image_manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "common/fs.h"
#include "common/log.h"
#include "common/memory.h"
#include "common/scope_guard.h"
#include "common/time.h"
#include "image/image_service.h"
#include "image/reference.h"
#include "image/url_download.h"

namespace wharf::engine {

namespace asio = boost::asio;

namespace {

ImageSummary summaryFor(const image::Image& img) {
  ImageSummary s;
  s.id = img.id;
  s.repoTags = img.repoTags;
  s.repoDigests = img.repoDigests;
  s.created = img.created;
  s.size = img.size;
  s.labels = img.config.labels;
  return s;
}

// The path that opens `fd`'s file again (an unlinked upload has no other name).
std::filesystem::path fdPath(const UniqueFd& fd) {
  return "/proc/self/fd/" + std::to_string(fd.get());
}

std::string familiar(const std::string& ref) {
  auto r = image::parseReference(ref);
  return r.ok() ? r->familiar() : ref;
}

// "busybox:latest" -> "busybox" (docker's event attribute "name" for pull and push).
std::string familiarName(const std::string& ref) {
  std::string f = familiar(ref);
  if (auto at = f.find('@'); at != std::string::npos) return f.substr(0, at);
  auto slash = f.rfind('/');
  auto colon = f.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return f.substr(0, colon);
  return f;
}

}  // namespace

ImageManager::ImageManager(asio::io_context& io, asio::thread_pool& pool,
                           image::ImageService& loopImages, image::ImageService& workerImages,
                           EventPublisher& events, ImageManagerConfig cfg)
    : io_(io),
      pool_(pool),
      loopImages_(loopImages),
      workerImages_(workerImages),
      events_(events),
      cfg_(std::move(cfg)) {}

void ImageManager::publish(const std::string& action, const std::string& actor,
                           const std::string& name) {
  Event e;
  e.type = "image";
  e.action = action;
  e.actorId = actor;
  e.attributes["name"] = name;
  events_.publish(std::move(e));
}

template <typename T, typename Fn>
void ImageManager::onWorker(Fn work, std::function<void(T)> done) {
  asio::post(pool_, [this, work = std::move(work), done = std::move(done)]() mutable {
    T result = [&] {
      std::lock_guard lock(jobMu_);
      return work();
    }();
    wharf::returnFreedMemory();
    asio::post(io_, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

void ImageManager::collectGarbage(const char* why) {
  auto r = workerImages_.collectGarbage();
  if (!r.ok()) {
    log::warn("gc after {}: {}", why, r.error().message());
    return;
  }
  if (r->blobs || r->snapshots || r->tempFiles)
    log::info("gc after {}: removed {} blobs ({} bytes), {} snapshots, {} temp files", why,
              r->blobs, r->bytes, r->snapshots, r->tempFiles);
}

void ImageManager::collectGarbageAtStart() {
  std::lock_guard lock(jobMu_);
  collectGarbage("start");
}

Result<image::ImageService::UsagePlan> ImageManager::usagePlan() { return loopImages_.usagePlan(); }

image::ImageService::UsageReport ImageManager::measureUsage(
    const image::ImageService::UsagePlan& plan) {
  // No metadata is read: the loop's service is safe to use from a worker for this.
  return loopImages_.measureUsage(plan);
}

int ImageManager::imageCount() {
  auto imgs = loopImages_.list();
  return imgs.ok() ? static_cast<int>(imgs->size()) : 0;
}

Result<ResolvedImage> ImageManager::resolveImage(const std::string& ref) {
  WHARF_ASSIGN_OR_RETURN(image::Image img, loopImages_.resolve(ref));
  ResolvedImage r;
  r.id = img.id;
  r.defaults.env = img.config.env;
  r.defaults.cmd = img.config.cmd;
  r.defaults.entrypoint = img.config.entrypoint;
  r.defaults.workingDir = img.config.workingDir;
  r.defaults.user = img.config.user;
  r.defaults.stopSignal = img.config.stopSignal;
  r.defaults.labels = img.config.labels;
  r.defaults.volumes = img.config.volumes;
  r.defaults.exposedPorts = img.config.exposedPorts;
  return r;
}

void ImageManager::unpackImage(const std::string& imageId,
                               std::function<void(Result<std::vector<std::string>>)> done) {
  auto img = loopImages_.resolve(imageId);
  if (!img.ok()) return done(std::move(img).error());
  // No lock: unpacking touches the content store and the snapshotter (safe beside other
  // users: snapshots appear by rename), never the metadata DB.
  asio::post(pool_, [this, img = std::move(*img), done = std::move(done)]() mutable {
    Result<std::vector<std::string>> lowers = workerImages_.ensureUnpacked(img);
    wharf::returnFreedMemory();
    asio::post(io_, [lowers = std::move(lowers), done = std::move(done)]() mutable {
      done(std::move(lowers));
    });
  });
}

Result<std::vector<ImageSummary>> ImageManager::listImages(bool all) {
  (void)all;  // no intermediate images yet
  WHARF_ASSIGN_OR_RETURN(std::vector<image::Image> imgs, loopImages_.list());
  std::vector<ImageSummary> out;
  out.reserve(imgs.size());
  for (const auto& img : imgs) out.push_back(summaryFor(img));
  return out;
}

// Reads the config and manifest blobs: small files, on the loop as inspect does.
Result<std::vector<ImageHistoryItem>> ImageManager::imageHistory(const std::string& nameOrId) {
  WHARF_ASSIGN_OR_RETURN(std::vector<image::ImageService::HistoryEntry> entries,
                         loopImages_.history(nameOrId));
  std::vector<ImageHistoryItem> out;
  out.reserve(entries.size());
  for (auto& e : entries)
    out.push_back({std::move(e.id), e.created, std::move(e.createdBy), std::move(e.comment),
                   std::move(e.tags), e.size});
  return out;
}

Result<ImageDetail> ImageManager::inspectImage(const std::string& nameOrId) {
  WHARF_ASSIGN_OR_RETURN(image::Image img, loopImages_.resolve(nameOrId));
  ImageDetail d;
  d.summary = summaryFor(img);
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

void ImageManager::bootstrapImage(const std::string& name,
                                  std::function<void(Result<ImageSummary>)> done) {
  // Building the image reads and compresses the busybox binary: a worker's job.
  onWorker<Result<ImageSummary>>(
      [this, name]() -> Result<ImageSummary> {
        WHARF_ASSIGN_OR_RETURN(image::Image img, workerImages_.bootstrap(name));
        return summaryFor(img);
      },
      std::move(done));
}

void ImageManager::tagImage(const std::string& nameOrId, const std::string& ref,
                            std::function<void(Status)> done) {
  auto id = std::make_shared<std::string>();
  onWorker<Status>(
      [this, nameOrId, ref, id]() -> Status {
        WHARF_ASSIGN_OR_RETURN(image::Image img, workerImages_.resolve(nameOrId));
        *id = img.id;
        return workerImages_.tag(img.id, ref);
      },
      std::function<void(Status)>([this, id, ref, done = std::move(done)](Status st) {
        if (st.ok()) publish("tag", *id, familiar(ref));
        done(std::move(st));
      }));
}

void ImageManager::removeImage(const std::string& nameOrId, bool force,
                               std::function<void(Result<std::vector<ImageDeleteItem>>)> done) {
  using Items = Result<std::vector<ImageDeleteItem>>;
  auto id = std::make_shared<std::string>();
  onWorker<Items>(
      [this, nameOrId, force, id]() -> Items {
        if (auto img = workerImages_.resolve(nameOrId); img.ok()) *id = img->id;
        WHARF_ASSIGN_OR_RETURN(auto items, workerImages_.remove(nameOrId, force));
        bool deleted = false;
        for (const auto& i : items) deleted = deleted || !i.deleted.empty();
        if (deleted) collectGarbage("rmi");
        std::vector<ImageDeleteItem> out;
        out.reserve(items.size());
        for (auto& i : items) out.push_back({std::move(i.untagged), std::move(i.deleted)});
        return out;
      },
      std::function<void(Items)>([this, id, done = std::move(done)](Items r) {
        if (r.ok()) {
          for (const auto& i : *r) {
            if (!i.untagged.empty()) publish("untag", *id, *id);
            if (!i.deleted.empty()) publish("delete", i.deleted, i.deleted);
          }
        }
        done(std::move(r));
      }));
}

namespace {

// docker's image prune filters as ImageService's options; its words for a bad one.
Result<image::ImageService::PruneOptions> pruneOptions(
    const std::map<std::string, std::vector<std::string>>& filters) {
  image::ImageService::PruneOptions o;
  for (const auto& [key, values] : filters) {
    for (const auto& v : values) {
      if (key == "dangling") {
        if (v == "true" || v == "1") {
          o.danglingOnly = true;
        } else if (v == "false" || v == "0") {
          o.danglingOnly = false;
        } else {
          return invalidArgument("Invalid filter 'dangling=" + v + "'");
        }
      } else if (key == "until") {
        WHARF_ASSIGN_OR_RETURN(int64_t t, parseTimestamp(v, nowNanos()));
        o.untilNanos = o.untilNanos ? std::min(*o.untilNanos, t) : t;
      } else if (key == "label") {
        o.labels.push_back(v);
      } else if (key == "label!") {
        o.notLabels.push_back(v);
      } else {
        return invalidArgument("invalid filter '" + key + "'");
      }
    }
  }
  return o;
}

}  // namespace

void ImageManager::pruneImages(std::map<std::string, std::vector<std::string>> filters,
                               std::function<void(Result<PruneReport>)> done) {
  auto opts = pruneOptions(filters);
  if (!opts.ok()) return done(std::move(opts).error());
  onWorker<Result<PruneReport>>(
      [this, o = *opts]() -> Result<PruneReport> {
        WHARF_ASSIGN_OR_RETURN(auto pruned, workerImages_.prune(o));
        collectGarbage("image prune");
        PruneReport out;
        for (auto& i : pruned.deleted)
          out.deleted.push_back({std::move(i.untagged), std::move(i.deleted)});
        out.spaceReclaimed = pruned.spaceReclaimed;
        return out;
      },
      std::function<void(Result<PruneReport>)>(
          [this, done = std::move(done)](Result<PruneReport> r) {
            if (r.ok()) {
              for (const auto& i : r->deleted)
                if (!i.deleted.empty()) publish("delete", i.deleted, i.deleted);
            }
            done(std::move(r));
          }));
}

void ImageManager::loadImages(UniqueFd archive,
                              std::function<void(Result<std::vector<ImageSummary>>)> done) {
  using Loaded = Result<std::vector<ImageSummary>>;
  onWorker<Loaded>(
      [this, archive = std::make_shared<UniqueFd>(std::move(archive))]() -> Loaded {
        WHARF_ASSIGN_OR_RETURN(std::vector<image::Image> imgs,
                               workerImages_.loadArchive(fdPath(*archive)));
        std::vector<ImageSummary> out;
        out.reserve(imgs.size());
        for (const auto& i : imgs) out.push_back(summaryFor(i));
        return out;
      },
      std::function<void(Loaded)>([this, done = std::move(done)](Loaded r) {
        if (r.ok()) {
          for (const auto& s : *r)
            publish("load", s.id, s.repoTags.empty() ? s.id : s.repoTags.front());
        }
        done(std::move(r));
      }));
}

void ImageManager::importImage(UniqueFd tarball, ImageImportOptions opts,
                               std::function<void(Result<ImageSummary>)> done) {
  if (!tarball) {
    // `import URL`: downloaded first, without jobMu_ (a slow server must not hold up other
    // image jobs), then imported like an uploaded tarball.
    asio::post(pool_, [this, opts = std::move(opts), done = std::move(done)]() mutable {
      auto fd = image::downloadToTempFile(opts.source, tmpDir());
      asio::post(io_, [this, fd = std::move(fd), opts = std::move(opts),
                       done = std::move(done)]() mutable {
        if (!fd.ok()) return done(std::move(fd).error());
        importImage(std::move(*fd), std::move(opts), std::move(done));
      });
    });
    return;
  }
  onWorker<Result<ImageSummary>>(
      [this, tarball = std::make_shared<UniqueFd>(std::move(tarball)),
       opts = std::move(opts)]() -> Result<ImageSummary> {
        image::ImageService::ImportOptions io;
        io.ref = opts.ref;
        io.changes = opts.changes;
        io.message = opts.message;
        io.source = opts.source;
        if (!opts.platform.empty()) {
          // "linux/arm64": only the architecture is recorded; other OSes are refused.
          std::string os = opts.platform.substr(0, opts.platform.find('/'));
          if (os != "linux" || opts.platform.find('/') == std::string::npos)
            return invalidArgument("import: unsupported platform \"" + opts.platform + "\"");
          std::string rest = opts.platform.substr(opts.platform.find('/') + 1);
          io.architecture = rest.substr(0, rest.find('/'));
        }
        WHARF_ASSIGN_OR_RETURN(image::Image img, workerImages_.importTarball(fdPath(*tarball), io));
        return summaryFor(img);
      },
      std::function<void(Result<ImageSummary>)>(
          [this, done = std::move(done)](Result<ImageSummary> r) {
            if (r.ok()) publish("import", r->id, r->id);
            done(std::move(r));
          }));
}

void ImageManager::login(RegistryLogin req, std::function<void(Status)> done) {
  // No metadata: on the pool without jobMu_, so a slow registry never holds up a pull.
  asio::post(pool_, [&io = io_, insecure = cfg_.insecureRegistries, req = std::move(req),
                     done = std::move(done)]() mutable {
    image::RegistryCredentials creds;
    creds.username = req.username;
    creds.password = req.password;
    creds.identityToken = req.identityToken;
    creds.registryToken = req.registryToken;
    image::RegistryOptions opts;
    opts.insecureRegistries = std::move(insecure);
    image::RegistryClient client(image::registryDomain(req.serverAddress), "", std::move(creds),
                                 std::move(opts));
    Status st = client.login();
    asio::post(io, [st = std::move(st), done = std::move(done)]() mutable { done(std::move(st)); });
  });
}

void ImageManager::saveImages(std::vector<std::string> names,
                              std::function<void(Result<UniqueFd>)> done) {
  auto ids = std::make_shared<std::vector<std::string>>();
  onWorker<Result<UniqueFd>>(
      [this, names = std::move(names), ids]() -> Result<UniqueFd> {
        for (const auto& n : names)
          if (auto img = workerImages_.resolve(n); img.ok()) ids->push_back(img->id);
        WHARF_TRY(fs::mkdirAll(tmpDir(), 0700));
        // Unlinked from the start: nothing to clean up whatever happens to the client.
        UniqueFd fd(::open(tmpDir().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
        if (!fd) return sysError("create a temp file in " + tmpDir().string());
        WHARF_TRY(workerImages_.saveArchive(names, fd.get()));
        if (::lseek(fd.get(), 0, SEEK_SET) < 0) return sysError("seek the saved archive");
        return fd;
      },
      std::function<void(Result<UniqueFd>)>(
          [this, ids, done = std::move(done)](Result<UniqueFd> r) {
            if (r.ok()) {
              for (const auto& id : *ids) publish("save", id, id);
            }
            done(std::move(r));
          }));
}

void ImageManager::pullImage(ImagePullOptions opts,
                             std::function<void(const ImagePullProgress&)> progress,
                             std::function<void(Result<ImagePullResult>)> done) {
  asio::post(pool_, [this, opts = std::move(opts), progress = std::move(progress),
                     done = std::move(done)]() mutable {
    Result<ImagePullResult> result = [&]() -> Result<ImagePullResult> {
      image::ImageService::PullOptions po;
      po.ref = opts.ref;
      po.platform = opts.platform;
      po.registry.insecureRegistries = cfg_.insecureRegistries;
      po.registry.mirrors = cfg_.registryMirrors;
      po.registry.maxConcurrentDownloads = cfg_.maxConcurrentDownloads;
      if (!opts.registryAuth.empty()) {
        WHARF_ASSIGN_OR_RETURN(po.credentials, image::decodeRegistryAuth(opts.registryAuth));
      }
      image::ImageService::PullPlan plan;
      // The download needs no lock (content store and snapshotter are safe beside other
      // users; the metadata DB is not touched): only the commit (or the cleanup) takes it.
      Status st = workerImages_.pullContent(po, plan, [this, &progress](const auto& p) {
        ImagePullProgress out{p.id, p.status, p.current, p.total};
        asio::post(io_, [progress, out] { progress(out); });
      });
      std::lock_guard lock(jobMu_);
      if (!st.ok()) {
        workerImages_.pullAbort(plan);
        return std::move(st).error();
      }
      ImagePullResult r;
      WHARF_ASSIGN_OR_RETURN(image::Image img, workerImages_.pullCommit(plan, &r.updated));
      r.image = summaryFor(img);
      r.familiarRef = familiar(opts.ref);
      return r;
    }();
    wharf::returnFreedMemory();
    asio::post(io_, [this, result = std::move(result), done = std::move(done)]() mutable {
      if (result.ok()) publish("pull", result->familiarRef, familiarName(result->familiarRef));
      done(std::move(result));
    });
  });
}

void ImageManager::pushImage(ImagePullOptions opts,
                             std::function<void(const ImagePullProgress&)> progress,
                             std::function<void(Result<PushResult>)> done) {
  asio::post(pool_, [this, opts = std::move(opts), progress = std::move(progress),
                     done = std::move(done)]() mutable {
    Result<PushResult> result = [&]() -> Result<PushResult> {
      image::RegistryCredentials creds;
      if (!opts.registryAuth.empty()) {
        WHARF_ASSIGN_OR_RETURN(creds, image::decodeRegistryAuth(opts.registryAuth));
      }
      image::ImageService::PushPlan plan;
      {
        std::lock_guard lock(jobMu_);
        WHARF_ASSIGN_OR_RETURN(plan, workerImages_.pushPlan(opts.ref));
      }
      // The upload reads blobs only: no lock, as for a pull's download.
      image::RegistryOptions ro;
      ro.insecureRegistries = cfg_.insecureRegistries;
      WHARF_ASSIGN_OR_RETURN(
          auto pushed, workerImages_.pushContent(plan, creds, ro, [this, &progress](const auto& p) {
            ImagePullProgress out{p.id, p.status, p.current, p.total};
            asio::post(io_, [progress, out] { progress(out); });
          }));
      return PushResult{pushed.tag, pushed.digest, pushed.size};
    }();
    asio::post(
        io_, [this, ref = opts.ref, result = std::move(result), done = std::move(done)]() mutable {
          if (result.ok()) publish("push", familiar(ref), familiarName(ref));
          done(std::move(result));
        });
  });
}

}  // namespace wharf::engine
