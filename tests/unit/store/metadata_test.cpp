#include "store/metadata.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/temp_dir.h"

namespace wharf::store {
namespace {

ImageRow image(const std::string& hex, int64_t created) {
  std::string id = "sha256:" + std::string(64 - hex.size(), '0') + hex;
  return ImageRow{id, "sha256:" + std::string(64, 'm'), id, 100, created};
}

ContainerRow container(const std::string& id, const std::string& name, int64_t created = 1) {
  return ContainerRow{id, name, "sha256:img", created, "{\"x\":1}"};
}

TEST(MetadataDb, MigratesFromEmpty) {
  testing::TempDir tmp;
  auto db = MetadataDb::open(tmp.path() / "wharf.db");
  ASSERT_TRUE(db.ok()) << db.error().message();
  EXPECT_EQ((*db)->schemaVersion(), MetadataDb::kSchemaVersion);
  EXPECT_TRUE((*db)->listImages().value().empty());
  EXPECT_TRUE((*db)->listContainers().value().empty());
}

TEST(MetadataDb, UsesWal) {
  testing::TempDir tmp;
  auto db = MetadataDb::open(tmp.path() / "wharf.db");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->putImage(image("1", 1)).ok());
  EXPECT_TRUE(std::filesystem::exists(tmp.path() / "wharf.db-wal"));
}

TEST(MetadataDb, ReopenKeepsData) {
  testing::TempDir tmp;
  auto file = tmp.path() / "wharf.db";
  {
    auto db = MetadataDb::open(file);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->putImage(image("a1", 10)).ok());
    ASSERT_TRUE((*db)->setTag("docker.io/library/busybox:latest", image("a1", 10).id).ok());
    ASSERT_TRUE((*db)->putContainer(container(std::string(64, 'c'), "web")).ok());
  }
  auto db = MetadataDb::open(file);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ((*db)->schemaVersion(), MetadataDb::kSchemaVersion);
  auto img = (*db)->getImage(image("a1", 10).id);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->created, 10);
  EXPECT_EQ(img->size, 100);
  EXPECT_EQ((*db)->resolveTag("docker.io/library/busybox:latest").value(), img->id);
  auto c = (*db)->containerByName("web");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->json, "{\"x\":1}");
}

TEST(MetadataDb, RefusesNewerSchema) {
  testing::TempDir tmp;
  auto file = tmp.path() / "wharf.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto db = MetadataDb::open(file);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message().find("newer"), std::string::npos);
}

TEST(MetadataDb, ImagesAndTags) {
  testing::TempDir tmp;
  auto db = std::move(MetadataDb::open(tmp.path() / "wharf.db").value());
  ImageRow a = image("a", 1), b = image("b", 2);
  ASSERT_TRUE(db->putImage(a).ok());
  ASSERT_TRUE(db->putImage(b).ok());
  auto all = db->listImages().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, b.id);  // newest first
  ASSERT_TRUE(db->setTag("docker.io/library/x:1", a.id).ok());
  ASSERT_TRUE(db->setTag("docker.io/library/x:2", a.id).ok());
  EXPECT_EQ(db->tagsFor(a.id).value(),
            (std::vector<std::string>{"docker.io/library/x:1", "docker.io/library/x:2"}));
  ASSERT_TRUE(db->setTag("docker.io/library/x:2", b.id).ok());  // moves
  EXPECT_EQ(db->resolveTag("docker.io/library/x:2").value(), b.id);
  EXPECT_EQ(db->resolveTag("docker.io/library/nope:1").error().category(),
            ErrorCategory::kNotFound);
  ASSERT_TRUE(db->removeTag("docker.io/library/x:1").ok());
  EXPECT_EQ(db->removeTag("docker.io/library/x:1").error().category(), ErrorCategory::kNotFound);
  ASSERT_TRUE(db->deleteImage(b.id).ok());
  EXPECT_EQ(db->getImage(b.id).error().category(), ErrorCategory::kNotFound);
  EXPECT_FALSE(db->resolveTag("docker.io/library/x:2").ok());  // tags go with the image
}

TEST(MetadataDb, ContainerNameConflict) {
  testing::TempDir tmp;
  auto db = std::move(MetadataDb::open(tmp.path() / "wharf.db").value());
  std::string id1(64, 'a'), id2(64, 'b');
  ASSERT_TRUE(db->putContainer(container(id1, "web")).ok());
  auto st = db->putContainer(container(id2, "web"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kConflict);
  EXPECT_NE(st.error().message().find("\"/web\" is already in use"), std::string::npos);
  // The first container is untouched, and may be replaced (same id) and renamed.
  EXPECT_EQ(db->getContainer(id1).value().name, "web");
  ContainerRow c = container(id1, "web2", 5);
  ASSERT_TRUE(db->putContainer(c).ok());
  EXPECT_FALSE(db->containerByName("web").value().has_value());
  EXPECT_EQ(db->getContainer(id1).value().createdUnix, 5);
  ASSERT_TRUE(db->putContainer(container(id2, "web")).ok());
  EXPECT_EQ(db->listContainers().value().size(), 2u);
}

TEST(MetadataDb, ContainerLookups) {
  testing::TempDir tmp;
  auto db = std::move(MetadataDb::open(tmp.path() / "wharf.db").value());
  std::string id1 = "abc1" + std::string(60, '0'), id2 = "abc2" + std::string(60, '0'),
              id3 = "f%_" + std::string(61, '0');
  ASSERT_TRUE(db->putContainer(container(id1, "one", 3)).ok());
  ASSERT_TRUE(db->putContainer(container(id2, "two", 1)).ok());
  ASSERT_TRUE(db->putContainer(container(id3, "three", 2)).ok());
  EXPECT_EQ(db->containersWithIdPrefix("abc").value().size(), 2u);
  EXPECT_EQ(db->containersWithIdPrefix("abc1").value().size(), 1u);
  EXPECT_EQ(db->containersWithIdPrefix("%").value().size(), 0u);  // no LIKE wildcards
  EXPECT_EQ(db->containersWithIdPrefix("f%_").value().size(), 1u);
  auto all = db->listContainers().value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, id2);  // oldest first
  EXPECT_EQ(db->getContainer("nope").error().category(), ErrorCategory::kNotFound);
  ASSERT_TRUE(db->deleteContainer(id1).ok());
  EXPECT_FALSE(db->getContainer(id1).ok());
}

}  // namespace
}  // namespace wharf::store
