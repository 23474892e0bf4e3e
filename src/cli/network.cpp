// Network commands: network create, ls, inspect, rm, prune (docker's flags and output).

#include <ctime>

#include "cli/format.h"
#include "cli/go_template.h"
#include "cli/internal/command.h"
#include "cli/internal/prune.h"

namespace wharf::cli {

namespace {

Json networksHeader() {
  return {{"ID", "NETWORK ID"},     {"Name", "NAME"},     {"Driver", "DRIVER"},
          {"Scope", "SCOPE"},       {"IPv6", "IPV6"},     {"IPv4", "IPV4"},
          {"Internal", "INTERNAL"}, {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"}};
}

// "key=value" flags into the API's filters object ({"key": {"value": true}}).
std::optional<Json> filtersJson(Context& ctx, const std::vector<std::string>& flags) {
  Json f = Json::object();
  for (const auto& s : flags) {
    size_t eq = s.find('=');
    if (eq == std::string::npos) {
      ctx.io.err << "bad format of filter (expected name=value)\n";
      return std::nullopt;
    }
    f[s.substr(0, eq)][s.substr(eq + 1)] = true;
  }
  return f;
}

// "k=v" (or "k") flags into a map.
Json keyValuesJson(const std::vector<std::string>& flags) {
  Json m = Json::object();
  for (const auto& s : flags) {
    size_t eq = s.find('=');
    m[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
  }
  return m;
}

}  // namespace

int cmdNetworkCreate(Context& ctx, std::vector<std::string> args) {
  std::string driver = "bridge", ipamDriver = "default";
  std::vector<std::string> subnets, gateways, ranges, labels, opts, names;
  bool internal = false, attachable = false, ipv6 = false;
  CLI::App app;
  const char* usage = "[OPTIONS] NETWORK";
  initApp(app, "wharf network create", usage);
  app.add_option("-d,--driver", driver, "Driver to manage the Network");
  app.add_option("--subnet", subnets, "Subnet in CIDR format that represents a network segment")
      ->allow_extra_args(false);
  app.add_option("--gateway", gateways, "IPv4 or IPv6 Gateway for the master subnet")
      ->allow_extra_args(false);
  app.add_option("--ip-range", ranges, "Allocate container ip from a sub-range")
      ->allow_extra_args(false);
  app.add_option("--label", labels, "Set metadata on a network")->allow_extra_args(false);
  app.add_option("-o,--opt", opts, "Set driver specific options")->allow_extra_args(false);
  app.add_option("--ipam-driver", ipamDriver, "IP Address Management Driver");
  app.add_flag("--internal", internal, "Restrict external access to the network");
  app.add_flag("--attachable", attachable, "Enable manual container attachment");
  app.add_flag("--ipv6", ipv6, "Enable or disable IPv6 networking");
  app.add_option("name", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf network create", std::move(args))) return *rc;
  if (names.size() != 1) {
    ctx.io.err << "\"wharf network create\" requires exactly 1 argument.\nSee 'wharf network "
                  "create --help'.\n\nUsage:  wharf network create "
               << usage << "\n\nCreate a network\n";
    return 1;
  }
  // docker's client-side rule: each --gateway and --ip-range belongs to a --subnet; with an
  // IPv4 and an IPv6 subnet, each goes to the subnet of its own address family.
  Json config = Json::array();
  for (const auto& s : subnets) config.push_back(Json{{"Subnet", s}});
  auto attach = [&](const std::vector<std::string>& values, const char* key,
                    const char* what) -> bool {
    for (const auto& v : values) {
      bool v6 = v.find(':') != std::string::npos;
      bool placed = false;
      for (auto& c : config) {
        bool subnet6 = c["Subnet"].get<std::string>().find(':') != std::string::npos;
        if (subnet6 != v6 || c.contains(key)) continue;
        c[key] = v;
        placed = true;
        break;
      }
      if (!placed) {
        ctx.io.err << "no matching subnet for " << what << " " << v << "\n";
        return false;
      }
    }
    return true;
  };
  if (!attach(ranges, "IPRange", "range") || !attach(gateways, "Gateway", "gateway")) return 1;
  Json body = {{"Name", names[0]},
               {"Driver", driver},
               {"Internal", internal},
               {"Attachable", attachable},
               {"EnableIPv6", ipv6},
               {"IPAM", {{"Driver", ipamDriver}, {"Config", config}, {"Options", Json::object()}}},
               {"Options", keyValuesJson(opts)},
               {"Labels", keyValuesJson(labels)}};
  auto r = ctx.client().networkCreate(body);
  if (!r.ok()) return ctx.fail(r.error());
  ctx.io.out << r->value("Id", "") << "\n";
  return 0;
}

int cmdNetworkLs(Context& ctx, std::vector<std::string> args) {
  bool quiet = false, noTrunc = false;
  std::string format;
  std::vector<std::string> filters;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf network ls", usage);
  app.add_flag("-q,--quiet", quiet, "Only display network IDs");
  app.add_flag("--no-trunc", noTrunc, "Do not truncate the output");
  app.add_option("-f,--filter", filters, "Provide filter values (e.g. \"driver=bridge\")")
      ->allow_extra_args(false);
  app.add_option("--format", format, "Format output using a custom template");
  if (auto rc = parseArgs(ctx, app, "wharf network ls", std::move(args))) return *rc;
  auto f = filtersJson(ctx, filters);
  if (!f) return 1;
  auto list = ctx.client().networkList(*f);
  if (!list.ok()) return ctx.fail(list.error());
  std::vector<Json> rows;
  for (const Json& n : list->is_array() ? *list : Json::array()) {
    std::string id = n.value("Id", "");
    std::string labels;
    if (n.contains("Labels") && n["Labels"].is_object()) {
      for (const auto& [k, v] : n["Labels"].items())
        labels += (labels.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
    rows.push_back({{"ID", noTrunc ? id : id.substr(0, 12)},
                    {"Name", n.value("Name", "")},
                    {"Driver", n.value("Driver", "")},
                    {"Scope", n.value("Scope", "local")},
                    {"IPv6", n.value("EnableIPv6", false) ? "true" : "false"},
                    {"IPv4", n.value("EnableIPv4", true) ? "true" : "false"},
                    {"Internal", n.value("Internal", false) ? "true" : "false"},
                    {"Labels", labels},
                    {"CreatedAt", n.value("Created", "")}});
  }
  // By name, as docker sorts.
  std::sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
    return a["Name"].get<std::string>() < b["Name"].get<std::string>();
  });
  if (quiet && format.empty()) return writeFormatted(ctx, "{{.ID}}", "", networksHeader(), rows);
  return writeFormatted(ctx, format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                        networksHeader(), rows);
}

int cmdNetworkInspect(Context& ctx, std::vector<std::string> args) {
  std::string format;
  bool verbose = false;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] NETWORK [NETWORK...]";
  initApp(app, "wharf network inspect", usage);
  app.add_option("-f,--format", format, "Format output using a custom template");
  app.add_flag("-v,--verbose", verbose, "Verbose output for diagnostics");
  app.add_option("names", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf network inspect", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf network inspect", names.size(), 1, usage)) return *rc;
  return printInspected(ctx, names, format, [&](const std::string& name) {
    return ctx.client().networkInspectOrdered(name);
  });
}

int cmdNetworkRm(Context& ctx, std::vector<std::string> args) {
  bool force = false;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "NETWORK [NETWORK...]";
  initApp(app, "wharf network rm", usage);
  app.add_flag("-f,--force", force, "Do not error if the network does not exist");
  app.add_option("names", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf network rm", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf network rm", names.size(), 1, usage)) return *rc;
  int rc = 0;
  for (const auto& name : names) {
    Status st = ctx.client().networkRemove(name);
    if (!st.ok()) {
      if (force && st.error().category() == ErrorCategory::kNotFound) continue;
      ctx.io.err << ctx.describe(st.error()) << "\n";
      rc = 1;
      continue;
    }
    ctx.io.out << name << "\n";
  }
  return rc;
}

int cmdNetworkPrune(Context& ctx, std::vector<std::string> args) {
  bool force = false;
  std::vector<std::string> filters;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf network prune", usage);
  app.add_flag("-f,--force", force, "Do not prompt for confirmation");
  app.add_option("--filter", filters, "Provide filter values (e.g. \"until=<timestamp>\")")
      ->allow_extra_args(false);
  if (auto rc = parseArgs(ctx, app, "wharf network prune", std::move(args))) return *rc;
  auto f = pruneFilterFlags(ctx, filters, "wharf network prune");
  if (!f) return 125;
  if (!force &&
      !confirmPrune(ctx,
                    "This will remove all custom networks not used by at least one container."))
    return 0;
  auto r = runNetworkPrune(ctx, *f);
  if (!r.ok()) return ctx.fail(r.error());
  // docker prints the list and an empty line (fmt.Fprintln of the output); no total.
  if (!r->output.empty()) ctx.io.out << r->output << "\n";
  return 0;
}

}  // namespace wharf::cli
