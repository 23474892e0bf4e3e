// Image routes that bring images in and out of the store (swagger tag "Image"): ImageTag,
// ImageDelete, ImageLoad, ImageCreate (import from a tarball; pull), ImageGet and
// ImageGetAll (save). Handlers translate; the engine decides.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "api/errors.h"
#include "api/internal/routes.h"

namespace wharf::api {

namespace {

constexpr size_t kSaveChunk = 256 << 10;

std::string jsonLine(const Json& j) { return j.dump() + "\n"; }

// Streams an fd (the saved archive) to the client, one chunk after the other, each read only
// once the previous one is written: a slow client never makes the daemon buffer the archive.
struct FdPump : std::enable_shared_from_this<FdPump> {
  UniqueFd fd;
  ResponderPtr r;

  void next() {
    std::string buf(kSaveChunk, '\0');
    ssize_t n;
    do {
      n = ::read(fd.get(), buf.data(), buf.size());
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return r->finish();  // a read error ends the stream short: the tar is cut
    buf.resize(static_cast<size_t>(n));
    r->write(std::move(buf), [self = shared_from_this()](bool ok) {
      if (ok) self->next();
    });
  }
};

void streamFd(UniqueFd fd, ResponderPtr r, const std::string& contentType) {
  r->startStream(200, contentType);
  auto pump = std::make_shared<FdPump>();
  pump->fd = std::move(fd);
  pump->r = std::move(r);
  pump->next();
}

// The body of an upload route as a file at its start: the server's spool file, or (a server
// without an upload dir, the unit tests) the in-memory body written to a memfd. An empty
// body is `what` missing.
Result<UniqueFd> bodyAsFile(const Request& req, const std::string& what) {
  UniqueFd fd;
  if (req.bodyFile && *req.bodyFile) {
    fd = UniqueFd(::fcntl(req.bodyFile->get(), F_DUPFD_CLOEXEC, 0));
    if (!fd) return sysError("dup the request body file");
  } else {
    fd = UniqueFd(::memfd_create("wharf-upload", MFD_CLOEXEC));
    if (!fd) return sysError("memfd_create for the request body");
    size_t off = 0;
    while (off < req.body.size()) {
      ssize_t n = ::write(fd.get(), req.body.data() + off, req.body.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sysError("write the request body");
      off += static_cast<size_t>(n);
    }
    if (::lseek(fd.get(), 0, SEEK_SET) < 0) return sysError("rewind the request body");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sysError("stat the request body");
  if (st.st_size == 0) return invalidArgument(what);
  return fd;
}

// POST /images/create?fromSrc=-: docker import.
void importImage(const RouteContextPtr& ctx, const Request& req, ResponderPtr r) {
  std::string src = req.query("fromSrc").value_or("");
  engine::ImageImportOptions opts;
  UniqueFd tarball;  // empty for a URL: the engine downloads it
  if (src == "-") {
    auto body = bodyAsFile(req, "import: the request has no body");
    if (!body.ok()) return replyError(*r, body.error());
    tarball = std::move(*body);
  } else if (src.rfind("http://", 0) == 0 || src.rfind("https://", 0) == 0) {
    opts.source = src;
  } else {
    return replyError(*r, invalidArgument("import: fromSrc must be \"-\" (the request body) or "
                                          "an http:// or https:// URL, not \"" +
                                          src + "\""));
  }
  std::string repo = req.query("repo").value_or(""), tag = req.query("tag").value_or("");
  if (!repo.empty()) opts.ref = tag.empty() ? repo : repo + ":" + tag;
  auto [b, e] = req.queryParams.equal_range("changes");
  for (auto it = b; it != e; ++it) opts.changes.push_back(it->second);
  opts.message = req.query("message").value_or("");
  opts.platform = req.query("platform").value_or("");
  ctx->images.importImage(std::move(tarball), std::move(opts), [r](Result<engine::ImageSummary> s) {
    if (!s.ok()) return replyError(*r, s.error());
    r->startStream(200, "application/json");
    r->write(jsonLine({{"status", s->id}}));
    r->finish();
  });
}

// docker's units.HumanSize: decimal units, three significant digits ("2.15MB").
std::string humanSize(int64_t n) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(kUnits)) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, kUnits[u]);
  return buf;
}

// docker's JSONProgress.String(): a 50-column bar and current/total.
std::string progressBar(int64_t current, int64_t total) {
  if (total <= 0) return humanSize(current);
  int filled = static_cast<int>(50 * std::min(current, total) / total);
  std::string bar = "[" + std::string(static_cast<size_t>(filled), '=');
  if (filled < 50) bar += ">" + std::string(static_cast<size_t>(49 - filled), ' ');
  bar += "] ";
  return bar + " " + humanSize(current) + "/" + humanSize(total);
}

Json pullMessage(const engine::ImagePullProgress& p) {
  Json j{{"status", p.status}};
  bool layerLine = !p.id.empty() && p.status.rfind("Pulling from ", 0) != 0;
  if (p.status == "Downloading" || p.status == "Extracting" || p.status == "Pushing") {
    j["progressDetail"] = {{"current", p.current}, {"total", p.total}};
    if (p.total > 0) j["progress"] = progressBar(p.current, p.total);
  } else if (layerLine) {
    j["progressDetail"] = Json::object();
  }
  if (!p.id.empty()) j["id"] = p.id;
  return j;
}

// The JSON-lines stream of a pull or push. The status line goes out with the first message,
// so an error before any progress is an HTTP error and one after it an errorDetail line, as
// docker does.
class ProgressStream {
 public:
  explicit ProgressStream(ResponderPtr r) : r_(std::move(r)) {}

  void line(const Json& j) {
    if (!started_) {
      started_ = true;
      r_->startStream(200, "application/json");
    }
    r_->write(jsonLine(j));
  }
  void progress(const engine::ImagePullProgress& p) { line(pullMessage(p)); }
  void fail(const Error& e) {
    if (!started_) return replyError(*r_, e);
    line({{"errorDetail", {{"message", e.message()}}}, {"error", e.message()}});
    r_->finish();
  }
  void finish(const Json& last) {
    line(last);
    r_->finish();
  }

 private:
  ResponderPtr r_;
  bool started_ = false;
};

// POST /images/create?fromImage=&tag=: docker pull.
void pullImage(const RouteContextPtr& ctx, const Request& req, ResponderPtr r) {
  std::string name = req.query("fromImage").value_or(""), tag = req.query("tag").value_or("");
  if (name.empty()) return replyError(*r, invalidArgument("fromImage: no image named"));
  engine::ImagePullOptions opts;
  opts.ref = name;
  if (!tag.empty()) opts.ref += (tag.rfind("sha256:", 0) == 0 ? "@" : ":") + tag;
  opts.platform = req.query("platform").value_or("");
  opts.registryAuth = req.header("x-registry-auth");
  auto out = std::make_shared<ProgressStream>(std::move(r));
  ctx->images.pullImage(
      opts, [out](const engine::ImagePullProgress& p) { out->progress(p); },
      [out](Result<engine::ImagePullResult> res) {
        if (!res.ok()) return out->fail(res.error());
        out->finish({{"status", std::string(res->updated ? "Status: Downloaded newer image for "
                                                         : "Status: Image is up to date for ") +
                                    res->familiarRef}});
      });
}

// The repository of a familiar tag ("localhost:5000/a/b:1" -> "localhost:5000/a/b").
std::string repositoryOf(const std::string& tag) {
  size_t slash = tag.rfind('/'), colon = tag.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return tag;
  return tag.substr(0, colon);
}

// Pushes refs[i], then the next, on one stream: each push ends with its aux object, the last
// one ends the stream (docker's `push -a` reply).
void pushEach(const RouteContextPtr& ctx, std::shared_ptr<ProgressStream> out,
              std::shared_ptr<const std::vector<std::string>> refs, size_t i,
              const std::string& registryAuth) {
  engine::ImagePullOptions opts;
  opts.ref = (*refs)[i];
  opts.registryAuth = registryAuth;
  ctx->images.pushImage(
      opts, [out](const engine::ImagePullProgress& p) { out->progress(p); },
      [ctx, out, refs, i, registryAuth](Result<engine::ImageBackend::PushResult> res) {
        if (!res.ok()) return out->fail(res.error());
        Json aux{{"progressDetail", Json::object()},
                 {"aux", {{"Tag", res->tag}, {"Digest", res->digest}, {"Size", res->size}}}};
        if (i + 1 == refs->size()) return out->finish(aux);
        out->line(aux);
        pushEach(ctx, out, refs, i + 1, registryAuth);
      });
}

// POST /images/{name}/push?tag=: docker push, streamed as the pull is; the last message
// carries docker's aux {Tag, Digest, Size}. Without a tag (`docker push -a`; the CLI adds
// "latest" itself otherwise) every local tag of the repository is pushed, in tag order.
void pushImage(const RouteContextPtr& ctx, const Request& req, ResponderPtr r) {
  std::string name = req.params.at("name"), tag = req.query("tag").value_or("");
  auto refs = std::make_shared<std::vector<std::string>>();
  if (!tag.empty()) {
    refs->push_back(name + ":" + tag);
  } else {
    auto list = ctx->images.listImages(false);
    if (!list.ok()) return replyError(*r, list.error());
    for (const auto& img : *list)
      for (const auto& t : img.repoTags)
        if (repositoryOf(t) == name) refs->push_back(t);
    std::sort(refs->begin(), refs->end());
    if (refs->empty())
      return replyError(*r, notFound("An image does not exist locally with the tag: " + name));
  }
  auto out = std::make_shared<ProgressStream>(std::move(r));
  pushEach(ctx, out, std::move(refs), 0, req.header("x-registry-auth"));
}

}  // namespace

void addImageTransferRoutes(Router& router, RouteContextPtr ctx) {
  router.add("POST", "/images/{name*}/tag", "ImageTag", [ctx](const Request& req, ResponderPtr r) {
    std::string repo = req.query("repo").value_or(""), tag = req.query("tag").value_or("");
    if (repo.empty())
      return replyError(*r, invalidArgument("repository name must have at least one component"));
    std::string ref = tag.empty() ? repo : repo + ":" + tag;
    ctx->images.tagImage(req.params.at("name"), ref, [r](const Status& st) {
      if (!st.ok()) return replyError(*r, st.error());
      replyEmpty(*r, 201);
    });
  });

  router.add("POST", "/images/{name*}/push", "ImagePush",
             [ctx](const Request& req, ResponderPtr r) { pushImage(ctx, req, r); });

  router.add("DELETE", "/images/{name*}", "ImageDelete", [ctx](const Request& req, ResponderPtr r) {
    // noprune only keeps untagged parent images; wharf's images have no parents.
    ctx->images.removeImage(req.params.at("name"), req.queryBool("force"),
                            [r](Result<std::vector<engine::ImageDeleteItem>> items) {
                              if (!items.ok()) return replyError(*r, items.error());
                              Json out = Json::array();
                              for (const auto& i : *items) {
                                if (!i.untagged.empty()) out.push_back({{"Untagged", i.untagged}});
                                if (!i.deleted.empty()) out.push_back({{"Deleted", i.deleted}});
                              }
                              replyJson(*r, 200, out);
                            });
  });

  router.addUpload("POST", "/images/load", "ImageLoad", [ctx](const Request& req, ResponderPtr r) {
    auto body = bodyAsFile(req, "load: the request has no body (an image archive)");
    if (!body.ok()) return replyError(*r, body.error());
    // quiet only hides progress bars in docker; the "Loaded image" lines are always sent.
    ctx->images.loadImages(std::move(*body), [r](Result<std::vector<engine::ImageSummary>> imgs) {
      if (!imgs.ok()) return replyError(*r, imgs.error());
      r->startStream(200, "application/json");
      for (const auto& img : *imgs) {
        if (img.repoTags.empty())
          r->write(jsonLine({{"stream", "Loaded image ID: " + img.id + "\n"}}));
        for (const auto& t : img.repoTags)
          r->write(jsonLine({{"stream", "Loaded image: " + t + "\n"}}));
      }
      r->finish();
    });
  });

  // A pull has no body; an import's is the tarball.
  router.addUpload("POST", "/images/create", "ImageCreate",
                   [ctx](const Request& req, ResponderPtr r) {
                     if (req.query("fromSrc")) return importImage(ctx, req, r);
                     pullImage(ctx, req, r);
                   });

  auto save = [ctx](std::vector<std::string> names, ResponderPtr r) {
    if (names.empty()) return replyError(*r, invalidArgument("no image named to save"));
    ctx->images.saveImages(std::move(names), [r](Result<UniqueFd> fd) {
      if (!fd.ok()) return replyError(*r, fd.error());
      streamFd(std::move(*fd), r, "application/x-tar");
    });
  };
  router.add("GET", "/images/get", "ImageGetAll", [save](const Request& req, ResponderPtr r) {
    std::vector<std::string> names;
    auto [b, e] = req.queryParams.equal_range("names");
    for (auto it = b; it != e; ++it) names.push_back(it->second);
    save(std::move(names), std::move(r));
  });
  router.add("GET", "/images/{name*}/get", "ImageGet", [save](const Request& req, ResponderPtr r) {
    save({req.params.at("name")}, std::move(r));
  });
}

}  // namespace wharf::api
