// Engine: the image operations that change the store (tag, rmi, load, import, save). Each
// runs on the worker pool under storeMu_ and answers on the io_context thread, so the API
// loop never waits on hashing, unpacking or deleting snapshots.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "common/fs.h"
#include "common/memory.h"
#include "common/scope_guard.h"
#include "engine/engine.h"
#include "image/image_service.h"
#include "image/reference.h"

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

// Writes `data` to a new file in `dir`; the caller removes it.
Result<std::filesystem::path> spool(const std::filesystem::path& dir, const std::string& data) {
  WHARF_TRY(fs::mkdirAll(dir, 0700));
  std::string tmpl = (dir / "upload-XXXXXX").string();
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd) return sysError("create a temp file in " + dir.string());
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmpl.c_str());
      return sysError("write " + tmpl, err);
    }
    off += static_cast<size_t>(n);
  }
  return std::filesystem::path(tmpl);
}

}  // namespace

template <typename T, typename Fn>
void Engine::onWorker(Fn work, std::function<void(T)> done) {
  asio::post(pool_, [this, work = std::move(work), done = std::move(done)]() mutable {
    T result = [&] {
      std::lock_guard lock(storeMu_);
      return work();
    }();
    wharf::returnFreedMemory();
    asio::post(io_, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

std::filesystem::path Engine::imageTmpDir() const { return cfg_.dataRoot / "tmp"; }

void Engine::tagImage(const std::string& nameOrId, const std::string& ref,
                      std::function<void(Status)> done) {
  onWorker<Status>(
      [this, nameOrId, ref]() -> Status {
        WHARF_ASSIGN_OR_RETURN(image::Image img, images_.resolve(nameOrId));
        return images_.tag(img.id, ref);
      },
      std::move(done));
}

void Engine::removeImage(const std::string& nameOrId, bool force,
                         std::function<void(Result<std::vector<ImageDeleteItem>>)> done) {
  onWorker<Result<std::vector<ImageDeleteItem>>>(
      [this, nameOrId, force]() -> Result<std::vector<ImageDeleteItem>> {
        WHARF_ASSIGN_OR_RETURN(auto items, images_.remove(nameOrId, force));
        std::vector<ImageDeleteItem> out;
        for (auto& i : items) out.push_back({std::move(i.untagged), std::move(i.deleted)});
        return out;
      },
      std::move(done));
}

void Engine::loadImages(std::string archive,
                        std::function<void(Result<std::vector<ImageSummary>>)> done) {
  onWorker<Result<std::vector<ImageSummary>>>(
      [this, archive = std::move(archive)]() -> Result<std::vector<ImageSummary>> {
        WHARF_ASSIGN_OR_RETURN(std::filesystem::path file, spool(imageTmpDir(), archive));
        ScopeGuard cleanup([&] { ::unlink(file.c_str()); });
        WHARF_ASSIGN_OR_RETURN(std::vector<image::Image> imgs, images_.loadArchive(file));
        std::vector<ImageSummary> out;
        for (const auto& i : imgs) out.push_back(summaryFor(i));
        return out;
      },
      std::move(done));
}

void Engine::importImage(std::string tarball, ImageImportOptions opts,
                         std::function<void(Result<ImageSummary>)> done) {
  onWorker<Result<ImageSummary>>(
      [this, tarball = std::move(tarball), opts = std::move(opts)]() -> Result<ImageSummary> {
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
        WHARF_ASSIGN_OR_RETURN(std::filesystem::path file, spool(imageTmpDir(), tarball));
        ScopeGuard cleanup([&] { ::unlink(file.c_str()); });
        WHARF_ASSIGN_OR_RETURN(image::Image img, images_.importTarball(file, io));
        return summaryFor(img);
      },
      std::move(done));
}

void Engine::saveImages(std::vector<std::string> names,
                        std::function<void(Result<UniqueFd>)> done) {
  onWorker<Result<UniqueFd>>(
      [this, names = std::move(names)]() -> Result<UniqueFd> {
        WHARF_TRY(fs::mkdirAll(imageTmpDir(), 0700));
        // Unlinked from the start: nothing to clean up whatever happens to the client.
        UniqueFd fd(::open(imageTmpDir().c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
        if (!fd) return sysError("create a temp file in " + imageTmpDir().string());
        WHARF_TRY(images_.saveArchive(names, fd.get()));
        if (::lseek(fd.get(), 0, SEEK_SET) < 0) return sysError("seek the saved archive");
        return fd;
      },
      std::move(done));
}

}  // namespace wharf::engine

namespace wharf::engine {

void Engine::pullImage(ImagePullOptions opts,
                       std::function<void(const ImagePullProgress&)> progress,
                       std::function<void(Result<ImagePullResult>)> done) {
  asio::post(pool_, [this, opts = std::move(opts), progress = std::move(progress),
                     done = std::move(done)]() mutable {
    Result<ImagePullResult> result = [&]() -> Result<ImagePullResult> {
      image::ImageService::PullOptions po;
      po.ref = opts.ref;
      po.platform = opts.platform;
      po.registry.insecureRegistries = cfg_.insecureRegistries;
      if (!opts.registryAuth.empty()) {
        WHARF_ASSIGN_OR_RETURN(po.credentials, image::decodeRegistryAuth(opts.registryAuth));
      }
      image::ImageService::PullPlan plan;
      // The download runs without storeMu_ (content store and snapshotter are safe beside
      // other users; the metadata DB is not touched): container starts and other image
      // operations go on meanwhile. Only the commit (or the cleanup) takes the lock.
      Status st = images_.pullContent(po, plan, [this, &progress](const auto& p) {
        ImagePullProgress out{p.id, p.status, p.current, p.total};
        asio::post(io_, [progress, out] { progress(out); });
      });
      std::lock_guard lock(storeMu_);
      if (!st.ok()) {
        images_.pullAbort(plan);
        return std::move(st).error();
      }
      ImagePullResult r;
      WHARF_ASSIGN_OR_RETURN(image::Image img, images_.pullCommit(plan, &r.updated));
      r.image = summaryFor(img);
      auto ref = image::parseReference(opts.ref);
      r.familiarRef = ref.ok() ? ref->familiar() : opts.ref;
      return r;
    }();
    wharf::returnFreedMemory();
    asio::post(io_, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

}  // namespace wharf::engine

namespace wharf::engine {

void Engine::pushImage(ImagePullOptions opts,
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
        std::lock_guard lock(storeMu_);
        WHARF_ASSIGN_OR_RETURN(plan, images_.pushPlan(opts.ref));
      }
      // The upload reads blobs only: no lock, as for a pull's download.
      image::RegistryOptions ro;
      ro.insecureRegistries = cfg_.insecureRegistries;
      WHARF_ASSIGN_OR_RETURN(auto pushed,
                             images_.pushContent(plan, creds, ro, [this, &progress](const auto& p) {
                               ImagePullProgress out{p.id, p.status, p.current, p.total};
                               asio::post(io_, [progress, out] { progress(out); });
                             }));
      return PushResult{pushed.tag, pushed.digest, pushed.size};
    }();
    asio::post(io_, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

}  // namespace wharf::engine
