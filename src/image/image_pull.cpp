// ImageService::pullContent / pullCommit / pullAbort: `docker pull` from a registry.
//
// Order of events, each visible only once verified: manifest (index → the platform's
// manifest), config (digest checked), each layer streamed into the content store with its
// digest checked on commit (BlobWriter) and, from the same bytes as they arrive, unpacked
// into a staging dir of its own (store::StagedLayer, which also computes the diff id); once
// its blob is committed and it and the layers below it are done, each staged layer is
// committed as a snapshot in layer order (the snapshotter checks the diff id against the
// chain id, then renames); only then the image row and its references.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/digest.h"
#include "common/json.h"
#include "image/image_service.h"
#include "image/internal/image_util.h"
#include "image/internal/unpack_order.h"
#include "image/reference.h"
#include "oci/platform.h"

namespace wharf::image {

using oci::Platform;

namespace {

constexpr size_t kMaxIndexEntries = 1024;
constexpr size_t kMaxLayers = 512;

bool isIndex(const std::string& mt) {
  return mt == oci::kMediaTypeIndex || mt == oci::kMediaTypeDockerManifestList;
}
bool isManifest(const std::string& mt) {
  return mt == oci::kMediaTypeManifest || mt == oci::kMediaTypeDockerManifest;
}
bool isConfig(const std::string& mt) {
  return mt == oci::kMediaTypeConfig || mt == oci::kMediaTypeDockerConfig;
}
// Layer media types wharf unpacks: OCI tar / tar+gzip / tar+zstd, their non-distributable
// variants (fetched from the registry like the others), and Docker's names for them.
bool isLayer(const std::string& mt) {
  static const char* kTypes[] = {
      "application/vnd.oci.image.layer.v1.tar",
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.nondistributable.v1.tar",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.diff.tar",
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
      "application/vnd.docker.image.rootfs.diff.tar.zstd",
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  };
  return std::find(std::begin(kTypes), std::end(kTypes), mt) != std::end(kTypes);
}

std::string shortDigest(const std::string& d) { return d.substr(d.find(':') + 1, 12); }

// Picks the entry of an index for `want`. Entries are bounded and checked one by one.
Result<oci::Descriptor> selectFromIndex(const std::string& json, const Platform& want,
                                        const std::string& what) {
  WHARF_ASSIGN_OR_RETURN(Json idx, parseJson(json, "index"));
  if (!idx.is_object() || !idx.contains("manifests") || !idx["manifests"].is_array())
    return invalidArgument(what + ": index without a manifests array");
  const Json& ms = idx["manifests"];
  if (ms.size() > kMaxIndexEntries)
    return invalidArgument(what + ": index with more than " + std::to_string(kMaxIndexEntries) +
                           " entries");
  for (size_t i = 0; i < ms.size(); ++i) {
    const Json& m = ms[i];
    if (!m.is_object() || !m.contains("platform") || !m["platform"].is_object()) continue;
    const Json& p = m["platform"];
    Platform have{p.value("os", ""), p.value("architecture", ""), p.value("variant", "")};
    if (!oci::platformMatches(want, have)) continue;
    oci::Descriptor d;
    d.mediaType = m.value("mediaType", "");
    d.digest = m.value("digest", "");
    d.size = m.contains("size") && m["size"].is_number_integer() ? m["size"].get<int64_t>() : -1;
    if (!parseDigest(d.digest).ok() || d.size < 0)
      return invalidArgument(what + ": manifests[" + std::to_string(i) +
                             "]: invalid digest or size");
    if (!isManifest(d.mediaType)) continue;  // attestations, nested indexes: not images
    return d;
  }
  return notFound("no matching manifest for " + want.str() +
                  " in the manifest list entries: " + what);
}

}  // namespace

Status ImageService::pullContent(const PullOptions& opts, PullPlan& plan,
                                 const std::function<void(const PullProgress&)>& progress) {
  WHARF_ASSIGN_OR_RETURN(Reference ref, parseReference(opts.ref));
  Platform want = oci::hostPlatform();
  if (!opts.platform.empty()) {
    WHARF_ASSIGN_OR_RETURN(want, oci::parsePlatform(opts.platform));
  }
  const std::string what = ref.familiar();
  const std::string wanted = ref.digest.empty() ? ref.tag : ref.digest;
  plan.normalizedRef = ref.normalized();
  // Leased before anything is looked up: a blob found "already there" stays there until the
  // image row refers to it, whatever an rmi or a GC pass does meanwhile.
  plan.lease = std::make_shared<store::Lease>(leases_.acquire("pull " + ref.familiar()));
  RegistryClient reg(ref.domain, ref.path, opts.credentials, opts.registry);

  // docker names the repository's path here ("library/busybox"), never the registry.
  progress({ref.digest.empty() ? ref.tag : ref.digest, "Pulling from " + ref.path});
  WHARF_ASSIGN_OR_RETURN(FetchedManifest top, reg.manifest(wanted));
  plan.repoDigest = ref.repository() + "@" + top.digest;
  FetchedManifest chosen = top;
  if (isIndex(top.mediaType)) {
    WHARF_ASSIGN_OR_RETURN(oci::Descriptor d, selectFromIndex(top.bytes, want, what));
    WHARF_ASSIGN_OR_RETURN(chosen, reg.manifest(d.digest));
    if (static_cast<int64_t>(chosen.bytes.size()) != d.size)
      return invalidArgument(what + ": manifest " + d.digest + " has the wrong size");
  }
  if (!isManifest(chosen.mediaType))
    return invalidArgument(what + ": unsupported manifest media type \"" + chosen.mediaType + "\"");
  auto manifest = oci::parseManifest(chosen.bytes);
  if (!manifest.ok()) return std::move(manifest).error().context(what);
  if (!isConfig(manifest->config.mediaType))
    return invalidArgument(what + ": unsupported config media type \"" +
                           manifest->config.mediaType + "\" (not a container image)");
  if (manifest->layers.size() > kMaxLayers)
    return invalidArgument(what + ": more than " + std::to_string(kMaxLayers) + " layers");
  for (const auto& l : manifest->layers)
    if (!isLayer(l.mediaType))
      return invalidArgument(what + ": layer " + l.digest + ": unsupported media type \"" +
                             l.mediaType + "\"");

  WHARF_ASSIGN_OR_RETURN(std::string cfgJson,
                         reg.blobBytes(manifest->config.digest, manifest->config.size));
  auto cfg = oci::parseImageConfig(cfgJson);
  if (!cfg.ok()) return std::move(cfg).error().context(what);
  if (cfg->diffIds.size() != manifest->layers.size())
    return invalidArgument(what + ": the manifest has " + std::to_string(manifest->layers.size()) +
                           " layers but the config " + std::to_string(cfg->diffIds.size()) +
                           " diff ids");
  plan.chainIds = oci::chainIds(cfg->diffIds);
  // A single manifest names its platform only in the config: one asked for explicitly must
  // match it (docker's check), so that --platform never silently gives another architecture.
  if (!opts.platform.empty() && !isIndex(top.mediaType) &&
      !oci::platformMatches(want, {cfg->os, cfg->architecture, ""}))
    return notFound("image with reference " + what + " was found but its platform (" +
                    oci::normalizePlatform({cfg->os, cfg->architecture, ""}).str() +
                    ") does not match the specified platform (" + want.str() + ")");

  // Layers: download what the store lacks, then unpack in order.
  plan.lease->addBlob(manifest->config.digest);
  plan.lease->addBlob(chosen.digest);
  for (const auto& l : manifest->layers) plan.lease->addBlob(l.digest);
  for (const auto& c : plan.chainIds) plan.lease->addSnapshot(c);
  // What the store has now is what this pull will not download (the lease keeps it there).
  std::set<std::string> present;
  for (const auto& l : manifest->layers) {
    if (content_.has(l.digest)) {
      present.insert(l.digest);
      progress({shortDigest(l.digest), "Already exists"});
      continue;
    }
    progress({shortDigest(l.digest), "Pulling fs layer"});
  }
  // Downloads: opts.registry.maxConcurrentDownloads at once (wharfd's and dockerd's
  // --max-concurrent-downloads, default 3), each worker with its own registry client
  // (connection and token); a layer listed twice is fetched once. Each download also feeds
  // its bytes to a staged layer that unpacks them as they come (bounded memory: the download
  // waits when its extractor is behind). Meanwhile this thread (a worker of the caller's
  // pool, never the daemon's loop) commits each layer's snapshot as soon as it and every
  // layer below it are done (internal::LayerUnpackOrder), in order: a staged one by a rename,
  // a blob that was already in the store by unpacking the file. The first failure, of a
  // download, an extraction or a commit, stops the rest (the download sinks give up at their
  // next chunk, no further layer is committed, the staged dirs go) and is the pull's error.
  std::vector<std::pair<const oci::Descriptor*, size_t>> missing;  // with its first position
  std::set<std::string> queued;
  for (size_t i = 0; i < manifest->layers.size(); ++i) {
    const auto& l = manifest->layers[i];
    plan.layerDigests.push_back(l.digest);
    plan.size += l.size;
    if (!present.count(l.digest) && queued.insert(l.digest).second) missing.push_back({&l, i});
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  // Guards order, staged, workersLeft, plan.addedBlobs, firstError, and the progress callback
  // (one call at a time).
  std::mutex mu;
  std::condition_variable changed;  // a blob was committed, a worker ended, or a failure
  internal::LayerUnpackOrder order(plan.layerDigests, present);
  // Extracted layers whose blob is committed, by digest, until their snapshot is committed;
  // whatever is left when this function returns is removed with them.
  std::map<std::string, std::unique_ptr<store::StagedLayer>> staged;
  size_t workersLeft = 0;
  Status firstError = okStatus();
  auto failLocked = [&](Status st) {
    if (!failed.exchange(true)) firstError = std::move(st);
    changed.notify_all();
  };
  auto report = [&](const PullProgress& p) {
    std::lock_guard lock(mu);
    progress(p);
  };
  auto download = [&](RegistryClient& client, const oci::Descriptor& l, size_t pos) -> Status {
    const std::string id = shortDigest(l.digest);
    WHARF_ASSIGN_OR_RETURN(std::unique_ptr<store::BlobWriter> w, content_.writer());
    // Not extracted while downloading when the snapshot is there (its blob was not) or the
    // snapshotter cannot: then the ordered loop below unpacks the committed blob.
    bool extract = !snapshots_.hasSnapshot(plan.chainIds[pos]);
    std::unique_ptr<store::StagedLayer> stage;
    // The extractor's failure: the download goes on to its end all the same, so that bytes
    // the registry mangled are reported as the digest mismatch they are.
    Status extractError = okStatus();
    auto freshStage = [&]() -> Status {
      stage.reset();  // stops its extractor and removes its dir
      extractError = okStatus();
      if (!extract) return okStatus();
      auto s = snapshots_.stageLayer();
      if (!s.ok() && s.error().category() == ErrorCategory::kNotImplemented) {
        extract = false;
        return okStatus();
      }
      if (!s.ok()) return std::move(s).error().context(what + ": layer " + l.digest);
      stage = std::move(*s);
      return okStatus();
    };
    WHARF_TRY(freshStage());
    int64_t got = 0, reported = 0;
    const int64_t step = std::max<int64_t>(l.size / 50, 256 << 10);
    // A download cut short resumes where it stopped (the writer keeps hashing and the
    // extractor keeps reading across the resume, so commit verifies the whole blob); when the
    // registry answers the Range request with the whole blob, what was written and extracted
    // is dropped with its writer and staged layer.
    auto restart = [&]() -> Status {
      w.reset();
      WHARF_ASSIGN_OR_RETURN(w, content_.writer());
      WHARF_TRY(freshStage());
      got = reported = 0;
      return okStatus();
    };
    auto sink = [&](std::string_view data) -> Status {
      if (failed) return unavailable("cancelled: another layer failed");
      WHARF_TRY(w->write(data));
      if (stage) {
        if (Status st = stage->write(data); !st.ok()) {
          extractError = std::move(st);
          stage.reset();
        }
      }
      got += static_cast<int64_t>(data.size());
      if (got - reported >= step || got == l.size) {
        reported = got;
        report({id, "Downloading", got, l.size});
      }
      return okStatus();
    };
    WHARF_TRY(client.blob(l.digest, l.size, sink, restart));
    report({id, "Verifying Checksum"});
    auto committed = w->commit(l.digest);  // refuses content that is not `l.digest`
    if (!committed.ok()) return std::move(committed).error().context(what + ": layer " + l.digest);
    {
      std::lock_guard lock(mu);
      plan.addedBlobs.push_back(l.digest);
    }
    if (!extractError.ok())
      return std::move(extractError).error().context(what + ": layer " + l.digest);
    if (stage) {
      auto diffId = stage->finish(l.digest);
      if (!diffId.ok()) return std::move(diffId).error().context(what + ": layer " + l.digest);
    }
    {
      // "Download complete" before the ordered loop can see the layer: its "Extracting"
      // follows.
      std::lock_guard lock(mu);
      if (stage) staged[l.digest] = std::move(stage);
      progress({id, "Download complete"});
      order.markAvailable(l.digest);
    }
    changed.notify_all();
    return okStatus();
  };
  auto worker = [&](RegistryClient& client) {
    while (!failed) {
      size_t i = next++;
      if (i >= missing.size()) break;
      Status st = download(client, *missing[i].first, missing[i].second);
      if (st.ok()) continue;
      std::lock_guard lock(mu);
      failLocked(std::move(st));
    }
    std::lock_guard lock(mu);
    --workersLeft;
    changed.notify_all();
  };
  std::vector<std::thread> downloaders;
  {
    size_t n = std::min<size_t>(
        static_cast<size_t>(std::max(1, opts.registry.maxConcurrentDownloads)), missing.size());
    workersLeft = n;
    // The others ask the endpoint the manifest came from (a mirror, or the registry); the
    // first uses the client that is already connected (only that thread uses it from now on).
    RegistryOptions pinned = opts.registry;
    pinned.endpoint = reg.baseUrl();
    for (size_t k = 0; k < n; ++k)
      downloaders.emplace_back([&, k, pinned] {
        if (k == 0) return worker(reg);
        RegistryClient own(ref.domain, ref.path, opts.credentials, pinned);
        worker(own);
      });
  }
  // Commits snapshots, in layer order, while the downloads run.
  for (;;) {
    std::optional<size_t> i;
    std::unique_ptr<store::StagedLayer> stage;
    {
      std::unique_lock lock(mu);
      for (;;) {
        if (failed) break;
        i = order.takeNext();
        if (i || order.finished() || workersLeft == 0) break;
        changed.wait(lock);
      }
      // A layer listed twice was extracted once: the first place takes the staged dir, the
      // other unpacks the committed blob.
      if (i) {
        if (auto it = staged.find(manifest->layers[*i].digest); it != staged.end()) {
          stage = std::move(it->second);
          staged.erase(it);
        }
      }
    }
    if (!i) break;
    const oci::Descriptor& layer = manifest->layers[*i];
    const std::string id = shortDigest(layer.digest);
    if (snapshots_.hasSnapshot(plan.chainIds[*i])) {
      report({id, "Pull complete"});
      continue;
    }
    report({id, "Extracting"});
    plan.addedChains.push_back(plan.chainIds[*i]);
    const std::string parent = *i ? plan.chainIds[*i - 1] : "";
    // A blob in the content store was verified when it was committed: a plain tar's diff id
    // is its digest, not hashed again.
    auto r = stage ? stage->commit(plan.chainIds[*i], parent)
                   : snapshots_.unpackLayer(plan.chainIds[*i], parent,
                                            content_.blobPath(layer.digest), layer.digest);
    if (!r.ok()) {
      std::lock_guard lock(mu);
      failLocked(std::move(r).error().context(what + ": layer " + layer.digest));
      break;
    }
    report({id, "Pull complete"});
  }
  for (auto& t : downloaders) t.join();
  if (!firstError.ok()) return firstError;
  if (!order.finished())  // every download succeeded, so every blob is there: a broken invariant
    return internalError(what + ": " + std::to_string(order.taken()) + " of " +
                         std::to_string(manifest->layers.size()) + " layers unpacked");
  // The config and manifest last: their presence never suggests a complete image.
  for (const auto& [bytes, digest] : {std::pair{std::cref(cfgJson), manifest->config.digest},
                                      std::pair{std::cref(chosen.bytes), chosen.digest}}) {
    bool had = content_.has(digest);
    WHARF_ASSIGN_OR_RETURN(std::string d, content_.put(bytes.get(), digest));
    if (!had) plan.addedBlobs.push_back(d);
  }
  plan.configDigest = manifest->config.digest;
  plan.manifestDigest = chosen.digest;
  plan.created = internal::createdSeconds(cfg->created);
  progress({"", "Digest: " + top.digest});
  return okStatus();
}

Result<Image> ImageService::pullCommit(const PullPlan& plan, bool* updated) {
  // The pull's lease kept everything it found or wrote; this check stays as the last line of
  // defence (a store changed behind the daemon's back): refuse rather than record an image
  // that cannot run.
  for (const auto& d : plan.layerDigests)
    if (!content_.has(d))
      return unavailable("layer " + d + " was removed while the pull ran; pull again");
  for (const auto& c : plan.chainIds)
    if (!snapshots_.hasSnapshot(c))
      return unavailable("snapshot " + c + " was removed while the pull ran; pull again");
  if (!content_.has(plan.configDigest) || !content_.has(plan.manifestDigest))
    return unavailable("the image's config was removed while the pull ran; pull again");
  const std::string id = plan.configDigest;
  auto before = db_.resolveTag(plan.normalizedRef);
  *updated = !before.ok() || *before != id;
  if (auto existing = db_.getImage(id); !existing.ok()) {
    WHARF_TRY(db_.putImage({id, plan.manifestDigest, id, plan.size, plan.created}));
  }
  // A digest reference is recorded as the repo digest only; a tag as both.
  if (plan.normalizedRef.find('@') == std::string::npos)
    WHARF_TRY(db_.setTag(plan.normalizedRef, id));
  WHARF_TRY(db_.setTag(plan.repoDigest, id));
  WHARF_ASSIGN_OR_RETURN(store::ImageRow row, db_.getImage(id));
  return load(row);
}

void ImageService::pullAbort(PullPlan& plan) {
  if (plan.lease) plan.lease->release();
  removeUnreferenced(plan.addedBlobs, plan.addedChains);
}

}  // namespace wharf::image
