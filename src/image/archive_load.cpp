// ImageService::loadArchive: `docker load` of a `docker save` archive.
//
// The archive is read once, front to back: every member that may be a blob streams into the
// content store (hashed on the way), so nothing is extracted to a temp dir whatever the
// image size. manifest.json then says which members are configs and layers; members nothing
// refers to (docker's legacy <id>/json, an OCI index) are removed again, unless the store
// already had them before this load.

#include <archive.h>
#include <archive_entry.h>

#include <ctime>
#include <map>
#include <memory>
#include <set>

#include "common/digest.h"
#include "common/json.h"
#include "common/json_read.h"
#include "image/image_service.h"
#include "image/internal/image_util.h"
#include "image/reference.h"

namespace wharf::image {
namespace {

struct Member {
  std::string digest;
  int64_t size = 0;
  std::string magic;  // first bytes, to tell a compressed layer from a plain tar
};

std::string layerMediaType(const std::string& magic) {
  if (magic.size() >= 2 && magic[0] == '\x1f' && magic[1] == '\x8b')
    return std::string(oci::kMediaTypeLayerGzip);
  if (magic.size() >= 4 && magic.compare(0, 4, "\x28\xb5\x2f\xfd") == 0)
    return std::string(oci::kMediaTypeLayerZstd);
  return std::string(oci::kMediaTypeLayerTar);
}

std::string cleanName(std::string name) {
  while (name.rfind("./", 0) == 0) name.erase(0, 2);
  return name;
}

}  // namespace

Result<std::vector<Image>> ImageService::loadArchive(const std::filesystem::path& path) {
  std::unique_ptr<archive, internal::ArchiveReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  auto archiveError = [&](const std::string& what) {
    const char* e = archive_error_string(a.get());
    return invalidArgument("load " + path.filename().string() + ": " + what + ": " +
                           (e ? e : "unknown error"));
  };
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 20) != ARCHIVE_OK)
    return archiveError("open");

  std::string manifestJson;
  std::map<std::string, Member> members;
  std::set<std::string> fresh;  // digests this load added to the store
  // Every blob and snapshot this load writes or finds is leased until its image rows exist.
  store::Lease lease = leases_.acquire("load " + path.filename().string());
  archive_entry* e;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return archiveError("read");
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string name = cleanName(archive_entry_pathname(e));
    bool isManifest = name == "manifest.json";
    std::unique_ptr<store::BlobWriter> w;
    if (!isManifest) {
      WHARF_ASSIGN_OR_RETURN(w, content_.writer());
    }
    Member m;
    Sha256 hasher;  // to know the digest before commit, and so whether the blob is new
    char buf[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
      if (n < 0) return archiveError("read " + name);
      if (n == 0) break;
      std::string_view chunk(buf, static_cast<size_t>(n));
      if (m.magic.size() < 4) m.magic.append(chunk.substr(0, 4 - m.magic.size()));
      if (isManifest) {
        if (manifestJson.size() + chunk.size() > (16 << 20))
          return invalidArgument("load: manifest.json is too large");
        manifestJson.append(chunk);
      } else {
        hasher.update(chunk);
        WHARF_TRY(w->write(chunk));
      }
    }
    if (isManifest) continue;
    m.size = w->size();
    std::string digest = hasher.finishDigest();
    lease.addBlob(digest);
    bool existed = content_.has(digest);
    WHARF_ASSIGN_OR_RETURN(m.digest, w->commit(digest));
    members[name] = m;
    if (!existed) fresh.insert(m.digest);
  }
  if (manifestJson.empty()) return invalidArgument("load: no manifest.json in the archive");

  WHARF_ASSIGN_OR_RETURN(Json manifest, parseJson(manifestJson, "manifest.json"));
  if (!manifest.is_array()) return invalidArgument("load: manifest.json: expected an array");
  std::set<std::string> used;
  std::vector<Image> out;
  Status failed = okStatus();
  for (size_t i = 0; i < manifest.size() && failed.ok(); ++i) {
    const Json& ent = manifest[i];
    const std::string where = json::element("load: manifest.json", i);
    auto member = [&](const Json& v, const std::string& field) -> Result<Member> {
      if (!v.is_string())
        return invalidArgument(json::typeMismatch(json::member(where, field), "a string", v));
      auto it = members.find(cleanName(v.get<std::string>()));
      if (it == members.end())
        return invalidArgument(where + "." + field + ": \"" + v.get<std::string>() +
                               "\" is not in the archive");
      used.insert(it->second.digest);
      return it->second;
    };
    auto one = [&]() -> Result<Image> {
      if (!ent.is_object() || !ent.contains("Config") || !ent.contains("Layers") ||
          !ent["Layers"].is_array())
        return invalidArgument(where + ": expected Config and Layers");
      WHARF_ASSIGN_OR_RETURN(Member cfgMember, member(ent["Config"], "Config"));
      WHARF_ASSIGN_OR_RETURN(std::string cfgJson, content_.read(cfgMember.digest));
      auto cfg = oci::parseImageConfig(cfgJson);
      if (!cfg.ok()) return std::move(cfg).error().context(where);
      const Json& layers = ent["Layers"];
      if (layers.size() != cfg->diffIds.size())
        return invalidArgument(where + ": " + std::to_string(layers.size()) +
                               " layers but the config has " + std::to_string(cfg->diffIds.size()) +
                               " diff ids");
      oci::Manifest m;
      m.mediaType = std::string(oci::kMediaTypeManifest);
      m.config = {std::string(oci::kMediaTypeConfig), cfgMember.digest, cfgMember.size, {}};
      int64_t size = 0;
      std::vector<std::string> chains = oci::chainIds(cfg->diffIds);
      for (size_t l = 0; l < layers.size(); ++l) {
        WHARF_ASSIGN_OR_RETURN(Member lm, member(layers[l], "Layers[" + std::to_string(l) + "]"));
        m.layers.push_back({layerMediaType(lm.magic), lm.digest, lm.size, {}});
        size += lm.size;
        // Unpacking checks the layer against its chain id, i.e. the config's diff id.
        lease.addSnapshot(chains[l]);
        WHARF_TRY_CTX(
            snapshots_.unpackLayer(chains[l], l ? chains[l - 1] : "", content_.blobPath(lm.digest)),
            where);
      }
      std::string mJson = oci::serializeManifest(m);
      lease.addBlob(sha256Digest(mJson));
      WHARF_ASSIGN_OR_RETURN(std::string mDigest, content_.put(mJson));
      used.insert(mDigest);
      int64_t created = internal::createdSeconds(cfg->created);
      store::ImageRow row{cfgMember.digest, mDigest, cfgMember.digest, size, created};
      WHARF_TRY(db_.putImage(row));
      if (ent.contains("RepoTags") && ent["RepoTags"].is_array()) {
        for (const auto& t : ent["RepoTags"]) {
          if (!t.is_string()) continue;
          auto ref = parseReference(t.get<std::string>());
          if (!ref.ok()) return std::move(ref).error().context(where + ".RepoTags");
          WHARF_TRY(db_.setTag(ref->normalized(), row.id));
        }
      }
      return load(row);
    };
    auto img = one();
    if (!img.ok())
      failed = std::move(img).error();
    else
      out.push_back(std::move(*img));
  }
  // Members nothing referred to (or everything, on failure) go, unless some image has them
  // (or another job's lease: the removal below goes through the leases once ours is gone).
  lease.release();
  std::set<std::string> keep;
  if (auto rows = db_.listImages(); rows.ok()) {
    for (const auto& r : *rows) {
      keep.insert(r.manifestDigest);
      keep.insert(r.configDigest);
      if (auto mj = content_.read(r.manifestDigest); mj.ok()) {
        if (auto pm = oci::parseManifest(*mj); pm.ok())
          for (const auto& l : pm->layers) keep.insert(l.digest);
      }
    }
  }
  for (const auto& d : fresh)
    if (!keep.count(d) && (!failed.ok() || !used.count(d))) (void)removeBlob(d);
  if (!failed.ok()) return std::move(failed).error();
  return out;
}

}  // namespace wharf::image
