#include "volume/mount_options.h"

#include <sys/mount.h>

#include <utility>

namespace wharf::volume {

namespace {

struct FlagWord {
  const char* word;
  bool clear;  // the word turns the flag off ("rw", "suid")
  unsigned long flag;
};

constexpr FlagWord kFlags[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID},
    {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},
    {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};

}  // namespace

ParsedMountOptions parseMountOptions(std::string_view options) {
  ParsedMountOptions out;
  size_t pos = 0;
  while (pos <= options.size()) {
    size_t comma = options.find(',', pos);
    if (comma == std::string_view::npos) comma = options.size();
    std::string_view word = options.substr(pos, comma - pos);
    pos = comma + 1;
    if (word.empty()) continue;
    bool known = false;
    for (const auto& f : kFlags) {
      if (word != f.word) continue;
      known = true;
      if (f.clear)
        out.flags &= ~f.flag;
      else
        out.flags |= f.flag;
      break;
    }
    if (known) continue;
    if (!out.data.empty()) out.data += ',';
    out.data += word;
  }
  return out;
}

}  // namespace wharf::volume
