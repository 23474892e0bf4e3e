#include "volume/mount_spec.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <vector>

namespace wharf::volume {

namespace {

std::vector<std::string> split(const std::string& s, char sep, size_t maxParts = 0) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    if (next == std::string::npos || (maxParts && out.size() + 1 == maxParts)) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
}

bool isPropagation(const std::string& o) {
  return o == "private" || o == "rprivate" || o == "shared" || o == "rshared" || o == "slave" ||
         o == "rslave";
}

// linuxValidMountMode, plus "U".
bool validMode(const std::string& mode) {
  if (mode.empty()) return true;
  int rw = 0, label = 0, prop = 0, copy = 0, consistency = 0, chown = 0;
  for (const auto& o : split(mode, ',')) {
    if (o == "ro" || o == "rw")
      ++rw;
    else if (o == "z" || o == "Z")
      ++label;
    else if (isPropagation(o))
      ++prop;
    else if (o == "nocopy")
      ++copy;
    else if (o == "consistent" || o == "cached" || o == "delegated")
      ++consistency;
    else if (o == "U")
      ++chown;
    else
      return false;
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1 && consistency <= 1 && chown <= 1;
}

bool hasMode(const std::string& mode, const char* word) {
  for (const auto& o : split(mode, ','))
    if (o == word) return true;
  return false;
}

std::string cleanPath(const std::string& p) {
  std::string c = std::filesystem::path(p).lexically_normal().string();
  if (c.size() > 1 && c.back() == '/') c.pop_back();
  return c;
}

Error mountConfigError(const std::string& type, const std::string& what) {
  return invalidArgument("invalid mount config for type \"" + type + "\": " + what);
}

Status validateTarget(const std::string& type, const std::string& target) {
  if (target.empty()) return mountConfigError(type, "field Target must not be empty");
  if (cleanPath(target) == "/")
    return mountConfigError(type, "invalid specification: destination can't be '/'");
  if (target[0] != '/')
    return mountConfigError(type,
                            "invalid mount path: '" + target + "' mount path must be absolute");
  return okStatus();
}

// mount.ParseTmpfsOptions's vocabulary: mount flags and tmpfs's own keys.
Status validateTmpfsOptions(const std::string& options) {
  static const char* kFlags[] = {"defaults",  "ro",         "rw",          "suid",
                                 "nosuid",    "dev",        "nodev",       "exec",
                                 "noexec",    "sync",       "async",       "dirsync",
                                 "atime",     "noatime",    "diratime",    "nodiratime",
                                 "relatime",  "norelatime", "strictatime", "nostrictatime",
                                 "tmpcopyup", "notmpcopyup"};
  static const char* kKeys[] = {"size",      "mode", "uid",  "gid",   "nr_inodes",
                                "nr_blocks", "mpol", "huge", "noswap"};
  if (options.empty()) return okStatus();
  for (const auto& o : split(options, ',')) {
    bool ok = false;
    for (const char* f : kFlags) ok = ok || o == f;
    std::string key = o.substr(0, o.find('='));
    if (o.find('=') != std::string::npos)
      for (const char* k : kKeys) ok = ok || key == k;
    if (!ok) return invalidArgument("invalid tmpfs option [\"" + o + "\"]");
  }
  return okStatus();
}

}  // namespace

std::string tmpfsOptionsString(int64_t sizeBytes, uint32_t mode, bool readOnly) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ",") + s; };
  if (readOnly) add("ro");
  if (mode != 0) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "mode=%o", mode);
    add(buf);
  }
  if (sizeBytes != 0) {
    int64_t size = sizeBytes;
    std::string suffix;
    for (auto [s, div] : {std::pair{"g", int64_t{1} << 30}, std::pair{"m", int64_t{1} << 20},
                          std::pair{"k", int64_t{1} << 10}}) {
      if (size % div == 0) {
        size /= div;
        suffix = s;
        break;
      }
    }
    add("size=" + std::to_string(size) + suffix);
  }
  return out;
}

Result<MountPoint> parseBind(const std::string& raw) {
  auto invalidSpec = [&] { return invalidArgument("invalid volume specification: '" + raw + "'"); };
  std::vector<std::string> arr = split(raw, ':', 4);
  if (arr[0].empty()) return invalidSpec();
  MountRequest spec;
  std::string mode;
  switch (arr.size()) {
    case 1:
      spec.target = arr[0];
      break;
    case 2:
      // "/foo:rw" is a destination with a mode and no source: not a volume.
      if (validMode(arr[1])) return invalidSpec();
      spec.source = arr[0];
      spec.target = arr[1];
      break;
    case 3:
      spec.source = arr[0];
      spec.target = arr[1];
      mode = arr[2];
      break;
    default:
      return invalidSpec();
  }
  if (!validMode(mode)) return invalidArgument("invalid mode: " + mode);
  spec.type = !spec.source.empty() && spec.source[0] == '/' ? "bind" : "volume";
  spec.readOnly = hasMode(mode, "ro");
  if (hasMode(mode, "nocopy")) {
    spec.hasVolumeOptions = true;
    spec.noCopy = true;
  }
  for (const auto& o : split(mode, ','))
    if (isPropagation(o)) {
      spec.hasBindOptions = true;
      spec.propagation = o;
    }
  // The engine checks a bind's source when the container starts (and creates it then).
  MountRequest checked = spec;
  if (checked.type == "bind") checked.createMountpoint = true;
  if (checked.type == "volume" && checked.hasBindOptions) checked.hasBindOptions = false;
  auto mp = parseMount(checked);
  if (!mp.ok())
    return invalidArgument("invalid volume specification: '" + raw + "': " + mp.error().message());
  mp->mode = mode;
  mp->chown = hasMode(mode, "U");
  mp->createSource = mp->type == "bind";
  // A propagation on a volume is carried (docker keeps it) but only binds use it.
  if (mp->type == "volume" && spec.hasBindOptions) mp->propagation = spec.propagation;
  return mp;
}

Result<MountPoint> parseMount(const MountRequest& m) {
  WHARF_TRY(validateTarget(m.type, m.target));
  MountPoint mp;
  mp.type = m.type;
  mp.rw = !m.readOnly;
  mp.destination = cleanPath(m.target);
  if (m.type == "bind") {
    if (m.source.empty()) return mountConfigError(m.type, "field Source must not be empty");
    if (m.hasBindOptions && !m.propagation.empty() && !isPropagation(m.propagation))
      return mountConfigError(m.type, "invalid propagation mode: " + m.propagation);
    if (m.hasVolumeOptions)
      return mountConfigError(m.type, "field VolumeOptions must not be specified");
    if (m.hasTmpfsOptions)
      return mountConfigError(m.type, "field TmpfsOptions must not be specified");
    if (m.source[0] != '/')
      return mountConfigError(m.type,
                              "invalid mount path: '" + m.source + "' mount path must be absolute");
    struct stat st {};
    if (!m.createMountpoint && ::stat(m.source.c_str(), &st) != 0)
      return mountConfigError(m.type, "bind source path does not exist: " + m.source);
    mp.source = cleanPath(m.source);
    mp.propagation = m.propagation.empty() ? "rprivate" : m.propagation;
    mp.nonRecursive = m.nonRecursive;
  } else if (m.type == "volume") {
    if (m.hasBindOptions)
      return mountConfigError(m.type, "field BindOptions must not be specified");
    if (m.hasTmpfsOptions)
      return mountConfigError(m.type, "field TmpfsOptions must not be specified");
    if (!m.subpath.empty())
      return mountConfigError(m.type, "volume subpaths are not supported by wharf yet");
    if (m.readOnly && m.source.empty())
      return mountConfigError(m.type, "must not set ReadOnly mode when using anonymous volumes");
    mp.name = m.source;
    mp.anonymous = m.source.empty();
    mp.driver = m.volumeDriver.empty() ? "local" : m.volumeDriver;
    mp.copyData = !m.noCopy;
    mp.volumeOptions = m.volumeDriverOptions;
    mp.volumeLabels = m.volumeLabels;
  } else if (m.type == "tmpfs") {
    if (m.hasBindOptions)
      return mountConfigError(m.type, "field BindOptions must not be specified");
    if (m.hasVolumeOptions)
      return mountConfigError(m.type, "field VolumeOptions must not be specified");
    if (!m.source.empty()) return mountConfigError(m.type, "field Source must not be specified");
    mp.tmpfsOptions = tmpfsOptionsString(m.tmpfsSizeBytes, m.tmpfsMode, m.readOnly);
  } else {
    return mountConfigError(m.type, "mount type unknown");
  }
  return mp;
}

Result<MountPoint> parseTmpfs(const std::string& destination, const std::string& options) {
  if (cleanPath(destination) == "/")
    return invalidArgument("invalid specification: destination can't be '/'");
  if (destination.empty() || destination[0] != '/')
    return invalidArgument("invalid mount path: '" + destination + "' mount path must be absolute");
  WHARF_TRY(validateTmpfsOptions(options));
  MountPoint mp;
  mp.type = "tmpfs";
  mp.destination = cleanPath(destination);
  mp.tmpfsOptions = options;
  mp.rw = !hasMode(options, "ro");
  return mp;
}

Result<std::pair<std::string, std::string>> parseVolumesFrom(const std::string& spec) {
  if (spec.empty()) return invalidArgument("volumes-from specification cannot be an empty string");
  size_t colon = spec.find(':');
  std::string id = spec.substr(0, colon);
  std::string mode = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (mode.empty()) return std::pair{id, std::string("rw")};
  bool bad = !validMode(mode) || hasMode(mode, "nocopy") || hasMode(mode, "U");
  for (const auto& o : split(mode, ',')) bad = bad || isPropagation(o);
  if (bad) return invalidArgument("invalid mode: " + mode);
  return std::pair{id, mode};
}

}  // namespace wharf::volume
