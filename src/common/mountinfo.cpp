#include "common/mountinfo.h"

#include "common/fs.h"

namespace wharf {

namespace {

std::string unescapeOctal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::set<std::string> parseMountPoints(std::string_view text) {
  std::set<std::string> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // id parent major:minor root mountpoint ...
    size_t pos = 0;
    for (int field = 0; field < 4 && pos != std::string_view::npos; ++field) {
      pos = line.find(' ', pos);
      if (pos != std::string_view::npos) ++pos;
    }
    if (pos == std::string_view::npos || pos >= line.size()) continue;
    size_t end = line.find(' ', pos);
    out.insert(unescapeOctal(line.substr(pos, end == std::string_view::npos ? end : end - pos)));
  }
  return out;
}

std::vector<MountInfoEntry> parseMountInfo(std::string_view text) {
  std::vector<MountInfoEntry> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::vector<std::string_view> fields;
    while (!line.empty()) {
      size_t sp = line.find(' ');
      if (sp != 0) fields.push_back(line.substr(0, sp));
      if (sp == std::string_view::npos) break;
      line.remove_prefix(sp + 1);
    }
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 6 || dash + 2 >= fields.size()) continue;
    MountInfoEntry e;
    e.root = unescapeOctal(fields[3]);
    e.mountPoint = unescapeOctal(fields[4]);
    e.fsType = std::string(fields[dash + 1]);
    if (dash + 3 < fields.size()) {
      std::string_view opts = fields[dash + 3];
      while (!opts.empty()) {
        size_t comma = opts.find(',');
        e.superOptions.emplace_back(opts.substr(0, comma));
        if (comma == std::string_view::npos) break;
        opts.remove_prefix(comma + 1);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::set<std::string>> mountPoints() {
  WHARF_ASSIGN_OR_RETURN(std::string text, fs::readFile("/proc/self/mountinfo"));
  return parseMountPoints(text);
}

Result<bool> isMountPoint(const std::string& path) {
  WHARF_ASSIGN_OR_RETURN(auto points, mountPoints());
  return points.count(path) > 0;
}

}  // namespace wharf
