#include "runtime/seccomp.h"

#include <seccomp.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <set>
#include <vector>

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

}  // namespace wharf::runtime
