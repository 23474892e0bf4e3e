#include "image/image_service.h"

#include <algorithm>
#include <ctime>

#include "common/digest.h"
#include "common/time.h"
#include "image/internal/busybox.h"
#include "image/internal/image_util.h"
#include "image/reference.h"
#include "oci/platform.h"

namespace wharf::image {

namespace {

constexpr std::string_view kBusyboxRef = "docker.io/library/busybox:latest";

bool isHexPrefix(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

}  // namespace

ImageService::ImageService(store::ContentStore& content, store::Snapshotter& snapshots,
                           store::MetadataDb& db, store::LeaseManager* leases)
    : content_(content),
      snapshots_(snapshots),
      db_(db),
      ownLeases_(leases ? nullptr : std::make_unique<store::LeaseManager>()),
      leases_(leases ? *leases : *ownLeases_) {}

Result<Image> ImageService::load(const store::ImageRow& row) {
  WHARF_ASSIGN_OR_RETURN(std::string cfgJson, content_.read(row.configDigest));
  auto cfg = oci::parseImageConfig(cfgJson);
  if (!cfg.ok()) return std::move(cfg).error().context("image " + row.id);
  Image img;
  img.id = row.id;
  img.manifestDigest = row.manifestDigest;
  img.config = std::move(*cfg);
  img.diffIds = img.config.diffIds;
  img.chainIds = oci::chainIds(img.diffIds);
  img.size = row.size;
  img.created = row.created;
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> refs, db_.tagsFor(row.id));
  for (const auto& r : refs) {
    auto ref = parseReference(r);
    std::string familiar = ref.ok() ? ref->familiar() : r;
    // Digest references (recorded by pulls) are RepoDigests, not tags.
    if (r.find('@') != std::string::npos)
      img.repoDigests.push_back(std::move(familiar));
    else
      img.repoTags.push_back(std::move(familiar));
  }
  return img;
}

Result<Image> ImageService::resolve(const std::string& refOrId) {
  // A full id.
  if (refOrId.rfind("sha256:", 0) == 0) {
    std::string hex = refOrId.substr(7);
    if (!isHexPrefix(hex)) return invalidArgument("invalid image id \"" + refOrId + "\"");
    if (hex.size() == 64) {
      auto row = db_.getImage(refOrId);
      if (!row.ok()) return notFound("No such image: " + refOrId);
      return load(*row);
    }
  } else {
    // A name first, as docker: "abc" may be both a repository and an id prefix.
    auto ref = parseReference(refOrId);
    if (ref.ok()) {
      auto id = db_.resolveTag(ref->normalized());
      if (id.ok()) {
        WHARF_ASSIGN_OR_RETURN(store::ImageRow row, db_.getImage(*id));
        return load(row);
      }
      if (id.error().category() != ErrorCategory::kNotFound) return std::move(id).error();
      // name@sha256:... names the manifest: any image stored from that manifest matches.
      if (!ref->digest.empty()) {
        WHARF_ASSIGN_OR_RETURN(std::vector<store::ImageRow> rows, db_.listImages());
        for (const auto& r : rows)
          if (r.manifestDigest == ref->digest) return load(r);
      }
    }
    if (!isHexPrefix(refOrId)) {
      if (!ref.ok()) return std::move(ref).error();
      return notFound("No such image: " + ref->familiar());
    }
  }
  // An id prefix: unique or an error.
  std::string prefix = refOrId.rfind("sha256:", 0) == 0 ? refOrId : "sha256:" + refOrId;
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ImageRow> rows, db_.listImages());
  const store::ImageRow* found = nullptr;
  for (const auto& r : rows) {
    if (r.id.rfind(prefix, 0) != 0) continue;
    if (found) return invalidArgument("multiple IDs found with provided prefix: " + refOrId);
    found = &r;
  }
  if (!found) {
    auto ref = parseReference(refOrId);
    return notFound("No such image: " + (ref.ok() ? ref->familiar() : refOrId));
  }
  return load(*found);
}

Result<std::vector<Image>> ImageService::list() {
  WHARF_ASSIGN_OR_RETURN(std::vector<store::ImageRow> rows, db_.listImages());
  std::vector<Image> out;
  for (const auto& r : rows) {
    WHARF_ASSIGN_OR_RETURN(Image img, load(r));
    out.push_back(std::move(img));
  }
  return out;
}

Result<std::vector<std::string>> ImageService::ensureUnpacked(const Image& img) {
  WHARF_ASSIGN_OR_RETURN(std::string mjson, content_.read(img.manifestDigest));
  auto manifest = oci::parseManifest(mjson);
  if (!manifest.ok()) return std::move(manifest).error().context("image " + img.id);
  if (manifest->layers.size() != img.chainIds.size())
    return invalidArgument("image " + img.id + ": manifest has " +
                           std::to_string(manifest->layers.size()) + " layers but the config " +
                           std::to_string(img.chainIds.size()) + " diff ids");
  for (size_t i = 0; i < img.chainIds.size(); ++i) {
    if (snapshots_.hasSnapshot(img.chainIds[i])) continue;
    const oci::Descriptor& layer = manifest->layers[i];
    if (!content_.has(layer.digest))
      return notFound("image " + img.id + ": layer " + layer.digest + " is not in the store");
    auto r = snapshots_.unpackLayer(img.chainIds[i], i ? img.chainIds[i - 1] : "",
                                    content_.blobPath(layer.digest));
    if (!r.ok()) return std::move(r).error();
  }
  return snapshots_.lowerDirs(img.chainIds);
}

Status ImageService::tag(const std::string& imageId, const std::string& ref) {
  WHARF_ASSIGN_OR_RETURN(Reference r, parseReference(ref));
  if (!r.digest.empty()) return invalidArgument("refusing to create a tag with a digest reference");
  WHARF_TRY(db_.getImage(imageId));
  return db_.setTag(r.normalized(), imageId);
}

Result<Image> ImageService::bootstrap(const std::string& name) {
  if (name != "busybox")
    return invalidArgument("no built-in image \"" + name + "\" (available: busybox)");
  WHARF_ASSIGN_OR_RETURN(internal::BuiltLayer layer, internal::buildBusyboxLayer());

  oci::ImageConfig cfg;
  cfg.created = formatRfc3339(layer.created);
  cfg.architecture = oci::hostArchitecture();
  cfg.os = "linux";
  cfg.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  cfg.cmd = {"sh"};
  cfg.diffIds = {sha256Digest(layer.tar)};
  cfg.history = nlohmann::json::array(
      {{{"created", cfg.created}, {"created_by", "wharf: built-in image from /bin/busybox"}}});
  std::string cfgJson = oci::serializeImageConfig(cfg);

  // Leased before they are written: a GC pass between the writes and the image row must not
  // take them (the digests are known up front, so the lease comes first).
  store::Lease lease = leases_.acquire("bootstrap " + name);
  const std::string chain = oci::chainIds(cfg.diffIds).front();
  lease.addBlob(sha256Digest(layer.tarGzip));
  lease.addBlob(sha256Digest(cfgJson));
  lease.addSnapshot(chain);
  WHARF_ASSIGN_OR_RETURN(std::string layerDigest, content_.put(layer.tarGzip));
  WHARF_ASSIGN_OR_RETURN(std::string cfgDigest, content_.put(cfgJson));
  oci::Manifest m;
  m.mediaType = std::string(oci::kMediaTypeManifest);
  m.config = {
      std::string(oci::kMediaTypeConfig), cfgDigest, static_cast<int64_t>(cfgJson.size()), {}};
  m.layers.push_back({std::string(oci::kMediaTypeLayerGzip),
                      layerDigest,
                      static_cast<int64_t>(layer.tarGzip.size()),
                      {}});
  std::string mJson = oci::serializeManifest(m);
  lease.addBlob(sha256Digest(mJson));
  WHARF_ASSIGN_OR_RETURN(std::string mDigest, content_.put(mJson));

  // Unpacked before the image row exists, so a listed image is always runnable.
  WHARF_TRY(snapshots_.unpackLayer(chain, "", content_.blobPath(layerDigest)));

  store::ImageRow row{cfgDigest, mDigest, cfgDigest, static_cast<int64_t>(layer.tar.size()),
                      layer.created};
  WHARF_TRY(db_.putImage(row));
  WHARF_TRY(db_.setTag(std::string(kBusyboxRef), row.id));
  return load(row);
}

}  // namespace wharf::image
