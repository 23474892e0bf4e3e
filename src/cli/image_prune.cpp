// `wharf image prune [-a] [-f] [--filter k=v]`: docker's prompt, output and exit codes
// (cli/command/image/prune.go).

#include "cli/format.h"
#include "cli/internal/command.h"

namespace wharf::cli {

int cmdImagePrune(Context& ctx, std::vector<std::string> args) {
  bool all = false, force = false;
  std::vector<std::string> filterFlags, extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf image prune", usage);
  app.add_flag("-a,--all", all, "Remove all unused images, not just dangling ones");
  app.add_option("--filter", filterFlags, "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false)
      ->take_all();
  app.add_flag("-f,--force", force, "Do not prompt for confirmation");
  app.add_option("extra", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf image prune", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf image prune", extra.size(), usage)) return *rc;
  std::map<std::string, std::vector<std::string>> filters;
  for (const auto& f : filterFlags) {
    size_t eq = f.find('=');
    if (eq == std::string::npos) {
      ctx.io.err << "invalid argument \"" << f
                 << "\" for \"--filter\" flag: bad format of filter (expected name=value)\n"
                    "See 'wharf image prune --help'.\n";
      return 125;
    }
    filters[f.substr(0, eq)].push_back(f.substr(eq + 1));
  }
  // docker sends dangling=true unless -a, which sends dangling=false.
  filters["dangling"] = {all ? "false" : "true"};
  if (!force && !confirmPrune(ctx, all ? "This will remove all images without at least one "
                                         "container associated to them."
                                       : "This will remove all dangling images.")) {
    ctx.io.out << "Total reclaimed space: 0B\n";
    return 0;
  }
  auto r = ctx.client().imagePrune(filters);
  if (!r.ok()) return ctx.fail(r.error());
  if (auto it = r->find("ImagesDeleted"); it != r->end() && it->is_array() && !it->empty()) {
    ctx.io.out << "Deleted Images:\n";
    for (const auto& i : *it) {
      if (i.contains("Untagged") && i["Untagged"].is_string())
        ctx.io.out << "untagged: " << i["Untagged"].get<std::string>() << "\n";
      if (i.contains("Deleted") && i["Deleted"].is_string())
        ctx.io.out << "deleted: " << i["Deleted"].get<std::string>() << "\n";
    }
    ctx.io.out << "\n";
  }
  // go-units HumanSize: four significant digits.
  double space = r->value("SpaceReclaimed", 0.0);
  ctx.io.out << "Total reclaimed space: " << humanSize(space, 4) << "\n";
  return 0;
}

}  // namespace wharf::cli
