#include "common/signals.h"

#include <signal.h>

#include <cctype>
#include <charconv>
#include <string>

namespace wharf {

namespace {

struct SignalName {
  const char* name;
  int number;
};

constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS}};

}  // namespace

Result<int> parseSignal(std::string_view s) {
  auto bad = [&] { return invalidArgument("Invalid signal: " + std::string(s)); };
  if (s.empty()) return bad();
  int n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec == std::errc() && p == s.data() + s.size()) {
    if (n <= 0 || n > SIGRTMAX) return bad();
    return n;
  }
  std::string up;
  for (char c : s) up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (up.rfind("SIG", 0) == 0) up = up.substr(3);
  for (const auto& sig : kSignals) {
    if (up == sig.name) return sig.number;
  }
  // RTMIN+n / RTMAX-n
  if (up.rfind("RTMIN", 0) == 0 || up.rfind("RTMAX", 0) == 0) {
    bool min = up[3] == 'I';
    std::string rest = up.substr(5);
    int off = 0;
    if (!rest.empty()) {
      if (rest[0] != (min ? '+' : '-')) return bad();
      auto [q, ec2] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), off);
      if (ec2 != std::errc() || q != rest.data() + rest.size()) return bad();
    }
    int v = min ? SIGRTMIN + off : SIGRTMAX - off;
    if (v < SIGRTMIN || v > SIGRTMAX) return bad();
    return v;
  }
  return bad();
}

}  // namespace wharf
