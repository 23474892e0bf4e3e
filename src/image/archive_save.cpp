// ImageService::saveArchive: `docker save`. One tar stream that docker load (manifest.json),
// and OCI tools (index.json + oci-layout, image-spec's image layout) both read:
//
//   blobs/sha256/<hex>     every manifest, config and layer blob, as stored (layers may be
//                          compressed: docker load and the image spec both accept that)
//   index.json             OCI index: one manifest descriptor per saved tag (annotations
//                          io.containerd.image.name and org.opencontainers.image.ref.name)
//   manifest.json          docker's: [{"Config", "RepoTags", "Layers"}] with blob paths
//   oci-layout             {"imageLayoutVersion": "1.0.0"}
//
// Docker's legacy `repositories` file is not written: it maps tags to v1 layer ids, which
// wharf does not have, and docker load ignores it when manifest.json is there.
//
// Blobs stream from the content store into the archive: nothing is staged.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <map>
#include <memory>
#include <set>

#include "common/json.h"
#include "common/unique_fd.h"
#include "image/image_service.h"
#include "image/reference.h"

namespace wharf::image {
namespace {

struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

class TarOut {
 public:
  explicit TarOut(int fd) : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_.get());
    // One block per write: the fd may be a pipe or socket, no need for 10 KiB records.
    archive_write_set_bytes_in_last_block(a_.get(), 1);
    ok_ = archive_write_open_fd(a_.get(), fd) == ARCHIVE_OK;
  }
  ~TarOut() {
    if (ok_) archive_write_close(a_.get());
  }

  Status dir(const std::string& name) { return header(name, AE_IFDIR, 0755, 0); }

  Status file(const std::string& name, std::string_view data) {
    WHARF_TRY(header(name, AE_IFREG, 0644, static_cast<int64_t>(data.size())));
    return body(data);
  }

  Status fileFrom(const std::string& name, const std::filesystem::path& src) {
    UniqueFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sysError("open " + src.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return sysError("stat " + src.string());
    WHARF_TRY(header(name, AE_IFREG, 0644, st.st_size));
    std::vector<char> buf(1 << 16);
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sysError("read " + src.string());
      if (n == 0) return internalError("save: " + src.string() + " shrank while being read");
      WHARF_TRY(body(std::string_view(buf.data(), static_cast<size_t>(n))));
      left -= n;
    }
    return okStatus();
  }

  Status finish() {
    if (!ok_) return error("open");
    ok_ = false;
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return error("close");
    return okStatus();
  }

 private:
  Status header(const std::string& name, int type, int perm, int64_t size) {
    if (!ok_) return error("open");
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                               archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), static_cast<unsigned>(type));
    archive_entry_set_perm(e.get(), static_cast<mode_t>(perm));
    archive_entry_set_size(e.get(), size);
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) return error("write " + name);
    return okStatus();
  }
  Status body(std::string_view data) {
    if (archive_write_data(a_.get(), data.data(), data.size()) !=
        static_cast<la_ssize_t>(data.size()))
      return error("write");
    return okStatus();
  }
  Error error(const std::string& what) {
    const char* e = archive_error_string(a_.get());
    // Usually the client went away (a closed pipe): not the daemon's fault, but not the
    // caller's input either.
    return Error(ErrorCategory::kUnavailable, "save: " + what + ": " + (e ? e : "write failed"));
  }

  std::unique_ptr<archive, WriteDeleter> a_;
  bool ok_ = false;
};

std::string hexOf(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

struct Saved {
  Image img;
  oci::Manifest manifest;
  std::string manifestJson;
  std::vector<Reference> tags;  // in the order they were named
};

}  // namespace

Status ImageService::saveArchive(const std::vector<std::string>& names, int outFd) {
  if (names.empty()) return invalidArgument("save: no image named");
  // Resolve everything first: a bad name fails before a byte is written.
  std::vector<Saved> saved;
  std::map<std::string, size_t> byId;
  // Each name gives (image, tags to record) pairs, by docker's rule (see the header).
  auto add = [&](Image img, std::vector<Reference> tags) -> Status {
    auto [it, fresh] = byId.emplace(img.id, saved.size());
    if (fresh) {
      Saved s;
      WHARF_ASSIGN_OR_RETURN(s.manifestJson, content_.read(img.manifestDigest));
      auto m = oci::parseManifest(s.manifestJson);
      if (!m.ok()) return std::move(m).error().context("image " + img.id);
      s.manifest = std::move(*m);
      s.img = std::move(img);
      saved.push_back(std::move(s));
    }
    Saved& s = saved[it->second];
    for (auto& r : tags) {
      bool dup = false;
      for (const auto& have : s.tags) dup = dup || have.normalized() == r.normalized();
      if (!dup) s.tags.push_back(std::move(r));
    }
    return okStatus();
  };
  for (const auto& name : names) {
    auto ref = parseReference(name);
    size_t slash = name.rfind('/');
    bool explicitTag = name.find(':', slash == std::string::npos ? 0 : slash) != std::string::npos;
    bool bareName = ref.ok() && ref->digest.empty() && !explicitTag;
    if (bareName) {
      // Every tag of the repository, whichever images they name.
      WHARF_ASSIGN_OR_RETURN(std::vector<store::ImageRow> rows, db_.listImages());
      bool any = false;
      for (const auto& row : rows) {
        WHARF_ASSIGN_OR_RETURN(std::vector<std::string> tags, db_.tagsFor(row.id));
        std::vector<Reference> mine;
        for (const auto& t : tags)
          if (auto r = parseReference(t);
              r.ok() && r->digest.empty() && r->repository() == ref->repository())
            mine.push_back(*r);
        if (mine.empty()) continue;
        any = true;
        WHARF_ASSIGN_OR_RETURN(Image img, load(row));
        WHARF_TRY(add(std::move(img), std::move(mine)));
      }
      if (any) continue;
      // Not a repository we have: maybe an id prefix.
    }
    WHARF_ASSIGN_OR_RETURN(Image img, resolve(name));
    bool byId =
        !ref.ok() || name.rfind("sha256:", 0) == 0 || img.id.rfind("sha256:" + name, 0) == 0;
    std::vector<Reference> tags;
    if (!byId && ref->digest.empty()) tags.push_back(*ref);
    WHARF_TRY(add(std::move(img), std::move(tags)));
  }

  TarOut tar(outFd);
  WHARF_TRY(tar.dir("blobs/"));
  WHARF_TRY(tar.dir("blobs/sha256/"));
  std::set<std::string> written;
  Json dockerManifest = Json::array(), indexManifests = Json::array();
  for (const auto& s : saved) {
    std::vector<std::string> blobs = {s.manifest.config.digest};
    for (const auto& l : s.manifest.layers) blobs.push_back(l.digest);
    for (const auto& d : blobs) {
      if (!written.insert(d).second) continue;
      if (!content_.has(d))
        return notFound("save: blob " + d + " of image " + s.img.id + " is missing");
      WHARF_TRY(tar.fileFrom("blobs/sha256/" + hexOf(d), content_.blobPath(d)));
    }
    if (written.insert(s.img.manifestDigest).second)
      WHARF_TRY(tar.file("blobs/sha256/" + hexOf(s.img.manifestDigest), s.manifestJson));

    Json layers = Json::array();
    for (const auto& l : s.manifest.layers) layers.push_back("blobs/sha256/" + hexOf(l.digest));
    Json repoTags = Json::array();
    for (const auto& t : s.tags) repoTags.push_back(t.familiar());
    dockerManifest.push_back({{"Config", "blobs/sha256/" + hexOf(s.manifest.config.digest)},
                              {"RepoTags", s.tags.empty() ? Json(nullptr) : repoTags},
                              {"Layers", layers}});

    Json desc{{"mediaType", s.manifest.mediaType.empty() ? std::string(oci::kMediaTypeManifest)
                                                         : s.manifest.mediaType},
              {"digest", s.img.manifestDigest},
              {"size", s.manifestJson.size()}};
    if (s.tags.empty()) indexManifests.push_back(desc);
    for (const auto& t : s.tags) {
      Json d = desc;
      d["annotations"] = {{"io.containerd.image.name", t.normalized()},
                          {"org.opencontainers.image.ref.name", t.tag}};
      indexManifests.push_back(d);
    }
  }
  Json index{{"schemaVersion", 2},
             {"mediaType", std::string(oci::kMediaTypeIndex)},
             {"manifests", indexManifests}};
  WHARF_TRY(tar.file("index.json", index.dump() + "\n"));
  WHARF_TRY(tar.file("manifest.json", dockerManifest.dump() + "\n"));
  WHARF_TRY(tar.file("oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}"));
  return tar.finish();
}

}  // namespace wharf::image
