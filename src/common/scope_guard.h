#pragma once
// Commit-or-rollback (Envoy's Cleanup): runs the function on scope exit unless dismissed.

#include <functional>
#include <utility>

namespace wharf {

class ScopeGuard {
 public:
  explicit ScopeGuard(std::function<void()> f) : f_(std::move(f)) {}
  ~ScopeGuard() {
    if (f_) f_();
  }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  void dismiss() { f_ = nullptr; }

 private:
  std::function<void()> f_;
};

}  // namespace wharf
