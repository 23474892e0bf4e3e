#include "runtime/internal/home_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/unique_fd.h"

namespace wharf::runtime {

namespace {

constexpr size_t kMaxPasswd = 4 << 20;

// The whole file, or "" for anything but a readable regular file of sane size. O_NONBLOCK:
// the image owns this path, and a FIFO there must not hang the container's start.
std::string readPasswd(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > kMaxPasswd)
    return {};
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxPasswd) return {};
  }
  return out;
}

}  // namespace

std::string homeFromPasswd(std::string_view passwd, uint32_t uid) {
  while (!passwd.empty()) {
    size_t eol = passwd.find('\n');
    std::string_view line = passwd.substr(0, eol);
    passwd = eol == std::string_view::npos ? std::string_view() : passwd.substr(eol + 1);
    // name:password:uid:gid:gecos:home:shell
    std::string_view fields[7];
    size_t n = 0;
    for (size_t start = 0; n < 7;) {
      size_t colon = line.find(':', start);
      fields[n++] = line.substr(start, colon == std::string_view::npos ? colon : colon - start);
      if (colon == std::string_view::npos) break;
      start = colon + 1;
    }
    if (n < 6) continue;
    uint32_t lineUid = 0;
    auto [end, ec] =
        std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), lineUid);
    if (ec != std::errc() || end != fields[2].data() + fields[2].size() || fields[2].empty())
      continue;
    if (lineUid != uid) continue;
    return fields[5].empty() ? "/" : std::string(fields[5]);
  }
  return "/";
}

std::vector<std::string> withHomeEnv(std::vector<std::string> env, uint32_t uid,
                                     const char* passwdPath) {
  for (const auto& e : env)
    if (e.rfind("HOME=", 0) == 0) return env;
  env.push_back("HOME=" + homeFromPasswd(readPasswd(passwdPath), uid));
  return env;
}

}  // namespace wharf::runtime
