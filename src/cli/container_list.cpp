// `wharf ps` / `wharf container ls`: docker's columns, truncation and --format fields.

#include <algorithm>
#include <ctime>

#include "cli/format.h"
#include "cli/internal/command.h"
#include "cli/ps_rows.h"
#include "common/port_spec.h"

namespace wharf::cli {

namespace {

std::string joinStrings(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t num(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// The PORTS column: /containers/json's Ports through docker's DisplayablePorts.
std::string displayPorts(const Json& ports) {
  std::vector<PortSummary> list;
  if (!ports.is_array()) return "";
  for (const Json& p : ports)
    list.push_back({str(p, "IP"), static_cast<int>(num(p, "PrivatePort")),
                    static_cast<int>(num(p, "PublicPort")), str(p, "Type")});
  return wharf::displayPorts(std::move(list));
}

}  // namespace

Json psHeader() {
  return {{"ID", "CONTAINER ID"},    {"Image", "IMAGE"},
          {"Command", "COMMAND"},    {"CreatedAt", "CREATED AT"},
          {"RunningFor", "CREATED"}, {"Ports", "PORTS"},
          {"State", "STATE"},        {"Status", "STATUS"},
          {"Size", "SIZE"},          {"Names", "NAMES"},
          {"Labels", "LABELS"},      {"Mounts", "MOUNTS"},
          {"Networks", "NETWORKS"},  {"LocalVolumes", "LOCAL VOLUMES"}};
}

Json psRow(const Json& c, bool trunc, int64_t now) {
  Json row = Json::object();
  std::string id = str(c, "Id");
  row["ID"] = trunc ? truncateId(id) : id;

  std::string image = str(c, "Image");
  if (image.empty()) {
    image = "<no image>";
  } else if (trunc) {
    if (image.starts_with("sha256:"))
      image = truncateId(image);
    else if (size_t at = image.find('@'); at != std::string::npos)
      image = image.substr(0, at);
  }
  row["Image"] = image;

  std::string command = str(c, "Command");
  row["Command"] = goQuote(trunc ? ellipsis(command, 20) : command);

  int64_t created = num(c, "Created");
  row["CreatedAt"] = goTimeString(created);
  row["RunningFor"] = humanDuration(now - created) + " ago";
  row["Ports"] = displayPorts(c.contains("Ports") ? c["Ports"] : Json());
  row["State"] = str(c, "State");
  row["Status"] = str(c, "Status");

  std::string size = humanSize(static_cast<double>(num(c, "SizeRw")), 3);
  if (int64_t rootfs = num(c, "SizeRootFs"); rootfs > 0)
    size += " (virtual " + humanSize(static_cast<double>(rootfs), 3) + ")";
  row["Size"] = size;

  // Names come with a leading "/"; with truncation only the first name without a "/" (a
  // legacy link alias has one) is shown.
  std::vector<std::string> names;
  if (c.contains("Names") && c["Names"].is_array())
    for (const Json& n : c["Names"])
      if (n.is_string()) {
        std::string s = n.get<std::string>();
        names.push_back(s.starts_with("/") ? s.substr(1) : s);
      }
  if (trunc) {
    for (const std::string& n : names)
      if (n.find('/') == std::string::npos) {
        names = {n};
        break;
      }
  }
  row["Names"] = joinStrings(names, ",");

  std::vector<std::string> labels;
  if (c.contains("Labels") && c["Labels"].is_object())
    for (const auto& [k, v] : c["Labels"].items())
      labels.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  row["Labels"] = joinStrings(labels, ",");

  std::vector<std::string> mounts;
  int64_t local = 0;
  if (c.contains("Mounts") && c["Mounts"].is_array())
    for (const Json& m : c["Mounts"]) {
      std::string name = str(m, "Name");
      if (name.empty()) name = str(m, "Source");
      if (trunc) name = ellipsis(name, 15);
      mounts.push_back(name);
      if (str(m, "Driver") == "local") ++local;
    }
  row["Mounts"] = joinStrings(mounts, ",");
  row["LocalVolumes"] = std::to_string(local);

  std::vector<std::string> nets;
  if (c.contains("NetworkSettings") && c["NetworkSettings"].is_object()) {
    const Json& ns = c["NetworkSettings"];
    if (ns.contains("Networks") && ns["Networks"].is_object())
      for (const auto& [k, v] : ns["Networks"].items()) nets.push_back(k);
  }
  row["Networks"] = joinStrings(nets, ",");
  return row;
}

int cmdPs(Context& ctx, std::vector<std::string> args) {
  bool all = false, quiet = false, noTrunc = false, latest = false, size = false;
  int last = -1;
  std::string format;
  std::vector<std::string> filters, extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf ps", usage);
  app.add_flag("-a,--all", all, "Show all containers (default shows just running)");
  app.add_flag("-q,--quiet", quiet, "Only display container IDs");
  app.add_flag("--no-trunc", noTrunc, "Don't truncate output");
  app.add_flag("-l,--latest", latest, "Show the latest created container (includes all states)");
  app.add_flag("-s,--size", size, "Display total file sizes");
  app.add_option("-n,--last", last, "Show n last created containers (includes all states)");
  app.add_option("-f,--filter", filters, "Filter output based on conditions provided")
      ->allow_extra_args(false)
      ->take_all();
  app.add_option("--format", format, "Format output using a custom template");
  app.add_option("args", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf ps", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf ps", extra.size(), usage)) return *rc;

  client::ContainerListOptions lo;
  lo.all = all;
  if (latest && last == -1) last = 1;
  if (last > 0) {
    lo.limit = last;
    lo.all = true;
  }
  for (const std::string& f : filters) {
    size_t eq = f.find('=');
    if (eq == std::string::npos) {
      ctx.io.err << "bad format of filter (expected name=value)\n";
      return 1;
    }
    lo.filters[f.substr(0, eq)].push_back(f.substr(eq + 1));
  }
  lo.size = size || format.find(".Size") != std::string::npos;
  auto list = ctx.client().containerList(lo);
  if (!list.ok()) return ctx.fail(list.error());

  auto now = static_cast<int64_t>(std::time(nullptr));
  std::vector<Json> rows;
  if (list->is_array())
    for (const Json& c : *list) rows.push_back(psRow(c, !noTrunc, now));
  std::string def =
      "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
      "{{.Ports}}\t{{.Names}}";
  if (size) def += "\t{{.Size}}";
  if (quiet && format.empty()) format = "{{.ID}}";
  return writeFormatted(ctx, format, def, psHeader(), rows);
}

}  // namespace wharf::cli
