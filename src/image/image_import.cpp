// ImageService::importTarball: `docker import`, a filesystem tarball made into a one-layer
// image. The tarball (plain, gzip or zstd) is stored as the layer blob as it is; its diff id
// is the sha256 of the uncompressed stream, computed in one pass before anything is visible.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "common/digest.h"
#include "common/scope_guard.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "image/image_service.h"
#include "image/internal/image_util.h"
#include "image/internal/import_changes.h"
#include "image/reference.h"
#include "oci/platform.h"

namespace wharf::image {
namespace {

struct Uncompressed {
  std::string diffId;
  std::string magic;  // the first bytes of the file as stored (compressed or not)
  int64_t size = 0;   // uncompressed bytes
};

// Decompresses (any filter libarchive knows) and hashes; the format is "raw" so the bytes
// are the decompressed stream itself, whatever it contains: the snapshotter checks the tar.
Result<Uncompressed> hashUncompressed(const std::filesystem::path& file) {
  std::unique_ptr<archive, internal::ArchiveReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  auto err = [&](const std::string& what) {
    const char* e = archive_error_string(a.get());
    return invalidArgument("import: " + what + ": " + (e ? e : "unknown error"));
  };
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 20) != ARCHIVE_OK) return err("open");
  archive_entry* e;
  int r = archive_read_next_header(a.get(), &e);
  if (r == ARCHIVE_EOF) return invalidArgument("import: the archive is empty");
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return err("read");
  Uncompressed out;
  Sha256 hasher;
  std::vector<char> buf(1 << 16);
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
    if (n < 0) return err("read");
    if (n == 0) break;
    hasher.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    out.size += n;
  }
  if (out.size == 0) return invalidArgument("import: the archive is empty");
  out.diffId = hasher.finishDigest();
  return out;
}

Result<std::string> fileMagic(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sysError("open " + file.string());
  char buf[4];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) return sysError("read " + file.string());
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

Result<Image> ImageService::importTarball(const std::filesystem::path& tarball,
                                          const ImportOptions& opts) {
  // Everything that can be refused cheaply is checked before the tarball is read.
  std::optional<Reference> ref;
  if (!opts.ref.empty()) {
    WHARF_ASSIGN_OR_RETURN(Reference r, parseReference(opts.ref));
    if (!r.digest.empty())
      return invalidArgument("refusing to create a tag with a digest reference");
    ref = std::move(r);
  }
  oci::ImageConfig cfg;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  cfg.created = formatRfc3339(now);
  cfg.architecture = opts.architecture.empty() ? oci::hostArchitecture() : opts.architecture;
  cfg.os = "linux";
  for (const auto& c : opts.changes) WHARF_TRY_CTX(internal::applyChange(cfg, c), "import");

  WHARF_ASSIGN_OR_RETURN(Uncompressed layer, hashUncompressed(tarball));
  WHARF_ASSIGN_OR_RETURN(std::string magic, fileMagic(tarball));
  cfg.diffIds = {layer.diffId};
  nlohmann::json hist{{"created", cfg.created},
                      {"created_by", "wharf import " + (opts.source.empty() ? "-" : opts.source)}};
  if (!opts.message.empty()) hist["comment"] = opts.message;
  cfg.history = nlohmann::json::array({hist});
  std::string cfgJson = oci::serializeImageConfig(cfg);

  // Blobs this import adds go again on failure, unless an image uses them.
  std::vector<std::string> candidates;
  bool committed = false;
  // Declared before the rollback guard, so released after it ran: the rollback's own
  // removals must not be blocked by this import's lease.
  store::Lease lease;
  ScopeGuard rollback([&] {
    if (committed) return;
    lease.release();
    removeUnreferenced(candidates, {layer.diffId});
  });
  lease = leases_.acquire("import " + (opts.source.empty() ? "-" : opts.source));
  lease.addSnapshot(layer.diffId);
  lease.addBlob(sha256Digest(cfgJson));
  std::error_code ec;
  const auto blobSize = static_cast<int64_t>(std::filesystem::file_size(tarball, ec));
  if (ec) return sysError("stat " + tarball.string(), ec.value());
  WHARF_ASSIGN_OR_RETURN(std::string layerDigest, content_.putFile(tarball));
  // Known only now (putFile hashes as it copies); GC passes run under the same job lock as
  // an import, so none can fall between the put and this.
  lease.addBlob(layerDigest);
  candidates.push_back(layerDigest);
  // Unpacking checks the tar (and the diff id) before the image exists.
  WHARF_TRY_CTX(snapshots_.unpackLayer(layer.diffId, "", content_.blobPath(layerDigest)), "import");
  WHARF_ASSIGN_OR_RETURN(std::string cfgDigest, content_.put(cfgJson));
  candidates.push_back(cfgDigest);
  oci::Manifest m;
  m.mediaType = std::string(oci::kMediaTypeManifest);
  m.config = {
      std::string(oci::kMediaTypeConfig), cfgDigest, static_cast<int64_t>(cfgJson.size()), {}};
  m.layers.push_back({internal::layerMediaTypeFor(magic), layerDigest, blobSize, {}});
  std::string mJson = oci::serializeManifest(m);
  lease.addBlob(sha256Digest(mJson));
  WHARF_ASSIGN_OR_RETURN(std::string mDigest, content_.put(mJson));
  candidates.push_back(mDigest);

  store::ImageRow row{cfgDigest, mDigest, cfgDigest, layer.size, now};
  WHARF_TRY(db_.putImage(row));
  committed = true;
  if (ref) WHARF_TRY(db_.setTag(ref->normalized(), row.id));
  return load(row);
}

}  // namespace wharf::image
