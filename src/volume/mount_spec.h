#pragma once
// A container's mounts as docker describes them, parsed and checked the way dockerd does
// (moby's volume/mounts/linux_parser.go, with its error messages): HostConfig.Binds strings
// (`-v`), HostConfig.Mounts objects (`--mount`), HostConfig.Tmpfs (`--tmpfs`) and
// HostConfig.VolumesFrom (`--volumes-from`). The result is a MountPoint per destination,
// which the engine keeps in the container's record and turns into OCI mounts.

#include <cstdint>
#include <map>
#include <string>

#include "common/error.h"
#include "volume/volume.h"

namespace wharf::volume {

// One HostConfig.Mounts entry (swagger: Mount).
struct MountRequest {
  std::string type;  // "bind", "volume", "tmpfs"
  std::string source;
  std::string target;
  bool readOnly = false;
  // BindOptions
  bool hasBindOptions = false;
  std::string propagation;
  bool nonRecursive = false;
  bool createMountpoint = false;
  // VolumeOptions
  bool hasVolumeOptions = false;
  bool noCopy = false;
  std::map<std::string, std::string> volumeLabels;
  std::string volumeDriver;
  Options volumeDriverOptions;
  std::string subpath;
  // TmpfsOptions
  bool hasTmpfsOptions = false;
  int64_t tmpfsSizeBytes = 0;
  uint32_t tmpfsMode = 0;
};

// A container's mount after parsing (moby's MountPoint), as kept in its record.
struct MountPoint {
  std::string type;         // "bind", "volume", "tmpfs"
  std::string name;         // the volume's name (empty for binds and tmpfs)
  std::string source;       // host path: the bind's source, or the volume's data directory
  std::string destination;  // clean absolute path in the container
  std::string driver;       // volumes: "local"
  std::string mode;         // the mode field of a `-v` string ("ro,z"); "" for --mount
  bool rw = true;
  std::string propagation;    // binds: "rprivate" unless asked otherwise
  bool copyData = true;       // volumes: populate an empty volume from the image's content
  bool anonymous = false;     // made for this container: `rm -v` and `--rm` remove it
  bool chown = false;         // wharf's `:U`: chown the content to the container's user
  bool createSource = false;  // `-v /host:/ctr`: a missing host directory is created
  bool nonRecursive = false;  // bind-nonrecursive
  std::string tmpfsOptions;   // "size=64k,mode=1777"
  // What to create a missing named volume with (`--mount volume-opt=... volume-label=...`).
  Options volumeOptions;
  std::map<std::string, std::string> volumeLabels;
};

// `-v` / HostConfig.Binds: "/host:/ctr[:mode]", "name:/ctr[:mode]" or "/ctr" (anonymous).
// Modes, comma-separated, at most one of each kind: ro|rw, z|Z, a propagation
// ([r]private, [r]shared, [r]slave), nocopy, a consistency (consistent, cached, delegated)
// and wharf's U.
Result<MountPoint> parseBind(const std::string& raw);

// `--mount` / HostConfig.Mounts. A bind source that does not exist is an error.
Result<MountPoint> parseMount(const MountRequest& m);

// `--tmpfs /p[:opts]` / HostConfig.Tmpfs: destination -> mount(8) options.
Result<MountPoint> parseTmpfs(const std::string& destination, const std::string& options);

// `--volumes-from c[:ro|rw]`: the container and the mode ("rw" when none).
Result<std::pair<std::string, std::string>> parseVolumesFrom(const std::string& spec);

// The OCI mount options of a tmpfs from TmpfsOptions (docker's ConvertTmpfsOptions):
// "ro", "mode=<octal>", "size=<n>[kmg]".
std::string tmpfsOptionsString(int64_t sizeBytes, uint32_t mode, bool readOnly);

}  // namespace wharf::volume
