#include "oci/runtime_spec.h"

#include <gtest/gtest.h>

#include "oci/defaults.h"

namespace wharf::oci {
namespace {

std::string minimal(const std::string& extra = "") {
  return R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"cwd":"/","args":["sh"]})" +
         extra + "}";
}

std::string errorOf(const std::string& json) {
  auto r = parseSpec(json);
  if (r.ok()) return "<ok>";
  EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument);
  return r.error().message();
}

TEST(RuntimeSpec, ParsesMinimal) {
  auto r = parseSpec(minimal());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->root->path, "rootfs");
  EXPECT_EQ(r->process->args, std::vector<std::string>{"sh"});
  EXPECT_FALSE(r->linux.has_value());
}

TEST(RuntimeSpec, UnknownCapabilityNamesThePath) {
  auto e =
      errorOf(minimal().substr(0, minimal().size() - 2) +
              R"(,"capabilities":{"bounding":["CAP_CHOWN","CAP_KILL","CAP_SETUID","CAP_FOO"]}}})");
  EXPECT_EQ(e, "process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"");
}

TEST(RuntimeSpec, WrongTypesNameThePath) {
  EXPECT_EQ(
      errorOf(
          R"({"ociVersion":"1.2.0","root":{"path":"r"},"process":{"cwd":"/","user":{"uid":"0"}}})"),
      "process.user.uid: expected an integer, got string");
  EXPECT_EQ(errorOf(minimal(R"(,"hostname":5)")), "hostname: expected a string, got integer");
  EXPECT_EQ(errorOf(minimal(R"(,"mounts":{})")), "mounts: expected an array, got object");
  EXPECT_EQ(errorOf(minimal(R"(,"linux":{"resources":{"memory":{"limit":-1.5}}})")),
            "linux.resources.memory.limit: expected an integer, got number");
  EXPECT_EQ(
      errorOf(
          R"({"ociVersion":"1.2.0","root":{"path":"r"},"process":{"cwd":"/","user":{"uid":-1}}})"),
      "process.user.uid: value -1 out of range");
}

TEST(RuntimeSpec, UnknownNamespace) {
  EXPECT_EQ(errorOf(minimal(R"(,"linux":{"namespaces":[{"type":"pid"},{"type":"bogus"}]})")),
            "linux.namespaces[1].type: unknown namespace type \"bogus\"");
  EXPECT_EQ(errorOf(minimal(R"(,"linux":{"namespaces":[{"type":"pid"},{"type":"pid"}]})")),
            "linux.namespaces[1]: duplicate namespace \"pid\"");
}

TEST(RuntimeSpec, RelativeMountDestination) {
  EXPECT_EQ(errorOf(minimal(
                R"(,"mounts":[{"destination":"/proc","type":"proc"},{"destination":"tmp"}])")),
            "mounts[1].destination: must be an absolute path, got \"tmp\"");
}

TEST(RuntimeSpec, MissingRootAndBadJson) {
  EXPECT_EQ(errorOf(R"({"ociVersion":"1.2.0"})"), "root: required");
  EXPECT_EQ(errorOf(R"({"ociVersion":"1.2.0","root":{}})"), "root.path: required");
  EXPECT_EQ(errorOf("[]"), "(root): expected an object, got array");
  EXPECT_NE(errorOf("{").find("invalid JSON in config.json"), std::string::npos);
}

TEST(RuntimeSpec, UnknownRlimitAndOthers) {
  EXPECT_EQ(errorOf(minimal().substr(0, minimal().size() - 2) +
                    R"(,"rlimits":[{"type":"RLIMIT_BOGUS","hard":1,"soft":1}]}})"),
            "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"");
  EXPECT_EQ(errorOf(minimal(R"(,"linux":{"devices":[{"type":"x","path":"/dev/x"}]})")),
            "linux.devices[0].type: unknown device type \"x\"");
  EXPECT_EQ(errorOf(minimal(R"(,"hooks":{"prestart":[{"path":"rel"}]})")),
            "hooks.prestart[0].path: must be an absolute path, got \"rel\"");
}

TEST(RuntimeSpec, RoundTripsDefaults) {
  for (const Spec& s : {runcDefaultSpec(), dockerDefaultSpec()}) {
    auto back = parseSpec(serializeSpec(s));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, s);
  }
}

TEST(RuntimeSpec, RoundTripsEverything) {
  std::string json = R"({
    "ociVersion": "1.2.0",
    "process": {"terminal": true, "consoleSize": {"height": 24, "width": 80},
      "user": {"uid": 1, "gid": 2, "umask": 18, "additionalGids": [3, 4]},
      "args": ["a", "b"], "env": ["X=1"], "cwd": "/w",
      "capabilities": {"bounding": ["CAP_KILL"], "ambient": ["CAP_KILL"]},
      "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 10, "soft": 5}],
      "noNewPrivileges": true, "oomScoreAdj": 100,
      "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4}},
    "root": {"path": "/abs", "readonly": true},
    "hostname": "h", "domainname": "d",
    "mounts": [{"destination": "/data", "type": "bind", "source": "/src", "options": ["rbind", "ro"]}],
    "hooks": {"poststop": [{"path": "/bin/x", "args": ["x"], "timeout": 3}]},
    "annotations": {"a": "b"},
    "linux": {
      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 65536}],
      "sysctl": {"net.ipv4.ip_forward": "1"},
      "resources": {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}],
        "memory": {"limit": 1048576, "swap": 2097152, "disableOOMKiller": true},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"},
        "pids": {"limit": 10},
        "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
        "blockIO": {"weight": 500, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 100}]},
        "unified": {"memory.high": "1000000"}},
      "cgroupsPath": "/wharf/x",
      "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"}],
      "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438}],
      "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
      "rootfsPropagation": "rslave", "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
      "timeOffsets": {"monotonic": {"secs": 5}}
    }})";
  auto s = parseSpec(json);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->linux->resources->memory->limit, 1048576);
  EXPECT_EQ(s->linux->resources->network->classID, 1048577u);
  EXPECT_EQ(s->linux->resources->network->priorities.at(0).priority, 500u);
  EXPECT_EQ(s->linux->findNamespace("network")->path, "/run/netns/x");
  EXPECT_EQ(s->linux->timeOffsets.at("monotonic"), 5);
  auto back = parseSpec(serializeSpec(*s));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, *s);
}

TEST(RuntimeSpec, DockerDefaults) {
  Spec s = dockerDefaultSpec();
  EXPECT_EQ(s.process->capabilities->bounding.size(), 14u);
  EXPECT_EQ(s.process->capabilities->effective, s.process->capabilities->bounding);
  EXPECT_EQ(s.process->capabilities->permitted, s.process->capabilities->bounding);
  EXPECT_TRUE(s.process->capabilities->inheritable.empty());
  for (const char* ns : {"pid", "ipc", "uts", "mount", "network"})
    EXPECT_NE(s.linux->findNamespace(ns), nullptr) << ns;
  EXPECT_EQ(s.linux->findNamespace("user"), nullptr);
  std::vector<std::string> dests;
  for (const auto& m : s.mounts) dests.push_back(m.destination);
  EXPECT_EQ(dests, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup",
                                             "/dev/mqueue", "/dev/shm"}));
  EXPECT_FALSE(s.linux->maskedPaths.empty());
  EXPECT_FALSE(s.linux->readonlyPaths.empty());
}

TEST(RuntimeSpec, CapabilityAndRlimitTables) {
  EXPECT_EQ(capabilityNumber("CAP_CHOWN"), 0);
  EXPECT_EQ(capabilityNumber("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capabilityNumber("CAP_CHECKPOINT_RESTORE"), 40);
  EXPECT_EQ(capabilityNumber("CAP_NOPE"), -1);
  EXPECT_EQ(capabilityName(13), "CAP_NET_RAW");
  EXPECT_GE(rlimitNumber("RLIMIT_NOFILE"), 0);
  EXPECT_EQ(rlimitNumber("NOFILE"), -1);
}

}  // namespace
}  // namespace wharf::oci
