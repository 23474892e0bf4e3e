#pragma once
// VolumeService: the volumes of one daemon. It keeps each volume's metadata, asks the driver
// for storage, and knows which containers use which volume (docker's reference counting:
// "volume is in use"), and which of those have it mounted right now (a volume with a device
// is mounted on first use and unmounted when its last running user stops).
//
// Metadata: one JSON file per volume, <root>/<name>/volume.json (local_driver.h draws the
// tree), written to a temporary name and renamed, after the data directory exists: a volume
// directory without it is the leftover of an interrupted create and is removed by load().
//
//   volume.json, version 1:
//   {"v":1, "name", "driver":"local", "createdAt":"<RFC 3339>", "labels":{...},
//    "options":{"type","o","device"}}
//
// Why files and not wharf.db (decided in docs/decisions.md): the volume module depends on
// common only, the DB is owned by the engine's thread, and volumes change rarely.
//
// Users are not persisted: they are the containers whose records name the volume, and the
// engine registers them again when it restores its containers.
//
// Threading: used from the daemon's io_context thread only.

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "volume/volume.h"

namespace wharf::volume {

// docker's filters: key -> values ({"label": {"a=b"}, "dangling": {"true"}}).
using Filters = std::map<std::string, std::vector<std::string>>;

struct CreateRequest {
  std::string name;    // empty: an anonymous volume with a random 64-hex name
  std::string driver;  // empty: "local"
  Options options;
  std::map<std::string, std::string> labels;
};

struct PruneReport {
  std::vector<std::string> deleted;
  uint64_t spaceReclaimed = 0;
};

class VolumeService {
 public:
  // root: <data-root>/volumes.
  explicit VolumeService(std::filesystem::path root);
  ~VolumeService();
  VolumeService(const VolumeService&) = delete;
  VolumeService& operator=(const VolumeService&) = delete;

  // Reads every volume's metadata; removes leftovers of interrupted creates.
  Status load();

  // docker's create: an existing name answers the existing volume (a different driver is a
  // Conflict). Anonymous when req.name is empty (and then labelled kAnonymousLabel).
  Result<Volume> create(const CreateRequest& req);
  // NotFound: "get <name>: no such volume".
  Result<Volume> get(const std::string& name) const;
  // Filters: name (substring), label (key or key=value), dangling (true/false), driver.
  Result<std::vector<Volume>> list(const Filters& filters) const;
  // Conflict "remove <name>: volume is in use - [<ids>]" while a container uses it; with
  // force a missing volume is not an error.
  Status remove(const std::string& name, bool force);
  // Unused volumes: only anonymous ones unless filter all=true; label / label! filters.
  Result<PruneReport> prune(const Filters& filters);

  // Reference counting: the containers that use a volume (created with it, not yet removed).
  Status addUser(const std::string& name, const std::string& containerId);
  void removeUser(const std::string& name, const std::string& containerId);
  std::vector<std::string> users(const std::string& name) const;
  // A running container needs the volume's data: mounts the device on first use. Returns the
  // host path to bind into the container.
  Result<std::string> mount(const std::string& name, const std::string& containerId);
  // The container stopped: unmounts the device when nobody else has it mounted.
  Status unmount(const std::string& name, const std::string& containerId);

  // Bytes used by the volume's data (apparent sizes, as `docker system df`).
  uint64_t size(const std::string& name) const;

 private:
  Status writeMetadata(const Volume& v);
  Driver& driverFor(const std::string& name);

  std::filesystem::path root_;
  std::unique_ptr<Driver> local_;
  std::map<std::string, Volume> volumes_;
  std::map<std::string, std::set<std::string>> users_;    // name -> container ids
  std::map<std::string, std::set<std::string>> mounted_;  // name -> running container ids
};

// Whether v passes the list filters (validated by validateListFilters).
bool matchesListFilters(const Volume& v, bool inUse, const Filters& filters);
Status validateListFilters(const Filters& filters);
Status validatePruneFilters(const Filters& filters);
// The label filter: "key" or "key=value" against a label map.
bool matchesLabel(const std::map<std::string, std::string>& labels, const std::string& want);

}  // namespace wharf::volume
