#include "engine/shim/exit_file.h"

#include <sys/wait.h>

#include <charconv>

#include "common/fs.h"

namespace wharf::shim {

namespace {

template <typename T>
bool parseNumber(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

ExitStatus exitStatusFromWait(int waitStatus, int64_t finishedAtNanos) {
  ExitStatus st;
  st.finishedAtNanos = finishedAtNanos;
  if (WIFSIGNALED(waitStatus)) {
    st.signal = WTERMSIG(waitStatus);
    st.exitCode = 128 + st.signal;
  } else if (WIFEXITED(waitStatus)) {
    st.exitCode = WEXITSTATUS(waitStatus);
  }
  return st;
}

std::string formatExitFile(const ExitStatus& st) {
  std::string out = "wharf-exit 1\n";
  out += "exit_code " + std::to_string(st.exitCode) + "\n";
  out += "signal " + std::to_string(st.signal) + "\n";
  out += "finished_at " + std::to_string(st.finishedAtNanos) + "\n";
  if (st.logDroppedBytes > 0) out += "log_dropped " + std::to_string(st.logDroppedBytes) + "\n";
  if (st.oomKills > 0) out += "oom_kills " + std::to_string(st.oomKills) + "\n";
  if (!st.error.empty()) out += "error " + st.error + "\n";
  return out;
}

Result<ExitStatus> parseExitFile(std::string_view text) {
  ExitStatus st;
  bool sawHeader = false, sawCode = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t sp = line.find(' ');
    std::string_view key = line.substr(0, sp);
    std::string_view val = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    bool ok = true;
    if (key == "wharf-exit") {
      sawHeader = val == "1";
      ok = sawHeader;
    } else if (key == "exit_code") {
      ok = sawCode = parseNumber(val, &st.exitCode);
    } else if (key == "signal") {
      ok = parseNumber(val, &st.signal);
    } else if (key == "finished_at") {
      ok = parseNumber(val, &st.finishedAtNanos);
    } else if (key == "log_dropped") {
      ok = parseNumber(val, &st.logDroppedBytes);
    } else if (key == "oom_kills") {
      ok = parseNumber(val, &st.oomKills);
    } else if (key == "error") {
      // The error runs to the end of the file: it may hold newlines.
      st.error = std::string(val);
      if (!text.empty()) st.error += "\n" + std::string(text);
      while (!st.error.empty() && st.error.back() == '\n') st.error.pop_back();
      break;
    }
    if (!ok) return invalidArgument("exit file: bad line \"" + std::string(line) + "\"");
  }
  if (!sawHeader || !sawCode) return invalidArgument("exit file: incomplete");
  return st;
}

Status writeExitFile(const std::filesystem::path& path, const ExitStatus& st) {
  return fs::writeFileAtomic(path, formatExitFile(st), 0644, false);
}

Result<ExitStatus> readExitFile(const std::filesystem::path& path) {
  WHARF_ASSIGN_OR_RETURN(std::string text, fs::readFile(path));
  return parseExitFile(text);
}

}  // namespace wharf::shim
