#pragma once
// The metadata database: <data-root>/wharf.db, SQLite in WAL mode. Used from one thread at a
// time (the daemon's worker that owns it); the connection is not shared.
//
// Schema, version 1 (PRAGMA user_version holds the version; migrations run in order, each in
// its own transaction, on open):
//
//   images                                   one row per image (config digest)
//   ├── id              TEXT PRIMARY KEY     "sha256:<config digest hex>"
//   ├── manifest_digest TEXT NOT NULL
//   ├── config_digest   TEXT NOT NULL
//   ├── size            INTEGER NOT NULL     bytes, uncompressed layers
//   └── created         INTEGER NOT NULL     unix seconds
//   tags                                     one row per reference
//   ├── ref             TEXT PRIMARY KEY     normalized: "docker.io/library/busybox:latest"
//   └── image_id        TEXT NOT NULL        -> images.id (deleting an image drops its tags)
//   containers
//   ├── id              TEXT PRIMARY KEY     64 hex
//   ├── name            TEXT NOT NULL UNIQUE without the leading "/"
//   ├── image_id        TEXT NOT NULL
//   ├── created_unix    INTEGER NOT NULL
//   └── json            TEXT NOT NULL        the engine's own record, opaque here
//
// A newer database than this code knows (user_version > kSchemaVersion) is refused rather
// than risk writing rows an older schema does not understand.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

struct sqlite3;

namespace wharf::store {

struct ImageRow {
  std::string id;  // "sha256:<config digest hex>"
  std::string manifestDigest;
  std::string configDigest;
  int64_t size = 0;
  int64_t created = 0;
};

struct ContainerRow {
  std::string id;
  std::string name;
  std::string imageId;
  int64_t createdUnix = 0;
  std::string json;  // the engine's own record, opaque here
};

class MetadataDb {
 public:
  static constexpr int kSchemaVersion = 1;

  static Result<std::unique_ptr<MetadataDb>> open(const std::filesystem::path& file);
  ~MetadataDb();
  MetadataDb(const MetadataDb&) = delete;
  MetadataDb& operator=(const MetadataDb&) = delete;

  int schemaVersion();

  Status putImage(const ImageRow&);  // insert or replace
  Result<ImageRow> getImage(const std::string& id);
  Result<std::vector<ImageRow>> listImages();
  Status deleteImage(const std::string& id);  // also removes its tags

  // ref is normalized: "docker.io/library/busybox:latest". Moves the tag if it exists.
  Status setTag(const std::string& ref, const std::string& imageId);
  Status removeTag(const std::string& ref);
  Result<std::string> resolveTag(const std::string& ref);
  Result<std::vector<std::string>> tagsFor(const std::string& imageId);  // sorted

  // Insert or replace; the name is UNIQUE: a clash with another container is a Conflict error.
  Status putContainer(const ContainerRow&);
  Result<ContainerRow> getContainer(const std::string& id);
  Result<std::optional<ContainerRow>> containerByName(const std::string& name);
  Result<std::vector<ContainerRow>> containersWithIdPrefix(const std::string& prefix);
  Result<std::vector<ContainerRow>> listContainers();  // oldest first
  Status deleteContainer(const std::string& id);

 private:
  explicit MetadataDb(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  Status migrate();

  sqlite3* db_;
};

}  // namespace wharf::store
