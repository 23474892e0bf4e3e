// `wharf port CONTAINER [PRIVATE_PORT[/PROTO]]`: the host addresses of a container's published
// ports, from inspect's NetworkSettings.Ports, printed as the docker CLI does (sorted in
// natural order; "80/tcp -> 0.0.0.0:8080", or only "0.0.0.0:8080" for one port).

#include <algorithm>

#include "cli/internal/command.h"
#include "common/port_spec.h"

namespace wharf::cli {

namespace {

// Natural order (digit runs compared as numbers), as the docker CLI's sortorder.NaturalLess.
bool naturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t si = i, sj = j;
      while (si < a.size() && a[si] == '0') ++si;
      while (sj < b.size() && b[sj] == '0') ++sj;
      size_t ei = si, ej = sj;
      while (ei < a.size() && digit(a[ei])) ++ei;
      while (ej < b.size() && digit(b[ej])) ++ej;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      int c = a.compare(si, ei - si, b, sj, ej - sj);
      if (c != 0) return c < 0;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::string frontend(const Json& b) {
  auto get = [&](const char* k) {
    auto it = b.find(k);
    return it != b.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return joinHostPort(get("HostIp"), get("HostPort"));
}

}  // namespace

int cmdPort(Context& ctx, std::vector<std::string> args) {
  const std::string path = "wharf port";
  const char* usage = "CONTAINER [PRIVATE_PORT[/PROTO]]";
  std::vector<std::string> pos;
  CLI::App app;
  initApp(app, path, usage);
  app.add_option("args", pos)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, path, std::move(args))) return *rc;
  if (pos.empty() || pos.size() > 2) {
    ctx.io.err << "\"" << path << "\" requires at least 1 and at most 2 arguments.\nSee '" << path
               << " --help'.\n\nUsage:  " << path << " " << usage
               << "\n\nList port mappings or a specific mapping for the container\n";
    return 1;
  }
  auto c = ctx.client().containerInspect(pos[0]);
  if (!c.ok()) return ctx.fail(c.error());
  Json ports = Json::object();
  if (auto ns = c->find("NetworkSettings"); ns != c->end() && ns->is_object()) {
    if (auto p = ns->find("Ports"); p != ns->end() && p->is_object()) ports = *p;
  }
  std::vector<std::string> out;
  if (pos.size() == 2) {
    std::string port = pos[1], proto = "tcp";
    if (size_t slash = port.find('/'); slash != std::string::npos) {
      proto = port.substr(slash + 1);
      port.resize(slash);
    }
    auto range = parsePortRange(port);
    if (!range.ok() || range->first != range->last) {
      ctx.io.err << "Error: invalid port (" << port << "): strconv.ParseUint: parsing \"" << port
                 << "\": invalid syntax\n";
      return 1;
    }
    auto it = ports.find(port + "/" + proto);
    if (it == ports.end() || !it->is_array() || it->empty()) {
      ctx.io.err << "Error: No public port '" << pos[1] << "' published for " << pos[0] << "\n";
      return 1;
    }
    for (const Json& b : *it) out.push_back(frontend(b));
  } else {
    for (const auto& [from, list] : ports.items()) {
      if (!list.is_array()) continue;
      for (const Json& b : list) out.push_back(from + " -> " + frontend(b));
    }
  }
  std::sort(out.begin(), out.end(), naturalLess);
  for (const auto& line : out) ctx.io.out << line << "\n";
  return 0;
}

}  // namespace wharf::cli
