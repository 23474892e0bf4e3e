// serializeSpec: split from runtime_spec.cpp to keep files small. Empty optional members are
// omitted so that parseSpec(serializeSpec(s)) == s.
#include "common/json.h"
#include "oci/runtime_spec.h"

namespace wharf::oci {

namespace {

using J = OrderedJson;

J toJson(const std::string& v) { return v; }
J toJson(bool v) { return v; }
template <typename T>
requires std::is_integral_v<T> J toJson(T v) { return v; }
J toJson(const std::map<std::string, std::string>& m) {
  J o = J::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
J toJson(const User& u);
J toJson(const Capabilities& c);
J toJson(const Rlimit& r);
J toJson(const ConsoleSize& c);
J toJson(const IoPriority& p);
J toJson(const Scheduler& s);
J toJson(const Process& p);
J toJson(const Root& r);
J toJson(const IdMapping& m);
J toJson(const Mount& m);
J toJson(const Hook& h);
J toJson(const Hooks& h);
J toJson(const Namespace& n);
J toJson(const Device& d);
J toJson(const DeviceCgroup& d);
J toJson(const MemoryResources& m);
J toJson(const CpuResources& c);
J toJson(const PidsResources& p);
J toJson(const WeightDevice& w);
J toJson(const ThrottleDevice& t);
J toJson(const BlockIoResources& b);
J toJson(const HugepageLimit& h);
J toJson(const InterfacePriority& i);
J toJson(const NetworkResources& n);
J toJson(const Resources& r);
J toJson(const SeccompArg& a);
J toJson(const SeccompSyscall& s);
J toJson(const Seccomp& s);
J toJson(const Personality& p);
J toJson(const Linux& l);

template <typename T>
J toJson(const std::vector<T>& v) {
  J a = J::array();
  for (const auto& x : v) a.push_back(toJson(x));
  return a;
}

// put() skips what parse would treat as absent.
template <typename T>
void put(J& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = toJson(*v);
}
template <typename T>
void put(J& o, const char* key, const std::vector<T>& v) {
  if (!v.empty()) o[key] = toJson(v);
}
void put(J& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
void put(J& o, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty()) o[key] = toJson(v);
}
void putFlag(J& o, const char* key, bool v) {
  if (v) o[key] = true;
}

J toJson(const User& u) {
  J o = J::object();
  o["uid"] = u.uid;
  o["gid"] = u.gid;
  put(o, "umask", u.umask);
  put(o, "additionalGids", u.additionalGids);
  put(o, "username", u.username);
  return o;
}
J toJson(const Capabilities& c) {
  J o = J::object();
  put(o, "bounding", c.bounding);
  put(o, "effective", c.effective);
  put(o, "inheritable", c.inheritable);
  put(o, "permitted", c.permitted);
  put(o, "ambient", c.ambient);
  return o;
}
J toJson(const Rlimit& r) { return J{{"type", r.type}, {"hard", r.hard}, {"soft", r.soft}}; }
J toJson(const ConsoleSize& c) { return J{{"height", c.height}, {"width", c.width}}; }
J toJson(const IoPriority& p) { return J{{"class", p.ioClass}, {"priority", p.priority}}; }
J toJson(const Scheduler& s) {
  J o = J::object();
  o["policy"] = s.policy;
  put(o, "nice", s.nice);
  put(o, "priority", s.priority);
  put(o, "flags", s.flags);
  put(o, "runtime", s.runtime);
  put(o, "deadline", s.deadline);
  put(o, "period", s.period);
  return o;
}
J toJson(const Process& p) {
  J o = J::object();
  putFlag(o, "terminal", p.terminal);
  put(o, "consoleSize", p.consoleSize);
  o["user"] = toJson(p.user);
  put(o, "args", p.args);
  put(o, "env", p.env);
  o["cwd"] = p.cwd;
  put(o, "capabilities", p.capabilities);
  put(o, "rlimits", p.rlimits);
  putFlag(o, "noNewPrivileges", p.noNewPrivileges);
  put(o, "apparmorProfile", p.apparmorProfile);
  put(o, "oomScoreAdj", p.oomScoreAdj);
  put(o, "selinuxLabel", p.selinuxLabel);
  put(o, "scheduler", p.scheduler);
  put(o, "ioPriority", p.ioPriority);
  return o;
}
J toJson(const Root& r) {
  J o = J::object();
  o["path"] = r.path;
  putFlag(o, "readonly", r.readonly);
  return o;
}
J toJson(const IdMapping& m) {
  return J{{"containerID", m.containerID}, {"hostID", m.hostID}, {"size", m.size}};
}
J toJson(const Mount& m) {
  J o = J::object();
  o["destination"] = m.destination;
  put(o, "type", m.type);
  put(o, "source", m.source);
  put(o, "options", m.options);
  put(o, "uidMappings", m.uidMappings);
  put(o, "gidMappings", m.gidMappings);
  return o;
}
J toJson(const Hook& h) {
  J o = J::object();
  o["path"] = h.path;
  put(o, "args", h.args);
  put(o, "env", h.env);
  put(o, "timeout", h.timeout);
  return o;
}
J toJson(const Hooks& h) {
  J o = J::object();
  put(o, "prestart", h.prestart);
  put(o, "createRuntime", h.createRuntime);
  put(o, "createContainer", h.createContainer);
  put(o, "startContainer", h.startContainer);
  put(o, "poststart", h.poststart);
  put(o, "poststop", h.poststop);
  return o;
}
J toJson(const Namespace& n) {
  J o = J::object();
  o["type"] = n.type;
  put(o, "path", n.path);
  return o;
}
J toJson(const Device& d) {
  J o = J::object();
  o["path"] = d.path;
  o["type"] = d.type;
  o["major"] = d.major;
  o["minor"] = d.minor;
  put(o, "fileMode", d.fileMode);
  put(o, "uid", d.uid);
  put(o, "gid", d.gid);
  return o;
}
J toJson(const DeviceCgroup& d) {
  J o = J::object();
  o["allow"] = d.allow;
  put(o, "type", d.type);
  put(o, "major", d.major);
  put(o, "minor", d.minor);
  put(o, "access", d.access);
  return o;
}
J toJson(const MemoryResources& m) {
  J o = J::object();
  put(o, "limit", m.limit);
  put(o, "reservation", m.reservation);
  put(o, "swap", m.swap);
  put(o, "kernel", m.kernel);
  put(o, "kernelTCP", m.kernelTCP);
  put(o, "swappiness", m.swappiness);
  put(o, "disableOOMKiller", m.disableOOMKiller);
  put(o, "useHierarchy", m.useHierarchy);
  put(o, "checkBeforeUpdate", m.checkBeforeUpdate);
  return o;
}
J toJson(const CpuResources& c) {
  J o = J::object();
  put(o, "shares", c.shares);
  put(o, "quota", c.quota);
  put(o, "burst", c.burst);
  put(o, "period", c.period);
  put(o, "realtimeRuntime", c.realtimeRuntime);
  put(o, "realtimePeriod", c.realtimePeriod);
  put(o, "cpus", c.cpus);
  put(o, "mems", c.mems);
  put(o, "idle", c.idle);
  return o;
}
J toJson(const PidsResources& p) { return J{{"limit", p.limit}}; }
J toJson(const WeightDevice& w) {
  J o = J{{"major", w.major}, {"minor", w.minor}};
  put(o, "weight", w.weight);
  put(o, "leafWeight", w.leafWeight);
  return o;
}
J toJson(const ThrottleDevice& t) {
  return J{{"major", t.major}, {"minor", t.minor}, {"rate", t.rate}};
}
J toJson(const BlockIoResources& b) {
  J o = J::object();
  put(o, "weight", b.weight);
  put(o, "leafWeight", b.leafWeight);
  put(o, "weightDevice", b.weightDevice);
  put(o, "throttleReadBpsDevice", b.throttleReadBpsDevice);
  put(o, "throttleWriteBpsDevice", b.throttleWriteBpsDevice);
  put(o, "throttleReadIOPSDevice", b.throttleReadIOPSDevice);
  put(o, "throttleWriteIOPSDevice", b.throttleWriteIOPSDevice);
  return o;
}
J toJson(const HugepageLimit& h) { return J{{"pageSize", h.pageSize}, {"limit", h.limit}}; }
J toJson(const InterfacePriority& i) { return J{{"name", i.name}, {"priority", i.priority}}; }
J toJson(const NetworkResources& n) {
  J o = J::object();
  put(o, "classID", n.classID);
  put(o, "priorities", n.priorities);
  return o;
}
J toJson(const Resources& r) {
  J o = J::object();
  put(o, "devices", r.devices);
  put(o, "memory", r.memory);
  put(o, "cpu", r.cpu);
  put(o, "pids", r.pids);
  put(o, "blockIO", r.blockIO);
  put(o, "hugepageLimits", r.hugepageLimits);
  put(o, "network", r.network);
  put(o, "unified", r.unified);
  return o;
}
J toJson(const SeccompArg& a) {
  return J{{"index", a.index}, {"value", a.value}, {"valueTwo", a.valueTwo}, {"op", a.op}};
}
J toJson(const SeccompSyscall& s) {
  J o = J::object();
  o["names"] = toJson(s.names);
  o["action"] = s.action;
  put(o, "errnoRet", s.errnoRet);
  put(o, "args", s.args);
  return o;
}
J toJson(const Seccomp& s) {
  J o = J::object();
  o["defaultAction"] = s.defaultAction;
  put(o, "defaultErrnoRet", s.defaultErrnoRet);
  put(o, "architectures", s.architectures);
  put(o, "flags", s.flags);
  put(o, "listenerPath", s.listenerPath);
  put(o, "listenerMetadata", s.listenerMetadata);
  put(o, "syscalls", s.syscalls);
  return o;
}
J toJson(const Personality& p) {
  J o = J{{"domain", p.domain}};
  put(o, "flags", p.flags);
  return o;
}
J toJson(const Linux& l) {
  J o = J::object();
  put(o, "uidMappings", l.uidMappings);
  put(o, "gidMappings", l.gidMappings);
  put(o, "sysctl", l.sysctl);
  put(o, "resources", l.resources);
  put(o, "cgroupsPath", l.cgroupsPath);
  put(o, "namespaces", l.namespaces);
  put(o, "devices", l.devices);
  put(o, "seccomp", l.seccomp);
  put(o, "rootfsPropagation", l.rootfsPropagation);
  put(o, "maskedPaths", l.maskedPaths);
  put(o, "readonlyPaths", l.readonlyPaths);
  put(o, "mountLabel", l.mountLabel);
  put(o, "personality", l.personality);
  if (!l.timeOffsets.empty()) {
    J t = J::object();
    for (const auto& [k, v] : l.timeOffsets) t[k] = J{{"secs", v}};
    o["timeOffsets"] = t;
  }
  return o;
}

}  // namespace

std::string serializeSpec(const Spec& s) {
  J o = J::object();
  o["ociVersion"] = s.ociVersion;
  put(o, "process", s.process);
  put(o, "root", s.root);
  put(o, "hostname", s.hostname);
  put(o, "domainname", s.domainname);
  put(o, "mounts", s.mounts);
  put(o, "hooks", s.hooks);
  put(o, "annotations", s.annotations);
  put(o, "linux", s.linux);
  return o.dump(2);
}

}  // namespace wharf::oci
