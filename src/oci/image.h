#pragma once
// OCI image-spec 1.1 types (manifest, descriptor, image config) and their JSON. Parsing never
// throws: a malformed document gives an InvalidArgument error naming the offending field.
// Docker's schema 2 manifest has the same shape as the OCI one, so it parses here too.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf::oci {

inline constexpr std::string_view kMediaTypeManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kMediaTypeIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kMediaTypeConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kMediaTypeLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kMediaTypeLayerGzip =
    "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kMediaTypeLayerZstd =
    "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kMediaTypeDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kMediaTypeDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kMediaTypeDockerConfig =
    "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kMediaTypeDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";

struct Descriptor {
  std::string mediaType, digest;
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
};

struct Manifest {
  int schemaVersion = 2;
  std::string mediaType;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

// application/vnd.oci.image.config.v1+json
struct ImageConfig {
  std::string created, author, architecture, os;
  // the "config" object
  std::string user, workingDir, stopSignal;
  std::vector<std::string> env, entrypoint, cmd, exposedPorts, volumes;
  std::map<std::string, std::string> labels;
  std::vector<std::string> diffIds;  // rootfs.diff_ids
  nlohmann::json history = nlohmann::json::array();
};

Result<Manifest> parseManifest(std::string_view json);
std::string serializeManifest(const Manifest&);
Result<ImageConfig> parseImageConfig(std::string_view json);
std::string serializeImageConfig(const ImageConfig&);

// Chain ids per the image spec: chain[0] = diff[0], chain[n] = sha256(chain[n-1] + " " + diff[n]).
std::vector<std::string> chainIds(const std::vector<std::string>& diffIds);

}  // namespace wharf::oci
