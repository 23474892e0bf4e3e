// The docker CLI's mount flags (docker/cli opts/mount.go, opts/parse.go): `--mount` CSV into a
// HostConfig.Mounts entry, `--tmpfs /p[:opts]`, and `-v` split between Binds and anonymous
// Config.Volumes. The daemon checks what it receives again (volume/mount_spec.h); these are the
// checks and the messages the docker CLI gives before it sends anything.

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "cli/run_options.h"

namespace wharf::cli {

namespace {

// encoding/csv for one record: commas separate fields, double quotes group ("" is a quote).
Result<std::vector<std::string>> csvFields(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, wasQuoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"' && cur.empty() && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
      wasQuoted = false;
    } else {
      cur.push_back(c);
    }
  }
  if (quoted)
    return invalidArgument("parse error on line 1, column " + std::to_string(s.size() + 1) +
                           ": extraneous or missing \" in quoted-field");
  out.push_back(std::move(cur));
  return out;
}

// Go's strconv.ParseBool.
std::optional<bool> parseBool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False")
    return false;
  return std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<int64_t> ramInBytes(const std::string& s) {
  // go-units RAMInBytes: a number (decimals allowed), optional space, then k/m/g/t/p with an
  // optional "i" and "b" (binary multiples either way).
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  char* end = nullptr;
  std::string num = s.substr(0, i);
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return std::nullopt;
  std::string unit = lower(s.substr(i));
  if (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
  double mult = 1;
  if (!unit.empty()) {
    const std::string prefixes = "kmgtp";
    size_t p = prefixes.find(unit[0]);
    if (p != std::string::npos) {
      for (size_t k = 0; k <= p; ++k) mult *= 1024;
      unit.erase(0, 1);
      if (!unit.empty() && unit[0] == 'i') unit.erase(0, 1);
    }
    if (unit == "b") unit.clear();
    if (!unit.empty()) return std::nullopt;
  }
  return static_cast<int64_t>(v * mult);
}

Result<Json> parseMountFlag(const std::string& value) {
  auto bad = [&](const std::string& why) {
    return invalidArgument("invalid argument \"" + value + "\" for \"--mount\" flag: " + why);
  };
  auto fields = csvFields(value);
  if (!fields.ok()) return bad(fields.error().message());
  Json m = {{"Type", "volume"}};
  Json volumeOptions, bindOptions, tmpfsOptions;
  auto volumeOpts = [&]() -> Json& {
    if (volumeOptions.is_null()) volumeOptions = {{"Labels", Json::object()}};
    return volumeOptions;
  };
  auto bindOpts = [&]() -> Json& {
    if (bindOptions.is_null()) bindOptions = Json::object();
    return bindOptions;
  };
  auto tmpfsOpts = [&]() -> Json& {
    if (tmpfsOptions.is_null()) tmpfsOptions = Json::object();
    return tmpfsOptions;
  };
  for (const std::string& field : *fields) {
    size_t eq = field.find('=');
    std::string key = field.substr(0, eq);
    if (eq == std::string::npos) {
      if (key == "readonly" || key == "ro")
        m["ReadOnly"] = true;
      else if (key == "volume-nocopy")
        volumeOpts()["NoCopy"] = true;
      else if (key == "bind-nonrecursive")
        bindOpts()["NonRecursive"] = true;
      else
        return bad("invalid field '" + field + "' must be a key=value pair");
      continue;
    }
    std::string val = field.substr(eq + 1);
    auto boolean = [&](const std::string& errWhat) -> Result<bool> {
      auto b = parseBool(val);
      if (!b) return bad(errWhat);
      return *b;
    };
    if (key == "type") {
      m["Type"] = lower(val);
    } else if (key == "source" || key == "src") {
      std::string src = val;
      if (src == "." || src.rfind("./", 0) == 0) {
        std::error_code ec;
        auto abs = std::filesystem::absolute(src, ec);
        if (!ec) src = abs.lexically_normal().string();
        if (src.size() > 1 && src.back() == '/') src.pop_back();
      }
      m["Source"] = src;
    } else if (key == "target" || key == "dst" || key == "destination") {
      m["Target"] = val;
    } else if (key == "readonly" || key == "ro") {
      WHARF_ASSIGN_OR_RETURN(bool b, boolean("invalid value for " + key + ": " + val));
      m["ReadOnly"] = b;
    } else if (key == "consistency") {
      m["Consistency"] = lower(val);
    } else if (key == "bind-propagation") {
      bindOpts()["Propagation"] = lower(val);
    } else if (key == "bind-nonrecursive") {
      WHARF_ASSIGN_OR_RETURN(bool b, boolean("invalid value for " + key + ": " + val));
      bindOpts()["NonRecursive"] = b;
    } else if (key == "volume-nocopy") {
      WHARF_ASSIGN_OR_RETURN(bool b, boolean("invalid value for volume-nocopy: " + val));
      volumeOpts()["NoCopy"] = b;
    } else if (key == "volume-label") {
      size_t e2 = val.find('=');
      if (e2 != 0)
        volumeOpts()["Labels"][val.substr(0, e2)] =
            e2 == std::string::npos ? "" : val.substr(e2 + 1);
    } else if (key == "volume-driver") {
      volumeOpts()["DriverConfig"]["Name"] = val;
    } else if (key == "volume-opt") {
      size_t e2 = val.find('=');
      if (e2 != 0)
        volumeOpts()["DriverConfig"]["Options"][val.substr(0, e2)] =
            e2 == std::string::npos ? "" : val.substr(e2 + 1);
    } else if (key == "tmpfs-size") {
      auto bytes = ramInBytes(val);
      if (!bytes) return bad("invalid value for " + key + ": " + val);
      tmpfsOpts()["SizeBytes"] = *bytes;
    } else if (key == "tmpfs-mode") {
      char* end = nullptr;
      unsigned long mode = std::strtoul(val.c_str(), &end, 8);
      if (val.empty() || *end != '\0' || mode > 0xffffffffUL)
        return bad("invalid value for " + key + ": " + val);
      tmpfsOpts()["Mode"] = mode;
    } else {
      return bad("unexpected key '" + key + "' in '" + field + "'");
    }
  }
  std::string type = m["Type"].get<std::string>();
  if (type.empty()) return bad("type is required");
  if (!m.contains("Target")) return bad("target is required");
  if (!volumeOptions.is_null() && type != "volume")
    return bad("cannot mix 'volume-*' options with mount type '" + type + "'");
  if (!bindOptions.is_null() && type != "bind")
    return bad("cannot mix 'bind-*' options with mount type '" + type + "'");
  if (!tmpfsOptions.is_null() && type != "tmpfs")
    return bad("cannot mix 'tmpfs-*' options with mount type '" + type + "'");
  if (!volumeOptions.is_null()) m["VolumeOptions"] = volumeOptions;
  if (!bindOptions.is_null()) m["BindOptions"] = bindOptions;
  if (!tmpfsOptions.is_null()) m["TmpfsOptions"] = tmpfsOptions;
  return m;
}

Status addVolumeFlags(const RunOptions& o, Json& config, Json& hostConfig) {
  Json binds = Json::array(), volumes = Json::object();
  for (const std::string& v : o.volumes) {
    // "/ctr" alone is an anonymous volume: docker sends it as Config.Volumes.
    if (v.find(':') == std::string::npos) {
      volumes[v] = Json::object();
      continue;
    }
    std::string host = v.substr(0, v.find(':'));
    std::string rest = v.substr(v.find(':'));
    // A relative host path starting with "." is made absolute, as the docker CLI does.
    if (!host.empty() && host[0] == '.') {
      std::error_code ec;
      auto abs = std::filesystem::absolute(host, ec);
      if (!ec) {
        host = abs.lexically_normal().string();
        if (host.size() > 1 && host.back() == '/') host.pop_back();
      }
    }
    binds.push_back(host + rest);
  }
  hostConfig["Binds"] = binds.empty() ? Json() : binds;
  if (!volumes.empty()) config["Volumes"] = volumes;
  Json mounts = Json::array();
  for (const std::string& m : o.mounts) {
    WHARF_ASSIGN_OR_RETURN(Json j, parseMountFlag(m));
    mounts.push_back(std::move(j));
  }
  if (!mounts.empty()) hostConfig["Mounts"] = mounts;
  Json tmpfs = Json::object();
  for (const std::string& t : o.tmpfs) {
    size_t colon = t.find(':');
    tmpfs[t.substr(0, colon)] = colon == std::string::npos ? "" : t.substr(colon + 1);
  }
  if (!tmpfs.empty()) hostConfig["Tmpfs"] = tmpfs;
  if (!o.volumesFrom.empty()) hostConfig["VolumesFrom"] = o.volumesFrom;
  return okStatus();
}

}  // namespace wharf::cli
