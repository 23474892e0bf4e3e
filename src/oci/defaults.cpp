#include "oci/defaults.h"

namespace wharf::oci {

namespace {

std::vector<std::string> maskedPaths() {
  return {"/proc/asound",     "/proc/acpi",        "/proc/interrupts",
          "/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
          "/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap"};
}

std::vector<std::string> readonlyPaths() {
  return {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
}

Namespace ns(const char* type) { return Namespace{type, ""}; }

}  // namespace

const std::vector<std::string>& dockerDefaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

Spec runcDefaultSpec() {
  Spec s;
  Process p;
  p.terminal = true;
  p.args = {"sh"};
  p.env = {kDefaultPathEnv, "TERM=xterm"};
  p.cwd = "/";
  std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  p.capabilities = Capabilities{caps, caps, {}, caps, {}};
  p.rlimits = {Rlimit{"RLIMIT_NOFILE", 1024, 1024}};
  p.noNewPrivileges = true;
  s.process = std::move(p);
  s.root = Root{"rootfs", true};
  s.hostname = "runc";
  s.mounts = {
      {"/proc", "proc", "proc", {}, {}, {}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}, {}, {}},
      {"/dev/pts",
       "devpts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
       {},
       {}},
      {"/dev/shm",
       "tmpfs",
       "shm",
       {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"},
       {},
       {}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}, {}, {}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}, {}, {}},
      {"/sys/fs/cgroup",
       "cgroup",
       "cgroup",
       {"nosuid", "noexec", "nodev", "relatime", "ro"},
       {},
       {}},
  };
  Linux l;
  l.resources = Resources{};
  l.resources->devices = {DeviceCgroup{false, "", std::nullopt, std::nullopt, "rwm"}};
  l.namespaces = {ns("pid"), ns("network"), ns("ipc"), ns("uts"), ns("mount"), ns("cgroup")};
  l.maskedPaths = maskedPaths();
  l.readonlyPaths = readonlyPaths();
  s.linux = std::move(l);
  return s;
}

Spec dockerDefaultSpec() {
  Spec s;
  Process p;
  p.env = {kDefaultPathEnv};
  p.cwd = "/";
  const auto& caps = dockerDefaultCapabilities();
  p.capabilities = Capabilities{caps, caps, {}, caps, {}};
  s.process = std::move(p);
  s.root = Root{"rootfs", false};
  s.mounts = {
      {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}, {}, {}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}, {}, {}},
      {"/dev/pts",
       "devpts",
       "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
       {},
       {}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}, {}, {}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}, {}, {}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}, {}, {}},
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777"}, {}, {}},
  };
  Linux l;
  l.resources = Resources{};
  l.resources->devices = {DeviceCgroup{false, "", std::nullopt, std::nullopt, "rwm"}};
  l.namespaces = {ns("mount"), ns("network"), ns("uts"), ns("pid"), ns("ipc")};
  l.maskedPaths = maskedPaths();
  l.readonlyPaths = readonlyPaths();
  s.linux = std::move(l);
  return s;
}

}  // namespace wharf::oci
