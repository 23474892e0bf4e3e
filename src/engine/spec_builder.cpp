#include "engine/spec_builder.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "common/fs.h"
#include "engine/resource_limits.h"
#include "oci/defaults.h"
#include "oci/seccomp_default.h"

namespace wharf::engine {

namespace {

bool parseUint(std::string_view s, uint32_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string> splitColon(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ':')) out.push_back(f);
  if (!line.empty() && line.back() == ':') out.emplace_back();
  return out;
}

std::vector<std::vector<std::string>> readDb(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  auto text = fs::readFile(path);
  if (!text.ok()) return rows;
  std::stringstream ss(*text);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.empty() || line[0] == '#') continue;
    rows.push_back(splitColon(line));
  }
  return rows;
}

}  // namespace

std::vector<std::string> containerEnv(const ContainerInfo& c) {
  std::vector<std::string> out = {oci::kDefaultPathEnv, "HOSTNAME=" + c.spec.hostname};
  if (c.spec.tty) out.emplace_back("TERM=xterm");
  // The config's variables replace the defaults in place, the rest are appended (docker's
  // ReplaceOrAppendEnvValues).
  for (const auto& kv : c.spec.env) {
    std::string key = kv.substr(0, kv.find('='));
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    if (it != out.end()) {
      *it = kv;
    } else {
      out.push_back(kv);
    }
  }
  return out;
}

Result<oci::User> resolveUser(const std::string& spec, const std::string& rootfs) {
  oci::User u;
  std::string userPart = spec, groupPart;
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    userPart = spec.substr(0, colon);
    groupPart = spec.substr(colon + 1);
  }
  if (userPart.empty()) userPart = "0";
  auto passwd = readDb(rootfs + "/etc/passwd");
  auto groups = readDb(rootfs + "/etc/group");
  std::string userName;
  bool found = false;
  uint32_t uid = 0;
  bool numeric = parseUint(userPart, &uid);
  for (const auto& row : passwd) {
    if (row.size() < 4) continue;
    uint32_t rowUid = 0, rowGid = 0;
    if (!parseUint(row[2], &rowUid) || !parseUint(row[3], &rowGid)) continue;
    if ((numeric && rowUid == uid) || (!numeric && row[0] == userPart)) {
      u.uid = rowUid;
      u.gid = rowGid;
      userName = row[0];
      found = true;
      break;
    }
  }
  if (!found) {
    if (!numeric) {
      return invalidArgument("unable to find user " + userPart +
                             ": no matching entries in passwd file");
    }
    u.uid = uid;
    u.gid = 0;
  }
  if (!groupPart.empty()) {
    uint32_t gid = 0;
    if (parseUint(groupPart, &gid)) {
      u.gid = gid;
    } else {
      bool g = false;
      for (const auto& row : groups) {
        if (row.size() >= 3 && row[0] == groupPart && parseUint(row[2], &gid)) {
          u.gid = gid;
          g = true;
          break;
        }
      }
      if (!g) {
        return invalidArgument("unable to find group " + groupPart +
                               ": no matching entries in group file");
      }
    }
  } else if (!userName.empty()) {
    // Supplementary groups: every group listing the user as a member.
    for (const auto& row : groups) {
      if (row.size() < 4) continue;
      uint32_t gid = 0;
      if (!parseUint(row[2], &gid) || gid == u.gid) continue;
      std::stringstream members(row[3]);
      std::string m;
      while (std::getline(members, m, ',')) {
        if (m == userName) u.additionalGids.push_back(gid);
      }
    }
  }
  return u;
}

Result<std::string> normalizeCapability(const std::string& name) {
  std::string up;
  for (char c : name) up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (up == "ALL") return up;
  if (up.rfind("CAP_", 0) != 0) up = "CAP_" + up;
  if (oci::capabilityNumber(up) < 0) return invalidArgument("unknown capability: \"" + name + "\"");
  return up;
}

Result<std::vector<std::string>> applyCapabilityChanges(const std::vector<std::string>& base,
                                                        const std::vector<std::string>& add,
                                                        const std::vector<std::string>& drop,
                                                        uint64_t available) {
  std::vector<std::string> adds, drops;
  for (const auto& a : add) {
    WHARF_ASSIGN_OR_RETURN(std::string n, normalizeCapability(a));
    adds.push_back(n);
  }
  for (const auto& d : drop) {
    WHARF_ASSIGN_OR_RETURN(std::string n, normalizeCapability(d));
    drops.push_back(n);
  }
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  std::vector<std::string> out;
  if (has(adds, "ALL")) {
    for (int i = 0; i <= oci::kLastCapability; ++i) {
      if (available & (1ull << i)) out.emplace_back(oci::capabilityName(i));
    }
  } else {
    out = base;
    for (const auto& a : adds) {
      if (!has(out, a)) out.push_back(a);
    }
  }
  if (has(drops, "ALL")) {
    // --cap-drop ALL --cap-add X keeps exactly the added ones.
    out.clear();
    for (const auto& a : adds) {
      if (a != "ALL") out.push_back(a);
    }
    return out;
  }
  out.erase(
      std::remove_if(out.begin(), out.end(), [&](const std::string& c) { return has(drops, c); }),
      out.end());
  return out;
}

Result<SecurityOptions> parseSecurityOpts(const std::vector<std::string>& opts) {
  SecurityOptions out;
  for (const auto& opt : opts) {
    if (opt == "no-new-privileges") {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt == "disable") continue;  // label=disable's short form
    size_t sep = opt.find('=');
    if (sep == std::string::npos) sep = opt.find(':');  // before docker 17.04
    if (sep == std::string::npos)
      return invalidArgument("invalid --security-opt 1: \"" + opt + "\"");
    std::string key = opt.substr(0, sep), value = opt.substr(sep + 1);
    if (key == "seccomp") {
      out.seccompProfile = value;
    } else if (key == "no-new-privileges") {
      // Go's strconv.ParseBool.
      if (value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
          value == "True") {
        out.noNewPrivileges = true;
      } else if (value == "0" || value == "f" || value == "F" || value == "false" ||
                 value == "FALSE" || value == "False") {
        out.noNewPrivileges = false;
      } else {
        return invalidArgument("invalid --security-opt 2: \"" + opt + "\"");
      }
    } else if (key != "label" && key != "apparmor") {
      return invalidArgument("invalid --security-opt 2: \"" + opt + "\"");
    }
  }
  return out;
}

Result<std::vector<std::string>> containerCapabilities(const ContainerSpec& cs,
                                                       uint64_t available) {
  std::vector<std::string> caps = oci::dockerDefaultCapabilities();
  if (cs.privileged) {
    WHARF_ASSIGN_OR_RETURN(caps, applyCapabilityChanges({}, {"ALL"}, {}, available));
  }
  return applyCapabilityChanges(caps, cs.capAdd, cs.capDrop, available);
}

Result<std::optional<oci::Seccomp>> containerSeccomp(const ContainerSpec& cs,
                                                     const std::vector<std::string>& caps,
                                                     const oci::SeccompHost& host) {
  WHARF_ASSIGN_OR_RETURN(SecurityOptions sec, parseSecurityOpts(cs.securityOpt));
  if (cs.privileged || sec.seccompProfile == "unconfined") return std::optional<oci::Seccomp>();
  if (sec.seccompProfile.empty() || sec.seccompProfile == "builtin")
    return std::optional<oci::Seccomp>(oci::dockerDefaultSeccomp(caps, host));
  return oci::loadSeccompProfile(sec.seccompProfile, caps, host);
}

Status validateSecurity(const ContainerSpec& cs, uint64_t available) {
  WHARF_ASSIGN_OR_RETURN(SecurityOptions sec, parseSecurityOpts(cs.securityOpt));
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> caps, containerCapabilities(cs, available));
  // Checked with --privileged too, where Docker ignores it: a broken profile is still a mistake.
  if (sec.seccompProfile.empty() || sec.seccompProfile == "builtin" ||
      sec.seccompProfile == "unconfined")
    return okStatus();
  auto profile = oci::loadSeccompProfile(sec.seccompProfile, caps, oci::SeccompHost::current());
  if (!profile.ok()) return std::move(profile).error();
  return okStatus();
}

uint64_t daemonCapabilityBounding() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("CapBnd:", 0) == 0) {
      return std::stoull(line.substr(7), nullptr, 16);
    }
  }
  return 0;
}

Result<oci::Spec> buildSpec(const ContainerInfo& c, const SpecContext& ctx) {
  oci::Spec spec = oci::dockerDefaultSpec();
  const ContainerSpec& cs = c.spec;
  spec.root = oci::Root{ctx.rootfs, cs.readonlyRootfs};
  spec.hostname = cs.hostname;
  spec.domainname = cs.domainname;

  oci::Process& p = spec.process ? *spec.process : spec.process.emplace();
  p.args = c.path;
  p.env = containerEnv(c);
  p.cwd = cs.workingDir.empty() ? "/" : cs.workingDir;
  p.terminal = cs.tty;  // the shim receives the pty master (engine/shim/shim.h)
  WHARF_ASSIGN_OR_RETURN(p.user, resolveUser(cs.user, ctx.rootfs));
  WHARF_ASSIGN_OR_RETURN(SecurityOptions sec, parseSecurityOpts(cs.securityOpt));
  p.noNewPrivileges = sec.noNewPrivileges;

  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> caps,
                         containerCapabilities(cs, ctx.daemonCapBounding));
  oci::Capabilities pc;
  pc.bounding = pc.effective = pc.permitted = caps;
  p.capabilities = pc;

  oci::Linux& lx = spec.linux ? *spec.linux : spec.linux.emplace();
  lx.cgroupsPath = "/wharf/" + c.id;
  // -m, --cpus, --pids-limit ... (checked at create and update: engine/resource_limits.h).
  applyToOci(cs.resources, lx.resources ? *lx.resources : lx.resources.emplace());
  WHARF_ASSIGN_OR_RETURN(lx.seccomp, containerSeccomp(cs, caps, ctx.seccompHost));
  if (cs.networkMode == "host") {
    lx.namespaces.erase(std::remove_if(lx.namespaces.begin(), lx.namespaces.end(),
                                       [](const oci::Namespace& n) { return n.type == "network"; }),
                        lx.namespaces.end());
  }
  if (cs.privileged) {
    lx.maskedPaths.clear();
    lx.readonlyPaths.clear();
    for (auto& m : spec.mounts) {
      if (m.destination == "/sys" || m.destination == "/sys/fs/cgroup") {
        m.options.erase(std::remove(m.options.begin(), m.options.end(), "ro"), m.options.end());
      }
    }
  }
  auto bind = [&](const std::string& dest, const std::string& src) {
    if (src.empty()) return;
    oci::Mount m;
    m.destination = dest;
    m.type = "bind";
    m.source = src;
    m.options = {"rbind", "rprivate"};
    spec.mounts.push_back(std::move(m));
  };
  bind("/etc/resolv.conf", c.resolvConfPath);
  bind("/etc/hostname", c.hostnamePath);
  bind("/etc/hosts", c.hostsPath);
  return spec;
}

}  // namespace wharf::engine
