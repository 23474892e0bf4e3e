#include "runtime/seccomp.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <functional>
#include <set>
#include <vector>

#include "common/fs.h"

namespace wharf::runtime {

Seccomp::~Seccomp() {
  if (ctx_) seccomp_release(ctx_);
}

Status Seccomp::load() {
  int rc = seccomp_load(ctx_);
  if (rc < 0) return sysError("load the seccomp filter", -rc);
  return okStatus();
}

Result<int> Seccomp::notifyFd() {
  int fd = seccomp_notify_fd(ctx_);
  if (fd < 0) return sysError("get the seccomp notify fd", -fd);
  return fd;
}

bool seccompUsesNotify(const oci::Seccomp& spec) {
  if (spec.defaultAction == "SCMP_ACT_NOTIFY") return true;
  for (const auto& s : spec.syscalls)
    if (s.action == "SCMP_ACT_NOTIFY") return true;
  return false;
}

Result<std::string> Seccomp::exportBpf() const {
  int fds[2];
  if (::pipe(fds) < 0) return sysError("pipe");
  int rc = seccomp_export_bpf(ctx_, fds[1]);
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  if (rc < 0) return sysError("export the seccomp filter", -rc);
  return out;
}

Result<uint32_t> seccompAction(std::string_view name, std::optional<uint32_t> errnoRet) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errnoRet.value_or(EPERM));
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errnoRet.value_or(EPERM));
  if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  return invalidArgument("unknown seccomp action \"" + std::string(name) + "\"");
}

int seccompOperator(std::string_view name) {
  if (name == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (name == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (name == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (name == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (name == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (name == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (name == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return -1;
}

uint32_t seccompArch(std::string_view name) {
  if (name.substr(0, 10) != "SCMP_ARCH_") return 0;
  std::string lower;
  for (char c : name.substr(10))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return seccomp_arch_resolve_name(lower.c_str());
}

Result<Seccomp> compileSeccomp(const oci::Seccomp& spec) {
  const std::string p = "linux.seccomp";
  auto defAction = seccompAction(spec.defaultAction, spec.defaultErrnoRet);
  if (!defAction.ok()) return std::move(defAction).error().context(p + ".defaultAction");
  scmp_filter_ctx ctx = seccomp_init(*defAction);
  if (!ctx) return internalError(p + ": seccomp_init failed");
  Seccomp filter(ctx);
  if (seccompUsesNotify(spec)) {
    if (spec.listenerPath.empty())
      return invalidArgument(p + ".listenerPath: required with SCMP_ACT_NOTIFY");
    filter.setUsesNotify();
  }
  // We set no_new_privs ourselves, from process.noNewPrivileges.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  // A binary tree of syscall numbers instead of a linear list: every syscall (and the
  // kernel's per-syscall pre-evaluation when the filter is loaded) runs O(log n) instead of
  // O(n) instructions of a profile with hundreds of entries such as Docker's default.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < spec.architectures.size(); ++i) {
    uint32_t arch = seccompArch(spec.architectures[i]);
    auto ap = p + ".architectures[" + std::to_string(i) + "]";
    if (arch == 0)
      return invalidArgument(ap + ": unknown architecture \"" + spec.architectures[i] + "\"");
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) return sysError(ap, -rc);
  }
  for (size_t i = 0; i < spec.flags.size(); ++i) {
    const auto& f = spec.flags[i];
    int rc = 0;
    if (f == "SECCOMP_FILTER_FLAG_TSYNC")
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    else if (f == "SECCOMP_FILTER_FLAG_LOG")
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
    else if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
    else
      return invalidArgument(p + ".flags[" + std::to_string(i) + "]: unknown flag \"" + f + "\"");
    if (rc < 0) return sysError(p + ".flags[" + std::to_string(i) + "]", -rc);
  }
  for (size_t i = 0; i < spec.syscalls.size(); ++i) {
    const auto& sc = spec.syscalls[i];
    auto sp = p + ".syscalls[" + std::to_string(i) + "]";
    auto action = seccompAction(sc.action, sc.errnoRet ? sc.errnoRet : spec.defaultErrnoRet);
    if (!action.ok()) return std::move(action).error().context(sp + ".action");
    if (*action == *defAction) continue;  // libseccomp refuses rules equal to the default
    std::vector<scmp_arg_cmp> cmps;
    std::set<uint32_t> indexes;
    bool repeated = false;
    for (size_t k = 0; k < sc.args.size(); ++k) {
      const auto& a = sc.args[k];
      int op = seccompOperator(a.op);
      if (op < 0)
        return invalidArgument(sp + ".args[" + std::to_string(k) + "].op: unknown operator \"" +
                               a.op + "\"");
      if (a.index > 5)
        return invalidArgument(sp + ".args[" + std::to_string(k) + "].index: must be 0-5");
      repeated = repeated || !indexes.insert(a.index).second;
      cmps.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(op), a.value, a.valueTwo});
    }
    for (const auto& name : sc.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown here (another arch or kernel): skip, as runc
      int rc = 0;
      if (!repeated) {
        rc = seccomp_rule_add_array(ctx, *action, nr, static_cast<unsigned>(cmps.size()),
                                    cmps.empty() ? nullptr : cmps.data());
      } else {
        // Conditions on the same argument are alternatives (runc): one rule each.
        for (const auto& c : cmps)
          if ((rc = seccomp_rule_add_array(ctx, *action, nr, 1, &c)) < 0) break;
      }
      if (rc < 0) return sysError(sp + ": add rule for \"" + name + "\"", -rc);
    }
  }
  return filter;
}

std::string seccompCacheKey(const oci::Seccomp& spec) {
  // Length-prefixed fields: no separator inside a value can make two specs look alike.
  std::string k;
  auto put = [&k](std::string_view v) {
    k += std::to_string(v.size());
    k += ':';
    k += v;
  };
  auto putNum = [&put](std::optional<uint64_t> v) { put(v ? std::to_string(*v) : "-"); };
  const scmp_version* v = seccomp_version();
  put("wharf-seccomp-2");  // bump when the compile options change
  put(std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro));
  putNum(seccomp_arch_native());
  put(spec.defaultAction);
  putNum(spec.defaultErrnoRet);
  put(spec.listenerPath);
  put(spec.listenerMetadata);
  putNum(spec.architectures.size());
  for (const auto& a : spec.architectures) put(a);
  putNum(spec.flags.size());
  for (const auto& f : spec.flags) put(f);
  putNum(spec.syscalls.size());
  for (const auto& sc : spec.syscalls) {
    putNum(sc.names.size());
    for (const auto& n : sc.names) put(n);
    put(sc.action);
    putNum(sc.errnoRet);
    putNum(sc.args.size());
    for (const auto& a : sc.args) {
      putNum(a.index);
      putNum(a.value);
      putNum(a.valueTwo);
      put(a.op);
    }
  }
  return k;
}

namespace {

unsigned loadFlags(const oci::Seccomp& spec) {
  unsigned flags = 0;
  for (const auto& f : spec.flags) {
    if (f == "SECCOMP_FILTER_FLAG_TSYNC") flags |= SECCOMP_FILTER_FLAG_TSYNC;
    if (f == "SECCOMP_FILTER_FLAG_LOG") flags |= SECCOMP_FILTER_FLAG_LOG;
    if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  }
  return flags;
}

// Cache file: "<key length>\n<key><bpf>". The whole key is compared on every hit, so the
// file name (a hash of it) only has to spread entries, not to be collision-free.
std::string cachePath(const std::string& dir, const std::string& key) {
  char name[32];
  std::snprintf(name, sizeof name, "%016zx.bpf", std::hash<std::string>{}(key));
  return dir + "/" + name;
}

std::optional<std::string> readCached(const std::string& path, const std::string& key) {
  auto text = fs::readFile(path);
  if (!text.ok()) return std::nullopt;
  size_t nl = text->find('\n');
  if (nl == std::string::npos || text->compare(0, nl, std::to_string(key.size())) != 0 ||
      text->compare(nl + 1, key.size(), key) != 0)
    return std::nullopt;
  std::string bpf = text->substr(nl + 1 + key.size());
  if (bpf.empty() || bpf.size() % sizeof(sock_filter) != 0) return std::nullopt;
  return bpf;
}

}  // namespace

Result<PreparedSeccomp> prepareSeccomp(const oci::Seccomp& spec, const std::string& cacheDir) {
  PreparedSeccomp out;
  out.flags = loadFlags(spec);
  if (seccompUsesNotify(spec)) {
    WHARF_ASSIGN_OR_RETURN(Seccomp f, compileSeccomp(spec));
    out.ctx.emplace(std::move(f));
    return out;
  }
  std::string key, path;
  if (!cacheDir.empty()) {
    key = seccompCacheKey(spec);
    path = cachePath(cacheDir, key);
    if (auto bpf = readCached(path, key)) {
      out.bpf = std::move(*bpf);
      out.fromCache = true;
      return out;
    }
  }
  WHARF_ASSIGN_OR_RETURN(Seccomp f, compileSeccomp(spec));
  WHARF_ASSIGN_OR_RETURN(out.bpf, f.exportBpf());
  if (!cacheDir.empty()) {
    // Best effort: a cache that cannot be written only costs the next container the compile.
    if (fs::mkdirAll(cacheDir, 0700).ok())
      (void)fs::writeFileAtomic(path, std::to_string(key.size()) + "\n" + key + out.bpf);
  }
  return out;
}

Status loadPreparedBpf(const PreparedSeccomp& filter) {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(filter.bpf.size() / sizeof(sock_filter));
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(filter.bpf.data()));
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, filter.flags, &prog) < 0)
    return sysError("load the seccomp filter");
  return okStatus();
}

}  // namespace wharf::runtime
