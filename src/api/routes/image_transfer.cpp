// Image routes that bring images in and out of the store (swagger tag "Image"): ImageTag,
// ImageDelete, ImageLoad, ImageCreate (import from a tarball; pull), ImageGet and
// ImageGetAll (save). Handlers translate; the engine decides.

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

// POST /images/create?fromSrc=-: docker import.
void importImage(const RouteContextPtr& ctx, const Request& req, ResponderPtr r) {
  std::string src = req.query("fromSrc").value_or("");
  if (src != "-")
    return replyError(*r, notImplemented("importing from a URL is not supported yet; "
                                         "download the file and import it from stdin"));
  if (req.body.empty()) return replyError(*r, invalidArgument("import: the request has no body"));
  engine::ImageImportOptions opts;
  std::string repo = req.query("repo").value_or(""), tag = req.query("tag").value_or("");
  if (!repo.empty()) opts.ref = tag.empty() ? repo : repo + ":" + tag;
  auto [b, e] = req.queryParams.equal_range("changes");
  for (auto it = b; it != e; ++it) opts.changes.push_back(it->second);
  opts.message = req.query("message").value_or("");
  opts.platform = req.query("platform").value_or("");
  ctx->images.importImage(req.body, std::move(opts), [r](Result<engine::ImageSummary> s) {
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

// POST /images/{name}/push?tag=: docker push, streamed as the pull is; the last message
// carries docker's aux {Tag, Digest, Size}.
void pushImage(const RouteContextPtr& ctx, const Request& req, ResponderPtr r) {
  engine::ImagePullOptions opts;
  std::string tag = req.query("tag").value_or("");
  opts.ref = req.params.at("name") + ":" + (tag.empty() ? "latest" : tag);
  opts.registryAuth = req.header("x-registry-auth");
  auto out = std::make_shared<ProgressStream>(std::move(r));
  ctx->images.pushImage(
      opts, [out](const engine::ImagePullProgress& p) { out->progress(p); },
      [out](Result<engine::ImageBackend::PushResult> res) {
        if (!res.ok()) return out->fail(res.error());
        out->finish({{"progressDetail", Json::object()},
                     {"aux", {{"Tag", res->tag}, {"Digest", res->digest}, {"Size", res->size}}}});
      });
}

}  // namespace

void addImageTransferRoutes(Router& router, RouteContextPtr ctx) {
  router.add("POST", "/images/{name*}/tag", "ImageTag", [ctx](const Request& req, ResponderPtr r) {
    std::string repo = req.query("repo").value_or(""), tag = req.query("tag").value_or("");
    if (repo.empty())
      return replyError(*r, invalidArgument("repository name must have at least one component"));
    std::string ref = tag.empty() ? repo : repo + ":" + tag;
    ctx->images.tagImage(req.params.at("name"), ref, [r](Status st) {
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

  router.add("POST", "/images/load", "ImageLoad", [ctx](const Request& req, ResponderPtr r) {
    if (req.body.empty())
      return replyError(*r, invalidArgument("load: the request has no body (an image archive)"));
    // quiet only hides progress bars in docker; the "Loaded image" lines are always sent.
    ctx->images.loadImages(req.body, [r](Result<std::vector<engine::ImageSummary>> imgs) {
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

  router.add("POST", "/images/create", "ImageCreate", [ctx](const Request& req, ResponderPtr r) {
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
