#include "volume/local_driver.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <vector>

#include "common/fs.h"
#include "common/mountinfo.h"
#include "volume/mount_options.h"

namespace wharf::volume {

namespace stdfs = std::filesystem;

Status validateVolumeName(const std::string& name) {
  auto ok = [](char c, bool first) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alnum || (!first && (c == '_' || c == '.' || c == '-'));
  };
  // 255: a directory name (docker has no bound; the kernel has this one).
  bool valid = name.size() >= 2 && name.size() <= 255;
  for (size_t i = 0; valid && i < name.size(); ++i) valid = ok(name[i], i == 0);
  if (valid) return okStatus();
  return invalidArgument("create " + name + ": \"" + name +
                         "\" includes invalid characters for a local volume name, only "
                         "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                         "host directory, use absolute path");
}

Status LocalDriver::validateOptions(const Options& opts) const {
  for (const auto& [key, value] : opts) {
    if (key == "size") return invalidArgument("quota size requested but no quota support");
    if (key != "type" && key != "o" && key != "device")
      return invalidArgument("invalid option: \"" + key + "\"");
  }
  // docker's mandatory pairs: a device needs a type, a type a device, options both.
  const std::pair<const char*, std::vector<const char*>> kNeeds[] = {
      {"device", {"type"}}, {"type", {"device"}}, {"o", {"device", "type"}}};
  for (const auto& [opt, needs] : kNeeds) {
    if (!opts.count(opt)) continue;
    for (const char* n : needs)
      if (!opts.count(n))
        return invalidArgument(std::string("missing required option: \"") + n + "\"");
  }
  return okStatus();
}

std::string LocalDriver::mountpoint(const std::string& name) const {
  return (root_ / name / "_data").string();
}

Result<std::string> LocalDriver::create(const std::string& name, const Options& opts) {
  WHARF_TRY(validateVolumeName(name));
  WHARF_TRY(validateOptions(opts));
  WHARF_TRY(fs::mkdirAll(root_, 0701));
  stdfs::path dir = root_ / name;
  if (::mkdir(dir.c_str(), 0701) != 0 && errno != EEXIST) return sysError("mkdir " + dir.string());
  std::string data = mountpoint(name);
  if (::mkdir(data.c_str(), 0755) != 0 && errno != EEXIST) return sysError("mkdir " + data);
  // The umask must not decide who may enter a volume.
  if (::chmod(data.c_str(), 0755) != 0) return sysError("chmod " + data);
  return data;
}

Status LocalDriver::remove(const std::string& name) {
  std::string data = mountpoint(name);
  // Never delete through a mount: a bind of a host directory would lose the host's files.
  auto mounted = isMountPoint(data);
  if (mounted.ok() && *mounted)
    return unavailable("remove " + name + ": its data directory " + data + " is still mounted");
  return fs::removeAll(root_ / name);
}

Result<std::string> LocalDriver::mount(const std::string& name, const Options& opts) {
  std::string data = mountpoint(name);
  auto type = opts.find("type");
  if (type == opts.end()) return data;
  WHARF_ASSIGN_OR_RETURN(bool mounted, isMountPoint(data));
  if (mounted) return data;
  auto device = opts.find("device");
  if (device == opts.end()) return invalidArgument("missing device in volume options");
  auto o = opts.find("o");
  ParsedMountOptions mo = parseMountOptions(o == opts.end() ? "" : o->second);
  if (::mount(device->second.c_str(), data.c_str(), type->second.c_str(), mo.flags,
              mo.data.empty() ? nullptr : mo.data.c_str()) != 0) {
    return sysError("failed to mount local volume: mount " + device->second + ":" + data +
                    ", data: " + mo.data);
  }
  // A bind with "ro" needs a second pass: MS_RDONLY is ignored on the first bind.
  if ((mo.flags & MS_BIND) && (mo.flags & MS_RDONLY) &&
      ::mount("", data.c_str(), "", mo.flags | MS_REMOUNT, nullptr) != 0) {
    Error e = sysError("failed to mount local volume: remount " + data + " read-only");
    ::umount2(data.c_str(), MNT_DETACH);
    return e;
  }
  return data;
}

Status LocalDriver::unmount(const std::string& name, const Options& opts) {
  if (!opts.count("type")) return okStatus();
  std::string data = mountpoint(name);
  WHARF_ASSIGN_OR_RETURN(bool mounted, isMountPoint(data));
  if (!mounted) return okStatus();
  if (::umount2(data.c_str(), 0) == 0) return okStatus();
  // Busy (a process on the host sits in it): detach, the kernel frees it when it can.
  if (errno == EBUSY && ::umount2(data.c_str(), MNT_DETACH) == 0) return okStatus();
  return sysError("unmount volume " + name + " at " + data);
}

}  // namespace wharf::volume
