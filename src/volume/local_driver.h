#pragma once
// The local volume driver (docker's "local"): each volume is a directory on the host.
//
//   <root>/                    <data-root>/volumes, mode 0701
//   └── <name>/                mode 0701
//       ├── _data/             the volume's content (mode 0755 until a copy-up sets the
//       │                      image directory's owner and mode), or the mount point of the
//       │                      device named by the options
//       └── volume.json        the volume's metadata (volume_service.h), written last
//
// Options, as docker's: `type` (a filesystem type: tmpfs, none, ext4...), `o` (mount(8)
// options: "size=64m", "bind"), `device` (what to mount: "tmpfs", a host directory for
// `type=none o=bind`). A volume with options is mounted on first use and unmounted when no
// container uses it (the service counts users); one without is a plain directory.

#include <filesystem>

#include "volume/volume.h"

namespace wharf::volume {

class LocalDriver final : public Driver {
 public:
  explicit LocalDriver(std::filesystem::path root) : root_(std::move(root)) {}

  std::string name() const override { return "local"; }
  Status validateOptions(const Options& opts) const override;
  Result<std::string> create(const std::string& name, const Options& opts) override;
  Status remove(const std::string& name) override;
  Result<std::string> mount(const std::string& name, const Options& opts) override;
  Status unmount(const std::string& name, const Options& opts) override;
  std::string mountpoint(const std::string& name) const override;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace wharf::volume
