// ImageService::importTarball and saveArchive, and the save → load round trip.

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/unique_fd.h"
#include "image/image_service.h"
#include "store/tar_builder.h"
#include "store/temp_dir.h"

namespace wharf::image {
namespace {

namespace stdfs = std::filesystem;
using testing::TarBuilder;

struct Store {
  explicit Store(const stdfs::path& root)
      : content(root / "content"),
        snapshots(root / "snapshots"),
        db(std::move(store::MetadataDb::open(root / "wharf.db").value())),
        svc(content, snapshots, *db) {}
  store::LocalContentStore content;
  store::OverlaySnapshotter snapshots;
  std::unique_ptr<store::MetadataDb> db;
  ImageService svc;
};

// name -> content of every regular member of a tar file.
std::map<std::string, std::string> readTar(const stdfs::path& file) {
  std::map<std::string, std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, file.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(e)] = data;
  }
  archive_read_free(a);
  return out;
}

class ImportSaveTest : public ::testing::Test {
 protected:
  stdfs::path rootfsTar(TarBuilder::Compression c = TarBuilder::Compression::kNone) {
    TarBuilder t;
    t.dir("bin").file("bin/hello", "#!/bin/sh\necho hi\n", 0755).file("etc/motd", "welcome\n");
    stdfs::path p = tmp_.path() / ("rootfs-" + std::to_string(n_++) + ".tar");
    EXPECT_TRUE(t.write(p, c));
    tarBytes_ = t.tarBytes();
    return p;
  }

  testing::TempDir tmp_;
  Store a_{tmp_.path() / "a"};
  std::string tarBytes_;
  int n_ = 0;
};

TEST_F(ImportSaveTest, ImportMakesARunnableOneLayerImageWithChanges) {
  ImageService::ImportOptions o;
  o.ref = "mine/app:v1";
  o.changes = {"CMD [\"/bin/hello\"]", "ENV A=1 B=two", "WORKDIR /srv", "EXPOSE 80", "LABEL k=v",
               "USER nobody"};
  o.message = "from a test";
  auto img = a_.svc.importTarball(rootfsTar(TarBuilder::Compression::kGzip), o);
  ASSERT_TRUE(img.ok()) << img.error().message();
  EXPECT_EQ(img->repoTags, std::vector<std::string>{"mine/app:v1"});
  EXPECT_EQ(img->config.cmd, std::vector<std::string>{"/bin/hello"});
  EXPECT_EQ(img->config.env, (std::vector<std::string>{"A=1", "B=two"}));
  EXPECT_EQ(img->config.workingDir, "/srv");
  EXPECT_EQ(img->config.exposedPorts, std::vector<std::string>{"80/tcp"});
  EXPECT_EQ(img->config.labels.at("k"), "v");
  EXPECT_EQ(img->config.user, "nobody");
  EXPECT_EQ(img->config.os, "linux");
  EXPECT_EQ(img->config.history.at(0).value("comment", ""), "from a test");
  // The diff id is the uncompressed tar's, although the blob is gzip.
  EXPECT_EQ(img->diffIds, std::vector<std::string>{sha256Digest(tarBytes_)});
  EXPECT_EQ(img->size, static_cast<int64_t>(tarBytes_.size()));
  auto lowers = a_.svc.ensureUnpacked(*img);
  ASSERT_TRUE(lowers.ok()) << lowers.error().message();
  EXPECT_EQ(fs::readFile(stdfs::path(lowers->at(0)) / "etc/motd").value(), "welcome\n");
  EXPECT_EQ(a_.svc.resolve("mine/app:v1").value().id, img->id);
}

TEST_F(ImportSaveTest, HistoryOfAnImportIsItsOneEntry) {
  ImageService::ImportOptions o;
  o.ref = "mine/hist:1";
  o.message = "imported here";
  o.source = "rootfs.tar";
  // Uncompressed: the layer blob is the tar, so its size is the image's.
  auto img = a_.svc.importTarball(rootfsTar(), o);
  ASSERT_TRUE(img.ok()) << img.error().message();
  auto h = a_.svc.history("mine/hist:1");
  ASSERT_TRUE(h.ok()) << h.error().message();
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ(h->at(0).id, img->id);
  EXPECT_EQ(h->at(0).tags, std::vector<std::string>{"mine/hist:1"});
  EXPECT_EQ(h->at(0).comment, "imported here");
  EXPECT_EQ(h->at(0).createdBy, "wharf import rootfs.tar");
  EXPECT_EQ(h->at(0).size, img->size);
  EXPECT_GT(h->at(0).created, 0);
  EXPECT_EQ(a_.svc.history("no/such:1").error().category(), ErrorCategory::kNotFound);
}

TEST_F(ImportSaveTest, ImportWithoutNameIsUntagged) {
  auto img = a_.svc.importTarball(rootfsTar(), {});
  ASSERT_TRUE(img.ok()) << img.error().message();
  EXPECT_TRUE(img->repoTags.empty());
  EXPECT_EQ(img->config.cmd, std::vector<std::string>{});
}

TEST_F(ImportSaveTest, RefusedImportsLeaveNothing) {
  ImageService::ImportOptions bad;
  bad.changes = {"RUN echo no"};
  auto r = a_.svc.importTarball(rootfsTar(), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("RUN is not a valid change command"), std::string::npos);
  ImageService::ImportOptions badRef;
  badRef.ref = "Upper/Case";
  EXPECT_FALSE(a_.svc.importTarball(rootfsTar(), badRef).ok());
  // Not a tar: the snapshotter refuses it after the blob was stored; the blob goes again.
  stdfs::path junk = tmp_.path() / "junk";
  ASSERT_TRUE(fs::writeFileAtomic(junk, std::string(4096, 'x')).ok());
  EXPECT_FALSE(a_.svc.importTarball(junk, {}).ok());
  EXPECT_TRUE(a_.content.list().value().empty());
  EXPECT_TRUE(a_.snapshots.list().value().empty());
  EXPECT_TRUE(a_.svc.list().value().empty());
}

TEST_F(ImportSaveTest, SaveWritesDockerAndOciIndexes) {
  ImageService::ImportOptions o;
  o.ref = "mine/app:v1";
  auto img = a_.svc.importTarball(rootfsTar(), o);
  ASSERT_TRUE(img.ok()) << img.error().message();
  ASSERT_TRUE(a_.svc.tag(img->id, "mine/app:v2").ok());
  ASSERT_TRUE(a_.svc.tag(img->id, "other:x").ok());

  stdfs::path out = tmp_.path() / "save.tar";
  UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  // A bare repository name saves every tag of that repository, not the other name.
  ASSERT_TRUE(a_.svc.saveArchive({"mine/app"}, fd.get()).ok());
  fd.reset();
  auto members = readTar(out);
  Json manifest = parseJson(members.at("manifest.json"), "m").value();
  ASSERT_EQ(manifest.size(), 1u);
  EXPECT_EQ(manifest[0]["RepoTags"], Json({"mine/app:v1", "mine/app:v2"}));
  EXPECT_EQ(manifest[0]["Config"], "blobs/sha256/" + img->id.substr(7));
  ASSERT_EQ(manifest[0]["Layers"].size(), 1u);
  EXPECT_TRUE(members.count(manifest[0]["Layers"][0].get<std::string>()));
  Json index = parseJson(members.at("index.json"), "i").value();
  ASSERT_EQ(index["manifests"].size(), 2u);
  EXPECT_EQ(index["manifests"][0]["digest"], img->manifestDigest);
  EXPECT_EQ(index["manifests"][0]["annotations"]["io.containerd.image.name"],
            "docker.io/mine/app:v1");
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "v1");
  EXPECT_TRUE(members.count("oci-layout"));
  // Every blob is there under its own digest.
  for (const auto& [name, data] : members)
    if (name.rfind("blobs/sha256/", 0) == 0) {
      EXPECT_EQ(sha256Hex(data), name.substr(13));
    }
  EXPECT_EQ(members.at("blobs/sha256/" + img->manifestDigest.substr(7)),
            a_.content.read(img->manifestDigest).value());

  // By id: no tags.
  fd.reset(::open(out.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  ASSERT_TRUE(a_.svc.saveArchive({img->id.substr(7, 12)}, fd.get()).ok());
  fd.reset();
  manifest = parseJson(readTar(out).at("manifest.json"), "m").value();
  EXPECT_TRUE(manifest[0]["RepoTags"].is_null());
  // An unknown name fails before anything is written.
  fd.reset(::open(out.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  auto st = a_.svc.saveArchive({"mine/app:v1", "nosuch"}, fd.get());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().category(), ErrorCategory::kNotFound);
  EXPECT_EQ(stdfs::file_size(out), 0u);
}

TEST_F(ImportSaveTest, SavedArchiveLoadsIntoAnotherStore) {
  ImageService::ImportOptions o;
  o.ref = "mine/app:v1";
  o.changes = {"CMD [\"/bin/hello\"]"};
  auto img = a_.svc.importTarball(rootfsTar(TarBuilder::Compression::kZstd), o);
  ASSERT_TRUE(img.ok()) << img.error().message();
  stdfs::path out = tmp_.path() / "save.tar";
  UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(a_.svc.saveArchive({"mine/app:v1"}, fd.get()).ok());
  fd.reset();

  Store b(tmp_.path() / "b");
  auto loaded = b.svc.loadArchive(out);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(loaded->front().id, img->id);  // same config, same id
  EXPECT_EQ(loaded->front().repoTags, std::vector<std::string>{"mine/app:v1"});
  EXPECT_EQ(loaded->front().config.cmd, std::vector<std::string>{"/bin/hello"});
  auto lowers = b.svc.ensureUnpacked(loaded->front());
  ASSERT_TRUE(lowers.ok()) << lowers.error().message();
  EXPECT_EQ(fs::readFile(stdfs::path(lowers->at(0)) / "bin/hello").value(), "#!/bin/sh\necho hi\n");
}

}  // namespace
}  // namespace wharf::image
