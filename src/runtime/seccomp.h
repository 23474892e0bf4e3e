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

// A filter ready to load before the process forks. Compiling Docker's default profile with
// libseccomp takes ≈ 7 ms (three ABIs), loading its BPF one syscall: so the program is kept
// in a cache directory keyed by the exact spec, the libseccomp version and the native
// architecture, and later containers with the same profile only read it. With
// SCMP_ACT_NOTIFY the libseccomp context is kept instead (its load returns the listener fd).
struct PreparedSeccomp {
  std::string bpf;             // struct sock_filter[], as seccomp_export_bpf writes it
  unsigned flags = 0;          // SECCOMP_FILTER_FLAG_* from linux.seccomp.flags
  std::optional<Seccomp> ctx;  // notify only
  bool fromCache = false;
};
// cacheDir "" disables the cache. Errors name the JSON path, as compileSeccomp's.
Result<PreparedSeccomp> prepareSeccomp(const oci::Seccomp& spec, const std::string& cacheDir);
// Loads it into the calling thread (see process.h loadSeccompFilter for the notify fd).
Status loadPreparedBpf(const PreparedSeccomp& filter);
// The cache key: every field of the spec in a fixed order, plus what else shapes the BPF.
std::string seccompCacheKey(const oci::Seccomp& spec);

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
