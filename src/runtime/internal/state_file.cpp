#include "runtime/internal/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include "common/fs.h"
#include "common/json.h"
#include "common/unique_fd.h"

namespace wharf::runtime {

Status writeStateFile(const std::filesystem::path& dir, const PersistedState& p) {
  OrderedJson j;
  const State& s = p.state;
  j["ociVersion"] = s.ociVersion;
  j["id"] = s.id;
  j["pid"] = s.pid;
  j["pidStartTime"] = p.pidStartTime;
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  j["owner"] = s.owner;
  j["annotations"] = s.annotations;
  j["cgroupV2"] = p.cgroupV2;
  j["cgroupDirs"] = p.cgroupDirs;
  // Splice the already-serialized spec in rather than re-parsing it into the tree.
  std::string text = j.dump();
  if (!p.configText.empty()) text.insert(text.size() - 1, ",\"config\":" + p.configText);
  return fs::writeFileAtomic(dir / "state.json", text);
}

Result<PersistedState> readStateFile(const std::filesystem::path& dir, const std::string& id) {
  auto text = fs::readFile(dir / "state.json");
  if (!text.ok()) {
    if (text.error().sysErrno() == ENOENT || text.error().category() == ErrorCategory::kNotFound)
      return notFound("container \"" + id + "\" does not exist");
    return std::move(text).error();
  }
  return parseStateFile(*text, id);
}

Result<PersistedState> parseStateFile(std::string_view text, const std::string& id) {
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, "state.json"));
  PersistedState p;
  try {
    State& s = p.state;
    s.ociVersion = j.value("ociVersion", "");
    s.id = j.value("id", id);
    s.pid = j.value("pid", 0);
    p.pidStartTime = j.value("pidStartTime", uint64_t{0});
    s.bundle = j.value("bundle", "");
    s.rootfs = j.value("rootfs", "");
    s.created = j.value("created", "");
    s.owner = j.value("owner", "");
    if (j.contains("annotations"))
      s.annotations = j["annotations"].get<std::map<std::string, std::string>>();
    p.cgroupV2 = j.value("cgroupV2", false);
    if (j.contains("cgroupDirs")) p.cgroupDirs = j["cgroupDirs"].get<std::vector<std::string>>();
    if (j.contains("config")) p.configText = j["config"].dump();
  } catch (const Json::exception& e) {
    return internalError("state.json of \"" + id + "\": " + e.what());
  }
  return p;
}

ProcInfo procInfo(int pid) {
  ProcInfo info;
  if (pid <= 0) return info;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return info;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return info;
  buf[n] = 0;
  // "pid (comm) S ppid ...": comm may hold spaces and parens, so start after the last ')'.
  char* p = std::strrchr(buf, ')');
  if (!p || p[1] == 0) return info;
  p += 2;
  char stateChar = *p;
  // Field 3 is the state; starttime is field 22.
  int field = 3;
  while (*p && field < 22) {
    if (*p++ == ' ') ++field;
  }
  info.startTime = std::strtoull(p, nullptr, 10);
  info.alive = stateChar != 'Z' && stateChar != 'X';
  return info;
}

}  // namespace wharf::runtime
