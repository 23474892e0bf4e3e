#include "oci/seccomp_profile.h"

#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include "common/json.h"
#include "oci/internal/json_walk.h"

namespace wharf::oci {

namespace {

// The shared primitives (ParseError, fail, join, index, typeName, expectObject, read of a
// string): internal/json_walk.h.
using json_walk::expectObject;
using json_walk::fail;
using json_walk::index;
using json_walk::join;
using json_walk::ParseError;
using json_walk::read;
using json_walk::typeName;

template <typename T>
requires std::is_unsigned_v<T>
void read(const Json& j, const std::string& path, T& out) {
  if (!j.is_number_integer()) fail(path, "expected an unsigned integer, got " + typeName(j));
  if (!j.is_number_unsigned()) fail(path, "value " + j.dump() + " out of range");
  auto v = j.get<uint64_t>();
  if (v > std::numeric_limits<T>::max()) fail(path, "value " + std::to_string(v) + " out of range");
  out = static_cast<T>(v);
}

template <typename T>
void read(const Json& j, const std::string& path, std::optional<T>& out) {
  out.emplace();
  read(j, path, *out);
}

void read(const Json& j, const std::string& path, SeccompArg& out);
void read(const Json& j, const std::string& path, SeccompProfileRule& out);
void read(const Json& j, const std::string& path, SeccompFilter& out);
void read(const Json& j, const std::string& path, SeccompArchMap& out);

template <typename T>
void read(const Json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) fail(path, "expected an array, got " + typeName(j));
  out.resize(j.size());
  for (size_t i = 0; i < j.size(); ++i) read(j[i], index(path, i), out[i]);
}

// Reads obj[key] into out when present and not null (Go's decoder leaves null alone).
template <typename T>
bool get(const Json& obj, const std::string& path, const char* key, T& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  read(*it, join(path, key), out);
  return true;
}

constexpr std::array kActions = {"SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                 "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",  "SCMP_ACT_KILL_PROCESS",
                                 "SCMP_ACT_TRACE",       "SCMP_ACT_LOG",   "SCMP_ACT_NOTIFY"};
constexpr std::array kOperators = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                                   "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
constexpr std::array kArches = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};
constexpr std::array kFlags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                               "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                               "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

template <size_t N>
bool oneOf(const std::array<const char*, N>& set, const std::string& s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

void checkArch(const std::string& path, const std::string& arch) {
  if (!oneOf(kArches, arch)) fail(path, "unknown architecture \"" + arch + "\"");
}

bool parseUnsigned(std::string_view s, unsigned* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "4.8" -> {4, 8}; moby accepts exactly "<kernel>.<major>".
std::optional<std::pair<unsigned, unsigned>> parseMinKernel(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::pair<unsigned, unsigned> v;
  if (!parseUnsigned(s.substr(0, dot), &v.first) || !parseUnsigned(s.substr(dot + 1), &v.second))
    return std::nullopt;
  return v;
}

// "6.1.0-18-amd64" -> {6, 1}; {0, 0} when unreadable.
std::pair<unsigned, unsigned> releaseVersion(std::string_view release) {
  std::pair<unsigned, unsigned> v{0, 0};
  const char* p = release.data();
  const char* end = p + release.size();
  auto r = std::from_chars(p, end, v.first);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != '.') return {0, 0};
  r = std::from_chars(r.ptr + 1, end, v.second);
  if (r.ec != std::errc()) return {v.first, 0};
  return v;
}

void read(const Json& j, const std::string& p, SeccompArg& o) {
  expectObject(j, p);
  get(j, p, "index", o.index);
  if (o.index > 5) fail(join(p, "index"), "must be 0-5, got " + std::to_string(o.index));
  get(j, p, "value", o.value);
  get(j, p, "valueTwo", o.valueTwo);
  if (!get(j, p, "op", o.op)) fail(join(p, "op"), "required");
  if (!oneOf(kOperators, o.op)) fail(join(p, "op"), "unknown operator \"" + o.op + "\"");
}

void read(const Json& j, const std::string& p, SeccompFilter& o) {
  expectObject(j, p);
  get(j, p, "caps", o.caps);
  for (size_t i = 0; i < o.caps.size(); ++i) {
    if (capabilityNumber(o.caps[i]) < 0)
      fail(index(join(p, "caps"), i), "unknown capability \"" + o.caps[i] + "\"");
  }
  get(j, p, "arches", o.arches);
  get(j, p, "minKernel", o.minKernel);
  if (!o.minKernel.empty() && !parseMinKernel(o.minKernel)) {
    fail(join(p, "minKernel"),
         "invalid kernel version \"" + o.minKernel + "\", expected \"<kernel>.<major>\"");
  }
}

void read(const Json& j, const std::string& p, SeccompProfileRule& o) {
  expectObject(j, p);
  std::string name;
  bool hasName = get(j, p, "name", name);
  bool hasNames = get(j, p, "names", o.syscall.names);
  if (hasName && hasNames && !o.syscall.names.empty())
    fail(p, "both \"name\" and \"names\" are specified, use either \"name\" or \"names\"");
  if (hasName) o.syscall.names = {name};
  if (o.syscall.names.empty()) fail(join(p, "names"), "required");
  for (size_t i = 0; i < o.syscall.names.size(); ++i) {
    if (o.syscall.names[i].empty()) fail(index(join(p, "names"), i), "empty syscall name");
  }
  if (!get(j, p, "action", o.syscall.action)) fail(join(p, "action"), "required");
  if (!oneOf(kActions, o.syscall.action))
    fail(join(p, "action"), "unknown action \"" + o.syscall.action + "\"");
  get(j, p, "errnoRet", o.syscall.errnoRet);
  if (o.syscall.errnoRet && o.syscall.action != "SCMP_ACT_ERRNO" &&
      o.syscall.action != "SCMP_ACT_TRACE")
    fail(join(p, "errnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  get(j, p, "args", o.syscall.args);
  get(j, p, "includes", o.includes);
  get(j, p, "excludes", o.excludes);
  get(j, p, "comment", o.comment);
}

void read(const Json& j, const std::string& p, SeccompArchMap& o) {
  expectObject(j, p);
  if (!get(j, p, "architecture", o.arch)) fail(join(p, "architecture"), "required");
  checkArch(join(p, "architecture"), o.arch);
  get(j, p, "subArchitectures", o.subArches);
  for (size_t i = 0; i < o.subArches.size(); ++i)
    checkArch(index(join(p, "subArchitectures"), i), o.subArches[i]);
}

SeccompProfile readProfile(const Json& j) {
  const std::string p;
  SeccompProfile o;
  if (!j.is_object()) fail("(root)", "expected an object, got " + typeName(j));
  get(j, p, "defaultAction", o.defaultAction);
  if (!o.defaultAction.empty() && !oneOf(kActions, o.defaultAction))
    fail("defaultAction", "unknown action \"" + o.defaultAction + "\"");
  get(j, p, "defaultErrnoRet", o.defaultErrnoRet);
  get(j, p, "architectures", o.architectures);
  for (size_t i = 0; i < o.architectures.size(); ++i)
    checkArch(index("architectures", i), o.architectures[i]);
  get(j, p, "archMap", o.archMap);
  if (!o.architectures.empty() && !o.archMap.empty()) {
    fail("archMap",
         "both \"architectures\" and \"archMap\" are specified, use either \"architectures\" or "
         "\"archMap\"");
  }
  get(j, p, "flags", o.flags);
  for (size_t i = 0; i < o.flags.size(); ++i) {
    if (!oneOf(kFlags, o.flags[i])) fail(index("flags", i), "unknown flag \"" + o.flags[i] + "\"");
  }
  get(j, p, "listenerPath", o.listenerPath);
  get(j, p, "listenerMetadata", o.listenerMetadata);
  get(j, p, "syscalls", o.syscalls);
  if (o.defaultAction.empty() && !o.syscalls.empty()) fail("defaultAction", "required");
  bool notify = o.defaultAction == "SCMP_ACT_NOTIFY";
  for (const auto& r : o.syscalls) notify = notify || r.syscall.action == "SCMP_ACT_NOTIFY";
  if (notify && o.listenerPath.empty()) fail("listenerPath", "required with SCMP_ACT_NOTIFY");
  return o;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool kernelAtLeast(const std::string& minKernel, const std::string& release) {
  auto min = parseMinKernel(minKernel);
  if (!min) return false;  // parseSeccompProfile refuses these
  return releaseVersion(release) >= *min;
}

bool applies(const SeccompProfileRule& r, const std::vector<std::string>& caps,
             const SeccompHost& host) {
  const SeccompFilter& ex = r.excludes;
  if (contains(ex.arches, host.arch)) return false;
  for (const auto& c : ex.caps)
    if (contains(caps, c)) return false;
  if (!ex.minKernel.empty() && kernelAtLeast(ex.minKernel, host.kernel)) return false;
  const SeccompFilter& in = r.includes;
  if (!in.arches.empty() && !contains(in.arches, host.arch)) return false;
  for (const auto& c : in.caps)
    if (!contains(caps, c)) return false;
  if (!in.minKernel.empty() && !kernelAtLeast(in.minKernel, host.kernel)) return false;
  return true;
}

constexpr std::string_view nativeArch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return "x32";
#elif defined(__x86_64__)
  return "amd64";
#elif defined(__i386__)
  return "x86";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__powerpc64__)
  return "ppc64";
#else
  return "unknown";
#endif
}

}  // namespace

SeccompHost SeccompHost::current() {
  SeccompHost h;
  h.arch = nativeArch();
  struct utsname u {};
  if (::uname(&u) == 0) h.kernel = u.release;
  return h;
}

std::string_view seccompArchOfNative(std::string_view goArch) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"amd64", "SCMP_ARCH_X86_64"},      {"x86", "SCMP_ARCH_X86"},
      {"x32", "SCMP_ARCH_X32"},           {"arm64", "SCMP_ARCH_AARCH64"},
      {"arm", "SCMP_ARCH_ARM"},           {"riscv64", "SCMP_ARCH_RISCV64"},
      {"s390x", "SCMP_ARCH_S390X"},       {"s390", "SCMP_ARCH_S390"},
      {"ppc64le", "SCMP_ARCH_PPC64LE"},   {"ppc64", "SCMP_ARCH_PPC64"},
      {"ppc", "SCMP_ARCH_PPC"},           {"mips64", "SCMP_ARCH_MIPS64"},
      {"mipsel64", "SCMP_ARCH_MIPSEL64"}, {"mipsle", "SCMP_ARCH_MIPSEL"}};
  for (const auto& [go, scmp] : kMap)
    if (go == goArch) return scmp;
  return {};
}

Result<SeccompProfile> parseSeccompProfile(std::string_view json) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(json, "the seccomp profile"));
  try {
    return readProfile(j);
  } catch (const ParseError& e) {
    return invalidArgument(e.message);
  }
}

std::optional<Seccomp> resolveSeccompProfile(const SeccompProfile& profile,
                                             const std::vector<std::string>& caps,
                                             const SeccompHost& host) {
  if (profile.defaultAction.empty() && profile.syscalls.empty()) return std::nullopt;
  Seccomp s;
  s.defaultAction = profile.defaultAction;
  s.defaultErrnoRet = profile.defaultErrnoRet;
  s.architectures = profile.architectures;
  s.flags = profile.flags;
  s.listenerPath = profile.listenerPath;
  s.listenerMetadata = profile.listenerMetadata;
  std::string_view native = seccompArchOfNative(host.arch);
  for (const auto& m : profile.archMap) {
    if (native.empty() || m.arch != native) continue;
    s.architectures.push_back(m.arch);
    s.architectures.insert(s.architectures.end(), m.subArches.begin(), m.subArches.end());
    break;
  }
  for (const auto& r : profile.syscalls) {
    if (applies(r, caps, host)) s.syscalls.push_back(r.syscall);
  }
  return s;
}

Result<std::optional<Seccomp>> loadSeccompProfile(std::string_view json,
                                                  const std::vector<std::string>& caps,
                                                  const SeccompHost& host) {
  auto profile = parseSeccompProfile(json);
  if (!profile.ok()) return std::move(profile).error().context("Decoding seccomp profile failed");
  return resolveSeccompProfile(*profile, caps, host);
}

}  // namespace wharf::oci
