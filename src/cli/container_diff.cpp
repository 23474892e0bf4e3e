// `wharf top CONTAINER [ps OPTIONS]` (`container top`): GET /containers/{id}/top, printed as
// docker's cli/command/container/top.go does (tabwriter 20, 1, 3).
//
// `wharf diff CONTAINER` (`container diff`): GET /containers/{id}/changes, printed as the
// docker CLI prints it (cli/command/container/diff.go): one "<kind> <path>" line per change in
// the daemon's order, kind C (modified), A (added) or D (deleted).

#include "cli/format.h"
#include "cli/internal/command.h"

namespace wharf::cli {

int cmdDiff(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "CONTAINER";
  initApp(app, "wharf diff", usage);
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf diff", std::move(args))) return *rc;
  if (ids.size() != 1) {
    ctx.io.err << "\"wharf diff\" requires exactly 1 argument.\nSee 'wharf diff --help'.\n\n"
                  "Usage:  wharf diff "
               << usage
               << "\n\nInspect changes to files or directories on a container's "
                  "filesystem\n";
    return 1;
  }
  auto r = ctx.client().containerChanges(ids[0]);
  if (!r.ok()) return ctx.fail(r.error());
  if (!r->is_array()) return 0;  // null: nothing changed
  for (const Json& c : *r) {
    if (!c.is_object()) continue;
    int kind = c.value("Kind", 0);
    const char* letter = kind == 1 ? "A" : kind == 2 ? "D" : "C";
    ctx.io.out << letter << " " << c.value("Path", "") << "\n";
  }
  return 0;
}

int cmdTop(Context& ctx, std::vector<std::string> args) {
  // Everything after the container is ps's (docker's SetInterspersed(false)): the only flag
  // is --help, before the container.
  const char* usage = "CONTAINER [ps OPTIONS]";
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    ctx.io.out << "\nUsage:  wharf top " << usage
               << "\n\nDisplay the running processes of a container\n";
    return 0;
  }
  if (!args.empty() && args[0].size() > 1 && args[0][0] == '-') {
    if (args[0][1] == '-')
      ctx.io.err << "unknown flag: " << args[0].substr(0, args[0].find('=')) << "\n";
    else
      ctx.io.err << "unknown shorthand flag: '" << args[0][1] << "' in " << args[0] << "\n";
    ctx.io.err << "See 'wharf top --help'.\n";
    return kExitDaemonError;
  }
  const std::vector<std::string>& rest = args;
  if (rest.empty()) {
    ctx.io.err << "\"wharf top\" requires at least 1 argument.\nSee 'wharf top --help'.\n\n"
                  "Usage:  wharf top "
               << usage << "\n\nDisplay the running processes of a container\n";
    return 1;
  }
  std::string psArgs;
  for (size_t i = 1; i < rest.size(); ++i) psArgs += (i > 1 ? " " : "") + rest[i];
  auto r = ctx.client().containerTop(rest[0], psArgs);
  if (!r.ok()) return ctx.fail(r.error());
  TabWriter w(20, 3);
  auto row = [&](const Json& cells) {
    std::string line;
    if (cells.is_array())
      for (size_t i = 0; i < cells.size(); ++i)
        line += (i ? "\t" : "") + (cells[i].is_string() ? cells[i].get<std::string>() : "");
    w.write(line + "\n");
  };
  row(r->contains("Titles") ? (*r)["Titles"] : Json());
  if (r->contains("Processes") && (*r)["Processes"].is_array())
    for (const Json& p : (*r)["Processes"]) row(p);
  ctx.io.out << w.flush();
  return 0;
}

}  // namespace wharf::cli
