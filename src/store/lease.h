#pragma once
// Leases (containerd's model, core/leases): a job that writes content (a pull, a load, an
// import) holds a lease on every blob and snapshot it writes or relies on, from before it
// first looks one up until its image row is written. Garbage collection and image removal
// never remove a leased resource: they remove through removeUnlessLeased, which checks and
// removes under the lease lock, so "the pull saw the blob" and "the GC removed it" cannot
// interleave.
//
// Leases live in memory only. Their holders are jobs of this daemon, so a holder that dies
// takes its leases with it (the Lease destructor releases them; a daemon that dies or
// restarts drops them all), and the next GC pass sweeps whatever they protected that no
// image record ended up referring to.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"

namespace wharf::store {

class LeaseManager;

// One holder's lease. Move-only; released when destroyed.
class Lease {
 public:
  Lease() = default;
  ~Lease() { release(); }
  Lease(Lease&& o) noexcept : mgr_(o.mgr_), id_(o.id_) { o.mgr_ = nullptr; }
  Lease& operator=(Lease&& o) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Protects a blob ("sha256:...") or a snapshot (chain id) from now until release. Call it
  // before checking whether the resource exists: once it returns, a resource that exists
  // stays.
  void addBlob(const std::string& digest);
  void addSnapshot(const std::string& chainId);
  void release();
  bool active() const { return mgr_ != nullptr; }

 private:
  friend class LeaseManager;
  Lease(LeaseManager* mgr, uint64_t id) : mgr_(mgr), id_(id) {}
  LeaseManager* mgr_ = nullptr;
  uint64_t id_ = 0;
};

class LeaseManager {
 public:
  enum class Kind { kBlob, kSnapshot };

  // `holder` names the job in logs and in leases() ("pull busybox:latest").
  Lease acquire(std::string holder);

  bool leased(Kind kind, const std::string& id) const;
  // Runs `remove` (which removes the resource) under the lease lock unless a lease holds it.
  // Returns whether it ran (and succeeded).
  Result<bool> removeUnlessLeased(Kind kind, const std::string& id,
                                  const std::function<Status()>& remove);

  struct Info {
    std::string holder;
    size_t blobs = 0, snapshots = 0;
  };
  std::vector<Info> leases() const;  // the active leases, for logs and tests

 private:
  friend class Lease;
  struct Entry {
    std::string holder;
    std::set<std::string> blobs, snapshots;
  };
  void add(uint64_t id, Kind kind, const std::string& resource);
  void release(uint64_t id);

  mutable std::mutex mu_;
  uint64_t nextId_ = 1;
  std::map<uint64_t, Entry> leases_;
  // How many leases hold each resource: the lookup removeUnlessLeased makes.
  std::map<std::string, int> blobRefs_, snapshotRefs_;
};

}  // namespace wharf::store
