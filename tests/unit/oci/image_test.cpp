#include "oci/image.h"

#include <gtest/gtest.h>

#include "common/digest.h"

namespace wharf::oci {
namespace {

const std::string kD1 = "sha256:" + std::string(64, '1');
const std::string kD2 = "sha256:" + std::string(64, '2');

TEST(OciImage, ManifestRoundTrip) {
  Manifest m;
  m.mediaType = std::string(kMediaTypeManifest);
  m.config = {std::string(kMediaTypeConfig), kD1, 123, {}};
  m.layers.push_back({std::string(kMediaTypeLayerGzip), kD2, 456, {{"a", "b"}}});
  m.annotations["org.opencontainers.image.ref.name"] = "x";
  auto back = parseManifest(serializeManifest(m));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->mediaType, m.mediaType);
  EXPECT_EQ(back->config.digest, kD1);
  EXPECT_EQ(back->config.size, 123);
  ASSERT_EQ(back->layers.size(), 1u);
  EXPECT_EQ(back->layers[0].annotations.at("a"), "b");
  EXPECT_EQ(back->annotations, m.annotations);
  // Deterministic bytes: the digest of a manifest must not change between runs.
  EXPECT_EQ(serializeManifest(m), serializeManifest(*back));
}

TEST(OciImage, ParsesDockerSchema2) {
  std::string doc = R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,"digest":")" +
                    kD1 + R"("},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,"digest":")" +
                    kD2 + R"("}]})";
  auto m = parseManifest(doc);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->layers[0].mediaType, kMediaTypeDockerLayerGzip);
}

TEST(OciImage, ManifestErrorsNameTheField) {
  auto err = [](const std::string& doc) {
    auto m = parseManifest(doc);
    EXPECT_FALSE(m.ok()) << doc;
    return m.ok() ? std::string() : m.error().message();
  };
  EXPECT_NE(err("nope").find("invalid JSON"), std::string::npos);
  EXPECT_NE(err("[]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(err(R"({"config":{}})").find("schemaVersion"), std::string::npos);
  EXPECT_NE(err(R"({"schemaVersion":2,"layers":[]})").find("config: missing"), std::string::npos);
  std::string cfg = R"("config":{"digest":")" + kD1 + R"(","size":1})";
  EXPECT_NE(err(R"({"schemaVersion":2,)" + cfg + R"(,"layers":[{"digest":"sha256:zz","size":1}]})")
                .find("layers[0].digest"),
            std::string::npos);
  EXPECT_NE(
      err(R"({"schemaVersion":2,)" + cfg + R"(,"layers":[{"digest":")" + kD2 + R"(","size":"1"}]})")
          .find("layers[0].size"),
      std::string::npos);
  EXPECT_NE(err(R"({"schemaVersion":2,)" + cfg + R"(,"layers":{}})").find("layers"),
            std::string::npos);
}

TEST(OciImage, ConfigRoundTrip) {
  ImageConfig c;
  c.created = "2024-01-01T00:00:00Z";
  c.architecture = "amd64";
  c.os = "linux";
  c.user = "nobody";
  c.workingDir = "/w";
  c.stopSignal = "SIGQUIT";
  c.env = {"PATH=/bin", "A=b"};
  c.entrypoint = {"/bin/sh", "-c"};
  c.cmd = {"echo hi"};
  c.exposedPorts = {"80/tcp", "53/udp"};
  c.volumes = {"/data"};
  c.labels = {{"k", "v"}};
  c.diffIds = {kD1, kD2};
  c.history = nlohmann::json::array({{{"created_by", "x"}}});
  auto back = parseImageConfig(serializeImageConfig(c));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->created, c.created);
  EXPECT_EQ(back->user, "nobody");
  EXPECT_EQ(back->workingDir, "/w");
  EXPECT_EQ(back->stopSignal, "SIGQUIT");
  EXPECT_EQ(back->env, c.env);
  EXPECT_EQ(back->entrypoint, c.entrypoint);
  EXPECT_EQ(back->cmd, c.cmd);
  EXPECT_EQ(back->exposedPorts, (std::vector<std::string>{"53/udp", "80/tcp"}));
  EXPECT_EQ(back->volumes, c.volumes);
  EXPECT_EQ(back->labels, c.labels);
  EXPECT_EQ(back->diffIds, c.diffIds);
  EXPECT_EQ(back->history, c.history);
}

TEST(OciImage, ConfigErrorsAndNulls) {
  // Docker writes nulls for absent lists.
  auto ok = parseImageConfig(
      R"({"architecture":"amd64","os":"linux","config":{"Env":null,"Cmd":null,"Labels":null},"rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_TRUE(ok->cmd.empty());
  auto bad = parseImageConfig(R"({"config":{"Env":"PATH=/bin"}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("config.Env"), std::string::npos);
  auto bad2 = parseImageConfig(R"({"config":{"Cmd":["a",1]}})");
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.error().message().find("config.Cmd[1]"), std::string::npos);
  auto bad3 = parseImageConfig(R"({"rootfs":{"diff_ids":["md5:1"]}})");
  ASSERT_FALSE(bad3.ok());
  EXPECT_NE(bad3.error().message().find("rootfs.diff_ids[0]"), std::string::npos);
}

TEST(OciImage, ChainIds) {
  EXPECT_TRUE(chainIds({}).empty());
  auto c = chainIds({kD1, kD2, kD1});
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], kD1);
  EXPECT_EQ(c[1], sha256Digest(kD1 + " " + kD2));
  EXPECT_EQ(c[2], sha256Digest(c[1] + " " + kD1));
}

}  // namespace
}  // namespace wharf::oci
