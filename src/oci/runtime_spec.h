#pragma once
// OCI runtime-spec 1.2 `config.json` for Linux: the types, a parser whose every error names
// the JSON path (`process.capabilities.bounding[3]: unknown capability "CAP_FOO"`), and a
// serializer. Optional JSON members are std::optional or empty containers; serializeSpec
// omits them, so parse(serialize(s)) == s. Unknown members are ignored, as runc does.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace wharf::oci {

inline constexpr std::string_view kRuntimeSpecVersion = "1.2.0";

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additionalGids;
  std::string username;
  bool operator==(const User&) const = default;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
  bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t hard = 0;
  uint64_t soft = 0;
  bool operator==(const Rlimit&) const = default;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
  bool operator==(const ConsoleSize&) const = default;
};

struct IoPriority {
  std::string ioClass;  // IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE
  int priority = 0;
  bool operator==(const IoPriority&) const = default;
};

struct Scheduler {
  std::string policy;  // SCHED_OTHER ...
  std::optional<int32_t> nice, priority;
  std::vector<std::string> flags;
  std::optional<uint64_t> runtime, deadline, period;
  bool operator==(const Scheduler&) const = default;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> consoleSize;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool noNewPrivileges = false;
  std::string apparmorProfile;
  std::optional<int> oomScoreAdj;
  std::string selinuxLabel;
  std::optional<Scheduler> scheduler;
  std::optional<IoPriority> ioPriority;
  bool operator==(const Process&) const = default;
};

struct Root {
  std::string path;
  bool readonly = false;
  bool operator==(const Root&) const = default;
};

struct IdMapping {
  uint32_t containerID = 0;
  uint32_t hostID = 0;
  uint32_t size = 0;
  bool operator==(const IdMapping&) const = default;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  std::vector<IdMapping> uidMappings, gidMappings;
  bool operator==(const Mount&) const = default;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;
  bool operator==(const Hook&) const = default;
};

struct Hooks {
  std::vector<Hook> prestart, createRuntime, createContainer, startContainer, poststart, poststop;
  bool operator==(const Hooks&) const = default;
};

struct Namespace {
  std::string type;  // pid network mount ipc uts user cgroup time
  std::string path;  // join this one instead of creating a new one
  bool operator==(const Namespace&) const = default;
};

struct Device {
  std::string type;  // c b u p
  std::string path;
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint32_t> fileMode;
  std::optional<uint32_t> uid, gid;
  bool operator==(const Device&) const = default;
};

struct DeviceCgroup {
  bool allow = false;
  std::string type;  // a c b; empty means all
  std::optional<int64_t> major, minor;
  std::string access;  // rwm
  bool operator==(const DeviceCgroup&) const = default;
};

struct MemoryResources {
  std::optional<int64_t> limit, reservation, swap, kernel, kernelTCP;
  std::optional<uint64_t> swappiness;
  std::optional<bool> disableOOMKiller, useHierarchy, checkBeforeUpdate;
  bool operator==(const MemoryResources&) const = default;
};

struct CpuResources {
  std::optional<uint64_t> shares;
  std::optional<int64_t> quota;
  std::optional<uint64_t> burst;
  std::optional<uint64_t> period;
  std::optional<int64_t> realtimeRuntime;
  std::optional<uint64_t> realtimePeriod;
  std::string cpus, mems;
  std::optional<int64_t> idle;
  bool operator==(const CpuResources&) const = default;
};

struct PidsResources {
  int64_t limit = 0;
  bool operator==(const PidsResources&) const = default;
};

struct WeightDevice {
  int64_t major = 0, minor = 0;
  std::optional<uint16_t> weight, leafWeight;
  bool operator==(const WeightDevice&) const = default;
};

struct ThrottleDevice {
  int64_t major = 0, minor = 0;
  uint64_t rate = 0;
  bool operator==(const ThrottleDevice&) const = default;
};

struct BlockIoResources {
  std::optional<uint16_t> weight, leafWeight;
  std::vector<WeightDevice> weightDevice;
  std::vector<ThrottleDevice> throttleReadBpsDevice, throttleWriteBpsDevice, throttleReadIOPSDevice,
      throttleWriteIOPSDevice;
  bool operator==(const BlockIoResources&) const = default;
};

struct HugepageLimit {
  std::string pageSize;  // "2MB"
  uint64_t limit = 0;
  bool operator==(const HugepageLimit&) const = default;
};

struct InterfacePriority {
  std::string name;  // a network interface of the container, "eth0"
  uint32_t priority = 0;
  bool operator==(const InterfacePriority&) const = default;
};

// linux.resources.network: cgroup v1's net_cls and net_prio (v2 has neither).
struct NetworkResources {
  std::optional<uint32_t> classID;
  std::vector<InterfacePriority> priorities;
  bool operator==(const NetworkResources&) const = default;
};

struct Resources {
  std::vector<DeviceCgroup> devices;
  std::optional<MemoryResources> memory;
  std::optional<CpuResources> cpu;
  std::optional<PidsResources> pids;
  std::optional<BlockIoResources> blockIO;
  std::vector<HugepageLimit> hugepageLimits;
  std::optional<NetworkResources> network;
  std::map<std::string, std::string> unified;
  bool operator==(const Resources&) const = default;
};

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t valueTwo = 0;
  std::string op;  // SCMP_CMP_EQ ...
  bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_ALLOW ...
  std::optional<uint32_t> errnoRet;
  std::vector<SeccompArg> args;
  bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
  std::string defaultAction;
  std::optional<uint32_t> defaultErrnoRet;
  std::vector<std::string> architectures;
  std::vector<std::string> flags;
  std::string listenerPath;
  std::string listenerMetadata;
  std::vector<SeccompSyscall> syscalls;
  bool operator==(const Seccomp&) const = default;
};

struct Personality {
  std::string domain;  // LINUX | LINUX32
  std::vector<std::string> flags;
  bool operator==(const Personality&) const = default;
};

struct Linux {
  std::vector<IdMapping> uidMappings, gidMappings;
  std::map<std::string, std::string> sysctl;
  std::optional<Resources> resources;
  std::string cgroupsPath;
  std::vector<Namespace> namespaces;
  std::vector<Device> devices;
  std::optional<Seccomp> seccomp;
  std::string rootfsPropagation;
  std::vector<std::string> maskedPaths;
  std::vector<std::string> readonlyPaths;
  std::string mountLabel;
  std::optional<Personality> personality;
  std::map<std::string, int64_t> timeOffsets;  // "monotonic"/"boottime" -> seconds
  bool operator==(const Linux&) const = default;

  const Namespace* findNamespace(std::string_view type) const;
};

struct Spec {
  std::string ociVersion{kRuntimeSpecVersion};
  std::optional<Process> process;
  std::optional<Root> root;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  std::optional<Hooks> hooks;
  std::map<std::string, std::string> annotations;
  std::optional<Linux> linux;
  bool operator==(const Spec&) const = default;
};

// Parses and validates config.json: wrong types, unknown namespace types, unknown
// capabilities or rlimits, relative mount destinations and a missing root.path are errors
// (InvalidArgument) whose message starts with the JSON path of the offending member.
Result<Spec> parseSpec(std::string_view json);
// Pretty-printed JSON (2-space indent), members in the spec's order.
std::string serializeSpec(const Spec& spec);

// "CAP_CHOWN" -> 0 ... "CAP_CHECKPOINT_RESTORE" -> 40; -1 if unknown.
int capabilityNumber(std::string_view name);
// 0 -> "CAP_CHOWN"; empty if unknown.
std::string_view capabilityName(int number);
inline constexpr int kLastCapability = 40;
// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 if unknown.
int rlimitNumber(std::string_view name);

}  // namespace wharf::oci
