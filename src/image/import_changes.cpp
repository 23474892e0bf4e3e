// Dockerfile instructions for `docker import -c` (internal/import_changes.h). The input is a
// flag value: bounded, and parsed with loops only (no regex, no recursion).

#include "image/internal/import_changes.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/json.h"

namespace wharf::image::internal {
namespace {

constexpr size_t kMaxChange = 64 << 10;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Whitespace-separated words; double or single quotes group, backslash escapes (the
// Dockerfile word rules that ENV, LABEL, EXPOSE and VOLUME need).
Result<std::vector<std::string>> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool inWord = false;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < s.size()) {
        cur += s[++i];
      } else {
        cur += c;
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (inWord) out.push_back(std::move(cur));
      cur.clear();
      inWord = false;
      continue;
    }
    inWord = true;
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
    } else {
      cur += c;
    }
  }
  if (quote) return invalidArgument("unterminated quote in \"" + std::string(s) + "\"");
  if (inWord) out.push_back(std::move(cur));
  return out;
}

// The exec form (a JSON array of strings) or the shell form ("/bin/sh -c ...").
Result<std::vector<std::string>> command(std::string_view args) {
  if (!args.empty() && args.front() == '[') {
    auto j = parseJson(args, "change");
    if (j.ok() && j->is_array() &&
        std::all_of(j->begin(), j->end(), [](const Json& v) { return v.is_string(); }))
      return j->get<std::vector<std::string>>();
    // Docker treats an invalid JSON array as the shell form.
  }
  return std::vector<std::string>{"/bin/sh", "-c", std::string(args)};
}

// "K=V K2=V2", or the legacy "K V with spaces" form.
Result<std::vector<std::pair<std::string, std::string>>> keyValues(std::string_view instr,
                                                                   std::string_view args) {
  std::vector<std::pair<std::string, std::string>> out;
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> ws, words(args));
  if (ws.empty()) return invalidArgument(std::string(instr) + " requires at least one argument");
  if (ws[0].find('=') == std::string::npos) {
    if (ws.size() < 2) return invalidArgument(std::string(instr) + " must have two arguments");
    std::string value(trim(args.substr(args.find(ws[0]) + ws[0].size())));
    out.emplace_back(ws[0], value);
    return out;
  }
  for (const auto& w : ws) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return invalidArgument("Syntax error - can't find = in \"" + w +
                             "\". Must be of the form: name=value");
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

}  // namespace

Status applyChange(oci::ImageConfig& cfg, std::string_view change) {
  if (change.size() > kMaxChange) return invalidArgument("change is too long");
  change = trim(change);
  size_t sp = 0;
  while (sp < change.size() && !std::isspace(static_cast<unsigned char>(change[sp]))) ++sp;
  std::string instr(change.substr(0, sp));
  std::transform(instr.begin(), instr.end(), instr.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string_view args = trim(change.substr(sp));
  if (instr.empty()) return invalidArgument("empty change");
  if (instr == "CMD") {
    WHARF_ASSIGN_OR_RETURN(cfg.cmd, command(args));
  } else if (instr == "ENTRYPOINT") {
    WHARF_ASSIGN_OR_RETURN(cfg.entrypoint, command(args));
    if (args.empty()) cfg.entrypoint.clear();
  } else if (instr == "ENV") {
    WHARF_ASSIGN_OR_RETURN(auto kvs, keyValues(instr, args));
    for (const auto& [k, v] : kvs) {
      std::string prefix = k + "=";
      auto it = std::find_if(cfg.env.begin(), cfg.env.end(),
                             [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
      if (it != cfg.env.end())
        *it = prefix + v;
      else
        cfg.env.push_back(prefix + v);
    }
  } else if (instr == "LABEL") {
    WHARF_ASSIGN_OR_RETURN(auto kvs, keyValues(instr, args));
    for (const auto& [k, v] : kvs) cfg.labels[k] = v;
  } else if (instr == "EXPOSE") {
    WHARF_ASSIGN_OR_RETURN(std::vector<std::string> ports, words(args));
    if (ports.empty()) return invalidArgument("EXPOSE requires at least one argument");
    for (auto p : ports) {
      if (p.find('/') == std::string::npos) p += "/tcp";
      if (std::find(cfg.exposedPorts.begin(), cfg.exposedPorts.end(), p) == cfg.exposedPorts.end())
        cfg.exposedPorts.push_back(p);
    }
  } else if (instr == "VOLUME") {
    std::vector<std::string> vols;
    if (!args.empty() && args.front() == '[') {
      auto j = parseJson(args, "VOLUME");
      if (!j.ok() || !j->is_array()) return invalidArgument("VOLUME: invalid JSON array");
      for (const auto& v : *j)
        if (v.is_string()) vols.push_back(v.get<std::string>());
    } else {
      WHARF_ASSIGN_OR_RETURN(vols, words(args));
    }
    if (vols.empty()) return invalidArgument("VOLUME requires at least one argument");
    for (const auto& v : vols)
      if (std::find(cfg.volumes.begin(), cfg.volumes.end(), v) == cfg.volumes.end())
        cfg.volumes.push_back(v);
  } else if (instr == "USER" || instr == "WORKDIR" || instr == "STOPSIGNAL") {
    if (args.empty()) return invalidArgument(instr + " requires exactly one argument");
    std::string v(args);
    if (instr == "USER") cfg.user = v;
    if (instr == "STOPSIGNAL") cfg.stopSignal = v;
    if (instr == "WORKDIR") {
      // Relative to the previous WORKDIR, as in a Dockerfile.
      cfg.workingDir = v.front() == '/'                                  ? v
                       : cfg.workingDir.empty() || cfg.workingDir == "/" ? "/" + v
                                                                         : cfg.workingDir + "/" + v;
    }
  } else if (instr == "ONBUILD") {
    if (args.empty()) return invalidArgument("ONBUILD requires at least one argument");
  } else {
    return invalidArgument(instr + " is not a valid change command");
  }
  return okStatus();
}

}  // namespace wharf::image::internal
