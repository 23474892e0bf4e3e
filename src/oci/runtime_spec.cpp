#include "oci/runtime_spec.h"

#include <sys/resource.h>

#include <array>
#include <limits>

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

void read(const Json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) fail(path, "expected a boolean, got " + std::string(typeName(j)));
  out = j.get<bool>();
}
template <typename T>
requires std::is_integral_v<T>
void read(const Json& j, const std::string& path, T& out) {
  if (!j.is_number_integer()) fail(path, "expected an integer, got " + std::string(typeName(j)));
  if (j.is_number_unsigned()) {
    auto v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      fail(path, "value " + std::to_string(v) + " out of range");
    out = static_cast<T>(v);
  } else {
    auto v = j.get<int64_t>();
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
      fail(path, "value " + std::to_string(v) + " out of range");
    out = static_cast<T>(v);
  }
}
void read(const Json& j, const std::string& path, std::map<std::string, std::string>& out) {
  expectObject(j, path);
  for (auto& [k, v] : j.items()) read(v, join(path, k), out[k]);
}

// Struct readers, declared so vectors/optionals of them resolve.
void read(const Json& j, const std::string& path, User& out);
void read(const Json& j, const std::string& path, Capabilities& out);
void read(const Json& j, const std::string& path, Rlimit& out);
void read(const Json& j, const std::string& path, ConsoleSize& out);
void read(const Json& j, const std::string& path, IoPriority& out);
void read(const Json& j, const std::string& path, Scheduler& out);
void read(const Json& j, const std::string& path, Process& out);
void read(const Json& j, const std::string& path, Root& out);
void read(const Json& j, const std::string& path, IdMapping& out);
void read(const Json& j, const std::string& path, Mount& out);
void read(const Json& j, const std::string& path, Hook& out);
void read(const Json& j, const std::string& path, Hooks& out);
void read(const Json& j, const std::string& path, Namespace& out);
void read(const Json& j, const std::string& path, Device& out);
void read(const Json& j, const std::string& path, DeviceCgroup& out);
void read(const Json& j, const std::string& path, MemoryResources& out);
void read(const Json& j, const std::string& path, CpuResources& out);
void read(const Json& j, const std::string& path, PidsResources& out);
void read(const Json& j, const std::string& path, WeightDevice& out);
void read(const Json& j, const std::string& path, ThrottleDevice& out);
void read(const Json& j, const std::string& path, BlockIoResources& out);
void read(const Json& j, const std::string& path, HugepageLimit& out);
void read(const Json& j, const std::string& path, InterfacePriority& out);
void read(const Json& j, const std::string& path, NetworkResources& out);
void read(const Json& j, const std::string& path, Resources& out);
void read(const Json& j, const std::string& path, SeccompArg& out);
void read(const Json& j, const std::string& path, SeccompSyscall& out);
void read(const Json& j, const std::string& path, Seccomp& out);
void read(const Json& j, const std::string& path, Personality& out);
void read(const Json& j, const std::string& path, Linux& out);

template <typename T>
void read(const Json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) fail(path, "expected an array, got " + std::string(typeName(j)));
  out.resize(j.size());
  for (size_t i = 0; i < j.size(); ++i) read(j[i], index(path, i), out[i]);
}
template <typename T>
void read(const Json& j, const std::string& path, std::optional<T>& out) {
  out.emplace();
  read(j, path, *out);
}

// Reads obj[key] into out when present and not null.
template <typename T>
void get(const Json& obj, const std::string& path, const char* key, T& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return;
  read(*it, join(path, key), out);
}
template <typename T>
void require(const Json& obj, const std::string& path, const char* key, T& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) fail(join(path, key), "required");
  read(*it, join(path, key), out);
}

void read(const Json& j, const std::string& p, User& o) {
  expectObject(j, p);
  get(j, p, "uid", o.uid);
  get(j, p, "gid", o.gid);
  get(j, p, "umask", o.umask);
  get(j, p, "additionalGids", o.additionalGids);
  get(j, p, "username", o.username);
}

void readCapList(const Json& j, const std::string& p, const char* key,
                 std::vector<std::string>& out) {
  get(j, p, key, out);
  for (size_t i = 0; i < out.size(); ++i)
    if (capabilityNumber(out[i]) < 0)
      fail(index(join(p, key), i), "unknown capability \"" + out[i] + "\"");
}
void read(const Json& j, const std::string& p, Capabilities& o) {
  expectObject(j, p);
  readCapList(j, p, "bounding", o.bounding);
  readCapList(j, p, "effective", o.effective);
  readCapList(j, p, "inheritable", o.inheritable);
  readCapList(j, p, "permitted", o.permitted);
  readCapList(j, p, "ambient", o.ambient);
}
void read(const Json& j, const std::string& p, Rlimit& o) {
  expectObject(j, p);
  require(j, p, "type", o.type);
  if (rlimitNumber(o.type) < 0) fail(join(p, "type"), "unknown rlimit \"" + o.type + "\"");
  require(j, p, "hard", o.hard);
  require(j, p, "soft", o.soft);
}
void read(const Json& j, const std::string& p, ConsoleSize& o) {
  expectObject(j, p);
  get(j, p, "height", o.height);
  get(j, p, "width", o.width);
}
void read(const Json& j, const std::string& p, IoPriority& o) {
  expectObject(j, p);
  require(j, p, "class", o.ioClass);
  if (o.ioClass != "IOPRIO_CLASS_RT" && o.ioClass != "IOPRIO_CLASS_BE" &&
      o.ioClass != "IOPRIO_CLASS_IDLE")
    fail(join(p, "class"), "unknown class \"" + o.ioClass + "\"");
  get(j, p, "priority", o.priority);
}
void read(const Json& j, const std::string& p, Scheduler& o) {
  expectObject(j, p);
  require(j, p, "policy", o.policy);
  get(j, p, "nice", o.nice);
  get(j, p, "priority", o.priority);
  get(j, p, "flags", o.flags);
  get(j, p, "runtime", o.runtime);
  get(j, p, "deadline", o.deadline);
  get(j, p, "period", o.period);
}
void read(const Json& j, const std::string& p, Process& o) {
  expectObject(j, p);
  get(j, p, "terminal", o.terminal);
  get(j, p, "consoleSize", o.consoleSize);
  get(j, p, "user", o.user);
  get(j, p, "args", o.args);
  get(j, p, "env", o.env);
  require(j, p, "cwd", o.cwd);
  if (o.cwd.empty() || o.cwd[0] != '/')
    fail(join(p, "cwd"), "must be an absolute path, got \"" + o.cwd + "\"");
  get(j, p, "capabilities", o.capabilities);
  get(j, p, "rlimits", o.rlimits);
  get(j, p, "noNewPrivileges", o.noNewPrivileges);
  get(j, p, "apparmorProfile", o.apparmorProfile);
  get(j, p, "oomScoreAdj", o.oomScoreAdj);
  if (o.oomScoreAdj && (*o.oomScoreAdj < -1000 || *o.oomScoreAdj > 1000))
    fail(join(p, "oomScoreAdj"), "must be between -1000 and 1000");
  get(j, p, "selinuxLabel", o.selinuxLabel);
  get(j, p, "scheduler", o.scheduler);
  get(j, p, "ioPriority", o.ioPriority);
}
void read(const Json& j, const std::string& p, Root& o) {
  expectObject(j, p);
  require(j, p, "path", o.path);
  if (o.path.empty()) fail(join(p, "path"), "must not be empty");
  get(j, p, "readonly", o.readonly);
}
void read(const Json& j, const std::string& p, IdMapping& o) {
  expectObject(j, p);
  require(j, p, "containerID", o.containerID);
  require(j, p, "hostID", o.hostID);
  require(j, p, "size", o.size);
}
void read(const Json& j, const std::string& p, Mount& o) {
  expectObject(j, p);
  require(j, p, "destination", o.destination);
  if (o.destination.empty() || o.destination[0] != '/')
    fail(join(p, "destination"), "must be an absolute path, got \"" + o.destination + "\"");
  get(j, p, "type", o.type);
  get(j, p, "source", o.source);
  get(j, p, "options", o.options);
  get(j, p, "uidMappings", o.uidMappings);
  get(j, p, "gidMappings", o.gidMappings);
}
void read(const Json& j, const std::string& p, Hook& o) {
  expectObject(j, p);
  require(j, p, "path", o.path);
  if (o.path.empty() || o.path[0] != '/')
    fail(join(p, "path"), "must be an absolute path, got \"" + o.path + "\"");
  get(j, p, "args", o.args);
  get(j, p, "env", o.env);
  get(j, p, "timeout", o.timeout);
  if (o.timeout && *o.timeout <= 0) fail(join(p, "timeout"), "must be greater than zero");
}
void read(const Json& j, const std::string& p, Hooks& o) {
  expectObject(j, p);
  get(j, p, "prestart", o.prestart);
  get(j, p, "createRuntime", o.createRuntime);
  get(j, p, "createContainer", o.createContainer);
  get(j, p, "startContainer", o.startContainer);
  get(j, p, "poststart", o.poststart);
  get(j, p, "poststop", o.poststop);
}
void read(const Json& j, const std::string& p, Namespace& o) {
  static constexpr std::array<std::string_view, 8> kTypes = {"pid", "network", "mount",  "ipc",
                                                             "uts", "user",    "cgroup", "time"};
  expectObject(j, p);
  require(j, p, "type", o.type);
  bool known = false;
  for (auto t : kTypes) known = known || t == o.type;
  if (!known) fail(join(p, "type"), "unknown namespace type \"" + o.type + "\"");
  get(j, p, "path", o.path);
}
void read(const Json& j, const std::string& p, Device& o) {
  expectObject(j, p);
  require(j, p, "type", o.type);
  if (o.type != "c" && o.type != "b" && o.type != "u" && o.type != "p")
    fail(join(p, "type"), "unknown device type \"" + o.type + "\"");
  require(j, p, "path", o.path);
  if (o.path.empty() || o.path[0] != '/')
    fail(join(p, "path"), "must be an absolute path, got \"" + o.path + "\"");
  get(j, p, "major", o.major);
  get(j, p, "minor", o.minor);
  get(j, p, "fileMode", o.fileMode);
  get(j, p, "uid", o.uid);
  get(j, p, "gid", o.gid);
}
void read(const Json& j, const std::string& p, DeviceCgroup& o) {
  expectObject(j, p);
  require(j, p, "allow", o.allow);
  get(j, p, "type", o.type);
  get(j, p, "major", o.major);
  get(j, p, "minor", o.minor);
  get(j, p, "access", o.access);
}
void read(const Json& j, const std::string& p, MemoryResources& o) {
  expectObject(j, p);
  get(j, p, "limit", o.limit);
  get(j, p, "reservation", o.reservation);
  get(j, p, "swap", o.swap);
  get(j, p, "kernel", o.kernel);
  get(j, p, "kernelTCP", o.kernelTCP);
  get(j, p, "swappiness", o.swappiness);
  get(j, p, "disableOOMKiller", o.disableOOMKiller);
  get(j, p, "useHierarchy", o.useHierarchy);
  get(j, p, "checkBeforeUpdate", o.checkBeforeUpdate);
}
void read(const Json& j, const std::string& p, CpuResources& o) {
  expectObject(j, p);
  get(j, p, "shares", o.shares);
  get(j, p, "quota", o.quota);
  get(j, p, "burst", o.burst);
  get(j, p, "period", o.period);
  get(j, p, "realtimeRuntime", o.realtimeRuntime);
  get(j, p, "realtimePeriod", o.realtimePeriod);
  get(j, p, "cpus", o.cpus);
  get(j, p, "mems", o.mems);
  get(j, p, "idle", o.idle);
}
void read(const Json& j, const std::string& p, PidsResources& o) {
  expectObject(j, p);
  require(j, p, "limit", o.limit);
}
void read(const Json& j, const std::string& p, WeightDevice& o) {
  expectObject(j, p);
  require(j, p, "major", o.major);
  require(j, p, "minor", o.minor);
  get(j, p, "weight", o.weight);
  get(j, p, "leafWeight", o.leafWeight);
}
void read(const Json& j, const std::string& p, ThrottleDevice& o) {
  expectObject(j, p);
  require(j, p, "major", o.major);
  require(j, p, "minor", o.minor);
  require(j, p, "rate", o.rate);
}
void read(const Json& j, const std::string& p, BlockIoResources& o) {
  expectObject(j, p);
  get(j, p, "weight", o.weight);
  get(j, p, "leafWeight", o.leafWeight);
  get(j, p, "weightDevice", o.weightDevice);
  get(j, p, "throttleReadBpsDevice", o.throttleReadBpsDevice);
  get(j, p, "throttleWriteBpsDevice", o.throttleWriteBpsDevice);
  get(j, p, "throttleReadIOPSDevice", o.throttleReadIOPSDevice);
  get(j, p, "throttleWriteIOPSDevice", o.throttleWriteIOPSDevice);
}
void read(const Json& j, const std::string& p, HugepageLimit& o) {
  expectObject(j, p);
  require(j, p, "pageSize", o.pageSize);
  require(j, p, "limit", o.limit);
}
void read(const Json& j, const std::string& p, InterfacePriority& o) {
  expectObject(j, p);
  require(j, p, "name", o.name);
  require(j, p, "priority", o.priority);
}
void read(const Json& j, const std::string& p, NetworkResources& o) {
  expectObject(j, p);
  get(j, p, "classID", o.classID);
  get(j, p, "priorities", o.priorities);
}
void read(const Json& j, const std::string& p, Resources& o) {
  expectObject(j, p);
  get(j, p, "devices", o.devices);
  get(j, p, "memory", o.memory);
  get(j, p, "cpu", o.cpu);
  get(j, p, "pids", o.pids);
  get(j, p, "blockIO", o.blockIO);
  get(j, p, "hugepageLimits", o.hugepageLimits);
  get(j, p, "network", o.network);
  get(j, p, "unified", o.unified);
}
void read(const Json& j, const std::string& p, SeccompArg& o) {
  expectObject(j, p);
  require(j, p, "index", o.index);
  require(j, p, "value", o.value);
  get(j, p, "valueTwo", o.valueTwo);
  require(j, p, "op", o.op);
}
void read(const Json& j, const std::string& p, SeccompSyscall& o) {
  expectObject(j, p);
  require(j, p, "names", o.names);
  require(j, p, "action", o.action);
  get(j, p, "errnoRet", o.errnoRet);
  get(j, p, "args", o.args);
}
void read(const Json& j, const std::string& p, Seccomp& o) {
  expectObject(j, p);
  require(j, p, "defaultAction", o.defaultAction);
  get(j, p, "defaultErrnoRet", o.defaultErrnoRet);
  get(j, p, "architectures", o.architectures);
  get(j, p, "flags", o.flags);
  get(j, p, "listenerPath", o.listenerPath);
  get(j, p, "listenerMetadata", o.listenerMetadata);
  get(j, p, "syscalls", o.syscalls);
}
void read(const Json& j, const std::string& p, Personality& o) {
  expectObject(j, p);
  require(j, p, "domain", o.domain);
  get(j, p, "flags", o.flags);
}
void read(const Json& j, const std::string& p, Linux& o) {
  expectObject(j, p);
  get(j, p, "uidMappings", o.uidMappings);
  get(j, p, "gidMappings", o.gidMappings);
  get(j, p, "sysctl", o.sysctl);
  get(j, p, "resources", o.resources);
  get(j, p, "cgroupsPath", o.cgroupsPath);
  get(j, p, "namespaces", o.namespaces);
  for (size_t i = 0; i < o.namespaces.size(); ++i)
    for (size_t k = 0; k < i; ++k)
      if (o.namespaces[k].type == o.namespaces[i].type)
        fail(index(join(p, "namespaces"), i),
             "duplicate namespace \"" + o.namespaces[i].type + "\"");
  get(j, p, "devices", o.devices);
  get(j, p, "seccomp", o.seccomp);
  get(j, p, "rootfsPropagation", o.rootfsPropagation);
  get(j, p, "maskedPaths", o.maskedPaths);
  get(j, p, "readonlyPaths", o.readonlyPaths);
  get(j, p, "mountLabel", o.mountLabel);
  get(j, p, "personality", o.personality);
  if (auto it = j.find("timeOffsets"); it != j.end() && !it->is_null()) {
    expectObject(*it, join(p, "timeOffsets"));
    for (auto& [k, v] : it->items()) {
      std::string kp = join(join(p, "timeOffsets"), k);
      expectObject(v, kp);
      get(v, kp, "secs", o.timeOffsets[k]);
    }
  }
}

}  // namespace

const Namespace* Linux::findNamespace(std::string_view type) const {
  for (const auto& ns : namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

Result<Spec> parseSpec(std::string_view text) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, "config.json"));
  Spec s;
  try {
    expectObject(j, "(root)");
    const std::string p;
    require(j, p, "ociVersion", s.ociVersion);
    get(j, p, "process", s.process);
    require(j, p, "root", s.root);
    get(j, p, "hostname", s.hostname);
    get(j, p, "domainname", s.domainname);
    get(j, p, "mounts", s.mounts);
    get(j, p, "hooks", s.hooks);
    get(j, p, "annotations", s.annotations);
    get(j, p, "linux", s.linux);
  } catch (const ParseError& e) {
    return invalidArgument(e.message);
  } catch (const Json::exception& e) {
    return invalidArgument(std::string("config.json: ") + e.what());
  }
  return s;
}

namespace {
constexpr std::array<std::string_view, kLastCapability + 1> kCapNames = {"CAP_CHOWN",
                                                                         "CAP_DAC_OVERRIDE",
                                                                         "CAP_DAC_READ_SEARCH",
                                                                         "CAP_FOWNER",
                                                                         "CAP_FSETID",
                                                                         "CAP_KILL",
                                                                         "CAP_SETGID",
                                                                         "CAP_SETUID",
                                                                         "CAP_SETPCAP",
                                                                         "CAP_LINUX_IMMUTABLE",
                                                                         "CAP_NET_BIND_SERVICE",
                                                                         "CAP_NET_BROADCAST",
                                                                         "CAP_NET_ADMIN",
                                                                         "CAP_NET_RAW",
                                                                         "CAP_IPC_LOCK",
                                                                         "CAP_IPC_OWNER",
                                                                         "CAP_SYS_MODULE",
                                                                         "CAP_SYS_RAWIO",
                                                                         "CAP_SYS_CHROOT",
                                                                         "CAP_SYS_PTRACE",
                                                                         "CAP_SYS_PACCT",
                                                                         "CAP_SYS_ADMIN",
                                                                         "CAP_SYS_BOOT",
                                                                         "CAP_SYS_NICE",
                                                                         "CAP_SYS_RESOURCE",
                                                                         "CAP_SYS_TIME",
                                                                         "CAP_SYS_TTY_CONFIG",
                                                                         "CAP_MKNOD",
                                                                         "CAP_LEASE",
                                                                         "CAP_AUDIT_WRITE",
                                                                         "CAP_AUDIT_CONTROL",
                                                                         "CAP_SETFCAP",
                                                                         "CAP_MAC_OVERRIDE",
                                                                         "CAP_MAC_ADMIN",
                                                                         "CAP_SYSLOG",
                                                                         "CAP_WAKE_ALARM",
                                                                         "CAP_BLOCK_SUSPEND",
                                                                         "CAP_AUDIT_READ",
                                                                         "CAP_PERFMON",
                                                                         "CAP_BPF",
                                                                         "CAP_CHECKPOINT_RESTORE"};

struct RlimitName {
  std::string_view name;
  int number;
};
constexpr std::array<RlimitName, 16> kRlimits = {{
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
}};
}  // namespace

int capabilityNumber(std::string_view name) {
  for (size_t i = 0; i < kCapNames.size(); ++i)
    if (kCapNames[i] == name) return static_cast<int>(i);
  return -1;
}

std::string_view capabilityName(int number) {
  if (number < 0 || number > kLastCapability) return {};
  return kCapNames[static_cast<size_t>(number)];
}

int rlimitNumber(std::string_view name) {
  for (const auto& r : kRlimits)
    if (r.name == name) return r.number;
  return -1;
}

}  // namespace wharf::oci
