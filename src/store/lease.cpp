#include "store/lease.h"

#include <utility>
#include <vector>

namespace wharf::store {

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    release();
    mgr_ = std::exchange(o.mgr_, nullptr);
    id_ = o.id_;
  }
  return *this;
}

void Lease::addBlob(const std::string& digest) {
  if (mgr_) mgr_->add(id_, LeaseManager::Kind::kBlob, digest);
}

void Lease::addSnapshot(const std::string& chainId) {
  if (mgr_) mgr_->add(id_, LeaseManager::Kind::kSnapshot, chainId);
}

void Lease::release() {
  if (mgr_) std::exchange(mgr_, nullptr)->release(id_);
}

Lease LeaseManager::acquire(std::string holder) {
  std::lock_guard lock(mu_);
  uint64_t id = nextId_++;
  leases_[id].holder = std::move(holder);
  return Lease(this, id);
}

void LeaseManager::add(uint64_t id, Kind kind, const std::string& resource) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(id);
  if (it == leases_.end()) return;
  auto& set = kind == Kind::kBlob ? it->second.blobs : it->second.snapshots;
  if (set.insert(resource).second) ++(kind == Kind::kBlob ? blobRefs_ : snapshotRefs_)[resource];
}

void LeaseManager::release(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(id);
  if (it == leases_.end()) return;
  auto drop = [](std::map<std::string, int>& refs, const std::set<std::string>& held) {
    for (const auto& r : held) {
      auto ref = refs.find(r);
      if (ref != refs.end() && --ref->second <= 0) refs.erase(ref);
    }
  };
  drop(blobRefs_, it->second.blobs);
  drop(snapshotRefs_, it->second.snapshots);
  leases_.erase(it);
}

bool LeaseManager::leased(Kind kind, const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto& refs = kind == Kind::kBlob ? blobRefs_ : snapshotRefs_;
  return refs.count(id) > 0;
}

Result<bool> LeaseManager::removeUnlessLeased(Kind kind, const std::string& id,
                                              const std::function<Status()>& remove) {
  std::lock_guard lock(mu_);
  const auto& refs = kind == Kind::kBlob ? blobRefs_ : snapshotRefs_;
  if (refs.count(id)) return false;
  WHARF_TRY(remove());
  return true;
}

std::vector<LeaseManager::Info> LeaseManager::leases() const {
  std::lock_guard lock(mu_);
  std::vector<Info> out;
  for (const auto& [id, e] : leases_) out.push_back({e.holder, e.blobs.size(), e.snapshots.size()});
  return out;
}

}  // namespace wharf::store
