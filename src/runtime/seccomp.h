#pragma once
// OCI linux.seccomp -> a libseccomp filter. Compiled in the init before anything is dropped,
// loaded last (or before dropping capabilities when no_new_privs is off).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

class Seccomp {
 public:
  explicit Seccomp(void* ctx) : ctx_(ctx) {}
  ~Seccomp();
  Seccomp(Seccomp&& o) noexcept : ctx_(o.ctx_), notify_(o.notify_) { o.ctx_ = nullptr; }
  Seccomp& operator=(Seccomp&&) = delete;
  Seccomp(const Seccomp&) = delete;
  Status load();
  // After load(): the listener fd when the filter uses SCMP_ACT_NOTIFY.
  Result<int> notifyFd();
  bool usesNotify() const { return notify_; }
  void setUsesNotify() { notify_ = true; }
  // The BPF program, for tests and debugging (seccomp_export_bpf).
  Result<std::string> exportBpf() const;

 private:
  void* ctx_;  // scmp_filter_ctx
  bool notify_ = false;
};

Result<Seccomp> compileSeccomp(const oci::Seccomp& spec);

// True when defaultAction or a rule is SCMP_ACT_NOTIFY.
bool seccompUsesNotify(const oci::Seccomp& spec);

// Translations, exposed for the unit tests.
// "SCMP_ACT_ERRNO" with errnoRet (or defaultErrnoRet, or EPERM) -> SCMP_ACT_ERRNO(n) ...
Result<uint32_t> seccompAction(std::string_view name, std::optional<uint32_t> errnoRet);
// "SCMP_CMP_EQ" -> SCMP_CMP_EQ ...; -1 if unknown.
int seccompOperator(std::string_view name);
// "SCMP_ARCH_X86_64" -> the libseccomp token; 0 if unknown.
uint32_t seccompArch(std::string_view name);

}  // namespace wharf::runtime
