#pragma once
// The content store: every blob (layer, config, manifest) addressed by its sha256 digest.
//
// On-disk tree (version 1), under <data-root>/content:
//
//   content/
//   ├── blobs/sha256/<64 hex>     the blob, read-only (0444), visible only once verified
//   └── ingest/<random>           a blob being written; renamed into blobs/ after its digest
//                                 is checked, removed on any failure (and stale ones on open)
//
// A blob that is visible is complete and matches its name: writers never write in place.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf::store {

// A blob written in pieces (a registry download, a layer being built): hashed as it goes,
// visible in the store only once committed. Dropping an uncommitted writer discards the blob.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual Status write(std::string_view data) = 0;
  virtual int64_t size() const = 0;
  // Verifies the digest (if given) and makes the blob visible; returns its digest. On a
  // mismatch nothing is left behind. The writer cannot be used afterwards.
  virtual Result<std::string> commit(const std::string& expectedDigest = "") = 0;
};

class ContentStore {
 public:
  virtual ~ContentStore() = default;
  // Writes to a temp file, verifies the digest (if given), renames into place. Returns the digest.
  virtual Result<std::string> put(std::string_view data,
                                  const std::string& expectedDigest = "") = 0;
  // Same, streaming from a file (moved/copied in; the source is left alone).
  virtual Result<std::string> putFile(const std::filesystem::path& src,
                                      const std::string& expectedDigest = "") = 0;
  virtual Result<std::string> read(const std::string& digest) = 0;
  virtual bool has(const std::string& digest) = 0;
  virtual std::filesystem::path blobPath(const std::string& digest) = 0;
  virtual Status remove(const std::string& digest) = 0;
  // A streaming writer. The default buffers in memory and commits through put().
  virtual Result<std::unique_ptr<BlobWriter>> writer();

  // For garbage collection and disk usage (defaults: a store that cannot enumerate).
  // Every digest in the store ("sha256:<hex>").
  virtual Result<std::vector<std::string>> list() {
    return notImplemented("this content store cannot list its blobs");
  }
  // Size in bytes of a stored blob.
  virtual Result<int64_t> size(const std::string& digest) {
    return notImplemented("this content store cannot size " + digest);
  }
  // Removes what writers that died left in the ingest area (once per process: later calls
  // would race live writers). Returns how many files went.
  virtual Result<int> sweepIngest() { return 0; }
};

class LocalContentStore final : public ContentStore {
 public:
  explicit LocalContentStore(std::filesystem::path root /* <data-root>/content */);

  Result<std::string> put(std::string_view data, const std::string& expectedDigest = "") override;
  Result<std::string> putFile(const std::filesystem::path& src,
                              const std::string& expectedDigest = "") override;
  Result<std::string> read(const std::string& digest) override;
  bool has(const std::string& digest) override;
  // Where the blob lives (or would live); an invalid digest gives an empty path.
  std::filesystem::path blobPath(const std::string& digest) override;
  // Removing a blob that is not there is not an error.
  Status remove(const std::string& digest) override;
  // Streams to a file under ingest/, fsynced and renamed on commit.
  Result<std::unique_ptr<BlobWriter>> writer() override;

  Result<std::vector<std::string>> list() override;
  Result<int64_t> size(const std::string& digest) override;
  // Runs the first-use setup now: stale ingest files go before any writer of this process
  // starts; afterwards (a writer already ran the setup) it removes nothing.
  Result<int> sweepIngest() override;
  const std::filesystem::path& root() const { return root_; }

 private:
  class FileWriter;
  Status ensureDirs();
  int swept_ = 0;  // stale ingest files the first-use setup removed (sweepIngest reports them)
  // Verifies the temp file's digest and renames it into place; removes it on any failure.
  Result<std::string> commit(const std::filesystem::path& tmp, const std::string& actual,
                             const std::string& expectedDigest);

  std::filesystem::path root_;
  // Pulls write blobs from worker threads beside other users of the store: the first-use
  // setup (which clears stale ingest files) must run exactly once, before any writer.
  std::mutex dirsMu_;
  bool dirsReady_ = false;
};

}  // namespace wharf::store
