#pragma once
// Volumes (DESIGN.md: src/volume): named directories that outlive containers, kept by a
// driver. `Driver` is the small interface every driver implements (containerd's habit: one
// interface, one conformance suite in tests/unit/volume); `LocalDriver` is the only one.

#include <map>
#include <string>

#include "common/error.h"

namespace wharf::volume {

// The label docker (API 1.44+) puts on volumes made for `-v /path`, a VOLUME of the image or a
// `--mount type=volume` without a source: `volume prune` without --all removes only those.
inline constexpr const char* kAnonymousLabel = "com.docker.volume.anonymous";

using Options = std::map<std::string, std::string>;

struct Volume {
  std::string name;
  std::string driver = "local";
  std::string mountpoint;  // where the data lives on the host: <root>/<name>/_data
  std::string createdAt;   // RFC 3339, seconds: "2026-11-30T16:45:00Z"
  std::map<std::string, std::string> labels;
  Options options;  // the driver's options (docker's `-o`): type, o, device
  bool anonymous() const { return labels.count(kAnonymousLabel) > 0; }
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string name() const = 0;
  // InvalidArgument when the driver does not take these options.
  virtual Status validateOptions(const Options& opts) const = 0;
  // Makes the volume's storage; returns its mount point (the data directory).
  virtual Result<std::string> create(const std::string& name, const Options& opts) = 0;
  // Removes the storage and everything in it; a volume that is not there is not an error.
  virtual Status remove(const std::string& name) = 0;
  // Makes the data reachable at the mount point (mounting a device when the options name
  // one); idempotent. Returns the mount point.
  virtual Result<std::string> mount(const std::string& name, const Options& opts) = 0;
  // Undoes mount(); idempotent.
  virtual Status unmount(const std::string& name, const Options& opts) = 0;
  virtual std::string mountpoint(const std::string& name) const = 0;
};

// docker's rule for volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, checked with a loop. The
// error is docker's ("create a/b: \"a/b\" includes invalid characters ...").
Status validateVolumeName(const std::string& name);

}  // namespace wharf::volume
