#pragma once
// Builds layer tarballs for tests with libarchive, including entries no well-behaved tool
// would write ("../x", absolute paths, links pointing out).

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <string>
#include <vector>

namespace wharf::testing {

class TarBuilder {
 public:
  enum class Compression { kNone, kGzip, kZstd };

  TarBuilder& dir(std::string path, int mode = 0755) {
    entries_.push_back({std::move(path), AE_IFDIR, mode, "", ""});
    return *this;
  }
  TarBuilder& file(std::string path, std::string data, int mode = 0644) {
    entries_.push_back({std::move(path), AE_IFREG, mode, std::move(data), ""});
    return *this;
  }
  TarBuilder& symlink(std::string path, std::string target) {
    entries_.push_back({std::move(path), AE_IFLNK, 0777, "", std::move(target)});
    return *this;
  }
  TarBuilder& hardlink(std::string path, std::string target) {
    entries_.push_back({std::move(path), 0, 0644, "", std::move(target)});
    return *this;
  }

  // Writes the tarball; false on failure.
  bool write(const std::filesystem::path& out, Compression c = Compression::kNone) const {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (c == Compression::kGzip) archive_write_add_filter_gzip(a);
    if (c == Compression::kZstd) archive_write_add_filter_zstd(a);
    // Unblocked, so the tar inside is byte for byte tarBytes() whatever the compression.
    archive_write_set_bytes_per_block(a, 0);
    bool ok = archive_write_open_filename(a, out.c_str()) == ARCHIVE_OK && writeEntries(a);
    archive_write_free(a);
    return ok;
  }

  // The uncompressed tar, whose sha256 is the layer's diff id (the same bytes write() puts
  // inside whatever compression).
  std::string tarBytes() const {
    std::string out;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_per_block(a, 0);
    auto cb = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
      static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
      return static_cast<la_ssize_t>(n);
    };
    if (archive_write_open(a, &out, nullptr, cb, nullptr) != ARCHIVE_OK || !writeEntries(a))
      out.clear();
    archive_write_free(a);
    return out;
  }

 private:
  bool writeEntries(archive* a) const {
    bool ok = true;
    for (const auto& e : entries_) {
      if (!ok) break;
      archive_entry* en = archive_entry_new();
      archive_entry_set_pathname(en, e.path.c_str());
      archive_entry_set_perm(en, static_cast<mode_t>(e.mode));
      archive_entry_set_mtime(en, 1000, 0);
      if (e.type == 0) {
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_hardlink(en, e.target.c_str());
        archive_entry_set_size(en, 0);
      } else {
        archive_entry_set_filetype(en, e.type);
        if (e.type == AE_IFLNK) archive_entry_set_symlink(en, e.target.c_str());
        if (e.type == AE_IFREG) archive_entry_set_size(en, static_cast<la_int64_t>(e.data.size()));
      }
      ok = archive_write_header(a, en) == ARCHIVE_OK;
      if (ok && e.type == AE_IFREG && !e.data.empty())
        ok = archive_write_data(a, e.data.data(), e.data.size()) ==
             static_cast<la_ssize_t>(e.data.size());
      archive_entry_free(en);
    }
    return archive_write_close(a) == ARCHIVE_OK && ok;
  }

  struct Entry {
    std::string path;
    unsigned type;  // 0: hard link
    int mode;
    std::string data, target;
  };
  std::vector<Entry> entries_;
};

}  // namespace wharf::testing
