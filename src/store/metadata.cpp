#include "store/metadata.h"

#include <sqlite3.h>

#include "common/fs.h"

namespace wharf::store {
namespace {

// Ordered migrations: entry i takes the schema from version i to i+1. Never edit one that has
// shipped; append a new one (and bump kSchemaVersion, and redraw the header's schema).
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE images (
  id              TEXT PRIMARY KEY,
  manifest_digest TEXT NOT NULL,
  config_digest   TEXT NOT NULL,
  size            INTEGER NOT NULL,
  created         INTEGER NOT NULL
);
CREATE TABLE tags (
  ref      TEXT PRIMARY KEY,
  image_id TEXT NOT NULL
);
CREATE INDEX tags_image ON tags(image_id);
CREATE TABLE containers (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  image_id     TEXT NOT NULL,
  created_unix INTEGER NOT NULL,
  json         TEXT NOT NULL
);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == MetadataDb::kSchemaVersion);

// A prepared statement that finalizes itself: every query path returns early on error.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status prepared(const char* what) const {
    if (rc_ != SQLITE_OK) return internalError(std::string(what) + ": " + sqlite3_errmsg(db_));
    return okStatus();
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
};

Error dbError(sqlite3* db, const std::string& what) {
  return internalError(what + ": " + sqlite3_errmsg(db));
}

// Runs a statement that returns no rows.
Status run(sqlite3* db, Stmt& s, const char* what) {
  WHARF_TRY(s.prepared(what));
  int rc = s.step();
  if (rc != SQLITE_DONE) return dbError(db, what);
  return okStatus();
}

ImageRow imageFrom(const Stmt& s) {
  return ImageRow{s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4)};
}

ContainerRow containerFrom(const Stmt& s) {
  return ContainerRow{s.text(0), s.text(1), s.text(2), s.int64(3), s.text(4)};
}

constexpr const char* kImageCols = "id, manifest_digest, config_digest, size, created";
constexpr const char* kContainerCols = "id, name, image_id, created_unix, json";

Result<std::vector<ContainerRow>> queryContainers(sqlite3* db, const std::string& sql,
                                                  const std::string* arg, const char* what) {
  Stmt s(db, sql.c_str());
  WHARF_TRY(s.prepared(what));
  if (arg) s.bind(1, *arg);
  std::vector<ContainerRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(containerFrom(s));
  if (rc != SQLITE_DONE) return dbError(db, what);
  return out;
}

}  // namespace

Result<std::unique_ptr<MetadataDb>> MetadataDb::open(const std::filesystem::path& file) {
  if (file.has_parent_path()) WHARF_TRY(fs::mkdirAll(file.parent_path()));
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return internalError("open database " + file.string() + ": " + msg);
  }
  std::unique_ptr<MetadataDb> db(new MetadataDb(raw));
  // Another process (a CLI reading state, a second daemon refused by the data-root lock) may
  // hold the file briefly: wait rather than fail at once.
  sqlite3_busy_timeout(raw, 5000);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes and
  // loses at most the last transactions on power loss, which the daemon reconciles anyway.
  WHARF_TRY_CTX(db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         " PRAGMA foreign_keys=ON;"),
                "open database " + file.string());
  WHARF_TRY_CTX(db->migrate(), "migrate database " + file.string());
  return db;
}

MetadataDb::~MetadataDb() { sqlite3_close(db_); }

Status MetadataDb::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return internalError(msg);
  }
  return okStatus();
}

int MetadataDb::schemaVersion() {
  Stmt s(db_, "PRAGMA user_version");
  if (!s.prepared("schema version").ok() || s.step() != SQLITE_ROW) return -1;
  return static_cast<int>(s.int64(0));
}

Status MetadataDb::migrate() {
  int v = schemaVersion();
  if (v < 0) return dbError(db_, "read schema version");
  if (v > kSchemaVersion)
    return unavailable("database schema version " + std::to_string(v) +
                       " is newer than this wharf understands (" + std::to_string(kSchemaVersion) +
                       ")");
  for (; v < kSchemaVersion; ++v) {
    // Each step in one transaction with its version bump: a crash leaves the old version.
    WHARF_TRY(exec("BEGIN IMMEDIATE"));
    Status st = exec(kMigrations[v]);
    if (st.ok()) st = exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
    if (st.ok()) st = exec("COMMIT");
    if (!st.ok()) {
      (void)exec("ROLLBACK");
      return std::move(st).error().context("migration " + std::to_string(v) + " -> " +
                                           std::to_string(v + 1));
    }
  }
  return okStatus();
}

// ---- images ---------------------------------------------------------------------------------

Status MetadataDb::putImage(const ImageRow& r) {
  Stmt s(db_,
         "INSERT OR REPLACE INTO images (id, manifest_digest, config_digest, size, created)"
         " VALUES (?, ?, ?, ?, ?)");
  s.bind(1, r.id).bind(2, r.manifestDigest).bind(3, r.configDigest).bind(4, r.size);
  s.bind(5, r.created);
  return run(db_, s, "put image");
}

Result<ImageRow> MetadataDb::getImage(const std::string& id) {
  Stmt s(db_, (std::string("SELECT ") + kImageCols + " FROM images WHERE id = ?").c_str());
  WHARF_TRY(s.prepared("get image"));
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_ROW) return imageFrom(s);
  if (rc == SQLITE_DONE) return notFound("No such image: " + id);
  return dbError(db_, "get image");
}

Result<std::vector<ImageRow>> MetadataDb::listImages() {
  Stmt s(db_,
         (std::string("SELECT ") + kImageCols + " FROM images ORDER BY created DESC, id").c_str());
  WHARF_TRY(s.prepared("list images"));
  std::vector<ImageRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(imageFrom(s));
  if (rc != SQLITE_DONE) return dbError(db_, "list images");
  return out;
}

Status MetadataDb::deleteImage(const std::string& id) {
  WHARF_TRY(exec("BEGIN IMMEDIATE"));
  Stmt t(db_, "DELETE FROM tags WHERE image_id = ?");
  t.bind(1, id);
  Status st = run(db_, t, "delete image tags");
  if (st.ok()) {
    Stmt s(db_, "DELETE FROM images WHERE id = ?");
    s.bind(1, id);
    st = run(db_, s, "delete image");
  }
  if (st.ok()) st = exec("COMMIT");
  if (!st.ok()) (void)exec("ROLLBACK");
  return st;
}

// ---- tags -----------------------------------------------------------------------------------

Status MetadataDb::setTag(const std::string& ref, const std::string& imageId) {
  Stmt s(db_, "INSERT OR REPLACE INTO tags (ref, image_id) VALUES (?, ?)");
  s.bind(1, ref).bind(2, imageId);
  return run(db_, s, "set tag");
}

Status MetadataDb::removeTag(const std::string& ref) {
  Stmt s(db_, "DELETE FROM tags WHERE ref = ?");
  s.bind(1, ref);
  WHARF_TRY(run(db_, s, "remove tag"));
  if (sqlite3_changes(db_) == 0) return notFound("No such image: " + ref);
  return okStatus();
}

Result<std::string> MetadataDb::resolveTag(const std::string& ref) {
  Stmt s(db_, "SELECT image_id FROM tags WHERE ref = ?");
  WHARF_TRY(s.prepared("resolve tag"));
  s.bind(1, ref);
  int rc = s.step();
  if (rc == SQLITE_ROW) return s.text(0);
  if (rc == SQLITE_DONE) return notFound("No such image: " + ref);
  return dbError(db_, "resolve tag");
}

Result<std::vector<std::string>> MetadataDb::tagsFor(const std::string& imageId) {
  Stmt s(db_, "SELECT ref FROM tags WHERE image_id = ? ORDER BY ref");
  WHARF_TRY(s.prepared("tags for image"));
  s.bind(1, imageId);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
  if (rc != SQLITE_DONE) return dbError(db_, "tags for image");
  return out;
}

// ---- containers -----------------------------------------------------------------------------

Status MetadataDb::putContainer(const ContainerRow& r) {
  // INSERT OR REPLACE would silently delete another container holding the name (REPLACE
  // resolves UNIQUE conflicts by deleting the old row), so upsert on the id only.
  Stmt s(db_,
         "INSERT INTO containers (id, name, image_id, created_unix, json) VALUES (?, ?, ?, ?, ?)"
         " ON CONFLICT(id) DO UPDATE SET name = excluded.name, image_id = excluded.image_id,"
         " created_unix = excluded.created_unix, json = excluded.json");
  WHARF_TRY(s.prepared("put container"));
  s.bind(1, r.id).bind(2, r.name).bind(3, r.imageId).bind(4, r.createdUnix).bind(5, r.json);
  int rc = s.step();
  if (rc == SQLITE_DONE) return okStatus();
  if ((sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE))
    return conflict("Conflict. The container name \"/" + r.name +
                    "\" is already in use by another container.");
  return dbError(db_, "put container");
}

Result<ContainerRow> MetadataDb::getContainer(const std::string& id) {
  WHARF_ASSIGN_OR_RETURN(
      auto rows, queryContainers(
                     db_, std::string("SELECT ") + kContainerCols + " FROM containers WHERE id = ?",
                     &id, "get container"));
  if (rows.empty()) return notFound("No such container: " + id);
  return std::move(rows.front());
}

Result<std::optional<ContainerRow>> MetadataDb::containerByName(const std::string& name) {
  WHARF_ASSIGN_OR_RETURN(auto rows, queryContainers(db_,
                                                    std::string("SELECT ") + kContainerCols +
                                                        " FROM containers WHERE name = ?",
                                                    &name, "container by name"));
  if (rows.empty()) return std::optional<ContainerRow>();
  return std::optional<ContainerRow>(std::move(rows.front()));
}

Result<std::vector<ContainerRow>> MetadataDb::containersWithIdPrefix(const std::string& prefix) {
  // substr instead of LIKE: the prefix is user input and may hold % or _.
  return queryContainers(db_,
                         std::string("SELECT ") + kContainerCols +
                             " FROM containers WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id",
                         &prefix, "containers by id prefix");
}

Result<std::vector<ContainerRow>> MetadataDb::listContainers() {
  return queryContainers(
      db_, std::string("SELECT ") + kContainerCols + " FROM containers ORDER BY created_unix, id",
      nullptr, "list containers");
}

Status MetadataDb::deleteContainer(const std::string& id) {
  Stmt s(db_, "DELETE FROM containers WHERE id = ?");
  s.bind(1, id);
  return run(db_, s, "delete container");
}

}  // namespace wharf::store
