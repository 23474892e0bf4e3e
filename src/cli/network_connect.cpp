// network connect and network disconnect (docker's flags, output and errors).

#include "cli/internal/command.h"

namespace wharf::cli {

namespace {

// docker's `"docker network connect" requires exactly 2 arguments.` (exit 1).
std::optional<int> requireTwo(Context& ctx, const std::string& path, size_t have,
                              const std::string& usage, const std::string& what) {
  if (have == 2) return std::nullopt;
  ctx.io.err << "\"" << path << "\" requires exactly 2 arguments.\nSee '" << path
             << " --help'.\n\nUsage:  " << path << " " << usage << "\n\n"
             << what << "\n";
  return 1;
}

}  // namespace

int cmdNetworkConnect(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> aliases, positional;
  std::string ip;
  CLI::App app;
  const char* usage = "[OPTIONS] NETWORK CONTAINER";
  initApp(app, "wharf network connect", usage);
  app.add_option("--alias", aliases, "Add network-scoped alias for the container")
      ->allow_extra_args(false);
  app.add_option("--ip", ip, "IPv4 address (e.g., \"172.30.100.104\")");
  app.add_option("args", positional)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf network connect", std::move(args))) return *rc;
  if (auto rc = requireTwo(ctx, "wharf network connect", positional.size(), usage,
                           "Connect a container to a network"))
    return *rc;
  Json endpoint = Json::object();
  if (!ip.empty()) endpoint["IPAMConfig"] = {{"IPv4Address", ip}};
  if (!aliases.empty()) endpoint["Aliases"] = aliases;
  Json body = {{"Container", positional[1]}, {"EndpointConfig", endpoint}};
  Status st = ctx.client().networkConnect(positional[0], body);
  if (!st.ok()) return ctx.fail(st.error());
  return 0;
}

int cmdNetworkDisconnect(Context& ctx, std::vector<std::string> args) {
  bool force = false;
  std::vector<std::string> positional;
  CLI::App app;
  const char* usage = "[OPTIONS] NETWORK CONTAINER";
  initApp(app, "wharf network disconnect", usage);
  app.add_flag("-f,--force", force, "Force the container to disconnect from a network");
  app.add_option("args", positional)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf network disconnect", std::move(args))) return *rc;
  if (auto rc = requireTwo(ctx, "wharf network disconnect", positional.size(), usage,
                           "Disconnect a container from a network"))
    return *rc;
  Json body = {{"Container", positional[1]}, {"Force", force}};
  Status st = ctx.client().networkDisconnect(positional[0], body);
  if (!st.ok()) return ctx.fail(st.error());
  return 0;
}

}  // namespace wharf::cli
