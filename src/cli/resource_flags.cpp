// Resource limit flags of `wharf run/create` and `wharf update` (-m, --cpus, --pids-limit ...),
// parsed as the docker CLI parses them, and the `update` command.

#include <cstdlib>

#include "cli/internal/command.h"
#include "cli/run_options.h"

namespace wharf::cli {

namespace {

Error badFlag(const std::string& value, const std::string& flag, const std::string& why) {
  return invalidArgument("invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + why);
}

Result<int64_t> sizeFlag(const std::string& v, const std::string& flag) {
  if (v.empty()) return int64_t{0};
  auto n = ramInBytes(v);
  if (!n) return badFlag(v, flag, "invalid size: '" + v + "'");
  return *n;
}

}  // namespace

Result<int64_t> parseNanoCpus(const std::string& value) {
  // docker's opts.ParseCPUs: a rational number times 1e9 that must come out whole. Decimal
  // notation only ("1.5", ".25", "2"); bounded before anything is computed.
  auto bad = [&] {
    return invalidArgument("failed to parse " + value.substr(0, 64) + " as a rational number");
  };
  if (value.empty() || value.size() > 32) return bad();
  size_t i = 0;
  bool neg = false;
  if (value[i] == '+' || value[i] == '-') neg = value[i++] == '-';
  int64_t whole = 0, frac = 0;
  int fracDigits = 0;
  bool digits = false, precise = true;
  for (; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i, digits = true) {
    whole = whole * 10 + (value[i] - '0');
    if (whole > 9000000000LL) return bad();
  }
  if (i < value.size() && value[i] == '.') {
    for (++i; i < value.size() && value[i] >= '0' && value[i] <= '9'; ++i, digits = true) {
      if (fracDigits < 9) {
        frac = frac * 10 + (value[i] - '0');
        ++fracDigits;
      } else if (value[i] != '0') {
        precise = false;
      }
    }
  }
  if (!digits || i != value.size()) return bad();
  if (!precise) return invalidArgument("value is too precise");
  for (; fracDigits < 9; ++fracDigits) frac *= 10;
  int64_t nano = whole * 1000000000LL + frac;
  return neg ? -nano : nano;
}

void addResourceFlags(CLI::App& app, ResourceFlags& f, bool forUpdate) {
  app.add_option("-m,--memory", f.memory, "Memory limit");
  app.add_option("--memory-swap", f.memorySwap,
                 "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  app.add_option("--memory-reservation", f.memoryReservation, "Memory soft limit");
  app.add_option("--cpus", f.cpus, "Number of CPUs");
  app.add_option("-c,--cpu-shares", f.cpuShares, "CPU shares (relative weight)");
  app.add_option("--cpu-period", f.cpuPeriod, "Limit CPU CFS (Completely Fair Scheduler) period");
  app.add_option("--cpu-quota", f.cpuQuota, "Limit CPU CFS (Completely Fair Scheduler) quota");
  app.add_option("--cpuset-cpus", f.cpusetCpus, "CPUs in which to allow execution (0-3, 0,1)");
  app.add_option("--cpuset-mems", f.cpusetMems, "MEMs in which to allow execution (0-3, 0,1)");
  app.add_option("--pids-limit", f.pidsLimit, "Tune container pids limit (set -1 for unlimited)");
  app.add_option("--blkio-weight", f.blkioWeight,
                 "Block IO (relative weight), between 10 and 1000, or 0 to disable");
  if (forUpdate) return;
  app.add_option("--memory-swappiness", f.memorySwappiness,
                 "Tune container memory swappiness (0 to 100)");
  app.add_flag("--oom-kill-disable", f.oomKillDisable, "Disable OOM Killer");
}

Status addResourceFields(const ResourceFlags& f, Json& hc, bool forUpdate) {
  WHARF_ASSIGN_OR_RETURN(int64_t memory, sizeFlag(f.memory, "-m, --memory"));
  int64_t swap = 0;
  // docker's MemSwapBytes: "-1" is unlimited, anything else a size.
  if (f.memorySwap == "-1") {
    swap = -1;
  } else {
    WHARF_ASSIGN_OR_RETURN(swap, sizeFlag(f.memorySwap, "--memory-swap"));
  }
  WHARF_ASSIGN_OR_RETURN(int64_t reservation,
                         sizeFlag(f.memoryReservation, "--memory-reservation"));
  int64_t nano = 0;
  if (!f.cpus.empty()) {
    auto n = parseNanoCpus(f.cpus);
    if (!n.ok()) return badFlag(f.cpus, "--cpus", n.error().message());
    nano = *n;
  }
  hc["Memory"] = memory;
  hc["MemorySwap"] = swap;
  hc["MemoryReservation"] = reservation;
  hc["NanoCpus"] = nano;
  hc["CpuShares"] = f.cpuShares;
  hc["CpuPeriod"] = f.cpuPeriod;
  hc["CpuQuota"] = f.cpuQuota;
  hc["CpusetCpus"] = f.cpusetCpus;
  hc["CpusetMems"] = f.cpusetMems;
  hc["BlkioWeight"] = f.blkioWeight;
  // As the docker CLI: a PidsLimit only when the flag was given (0 is "not set").
  if (f.pidsLimit && (forUpdate || *f.pidsLimit != 0)) hc["PidsLimit"] = *f.pidsLimit;
  if (!forUpdate) {
    hc["MemorySwappiness"] = f.memorySwappiness;
    hc["OomKillDisable"] = f.oomKillDisable;
  }
  return okStatus();
}

// `wharf update [OPTIONS] CONTAINER [CONTAINER...]` (docker's container update).
int cmdUpdate(Context& ctx, std::vector<std::string> args) {
  ResourceFlags f;
  std::string restart;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER [CONTAINER...]";
  initApp(app, "wharf update", usage);
  addResourceFlags(app, f, true);
  app.add_option("--restart", restart, "Restart policy to apply when a container exits");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf update", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf update", ids.size(), 1, usage)) return *rc;
  bool anyFlag = false;
  for (const CLI::Option* o : app.get_options())
    if (o->get_name() != "containers" && o->count() > 0) anyFlag = true;
  if (!anyFlag) {
    ctx.io.err << "you must provide one or more flags when using this command\n";
    return 1;
  }
  Json body = Json::object();
  if (Status st = addResourceFields(f, body, true); !st.ok()) {
    ctx.io.err << st.error().message() << "\nSee 'wharf update --help'.\n";
    return 125;
  }
  if (!restart.empty()) {
    size_t colon = restart.find(':');
    Json rp = {{"Name", restart.substr(0, colon)}, {"MaximumRetryCount", 0}};
    if (colon != std::string::npos) {
      char* end = nullptr;
      long n = std::strtol(restart.c_str() + colon + 1, &end, 10);
      if (*end != '\0' || n < 0 || n > 1000000) {
        ctx.io.err << "invalid restart policy format: maximum retry count must be an integer\n";
        return 125;
      }
      rp["MaximumRetryCount"] = n;
    }
    body["RestartPolicy"] = rp;
  }
  int rc = 0;
  for (const std::string& id : ids) {
    auto r = ctx.client().containerUpdate(id, body);
    if (!r.ok()) {
      ctx.io.err << ctx.describe(r.error()) << "\n";
      rc = 1;
      continue;
    }
    if (auto w = r->find("Warnings"); w != r->end() && w->is_array())
      for (const auto& line : *w)
        if (line.is_string()) ctx.io.err << line.get<std::string>() << "\n";
    ctx.io.out << id << "\n";
  }
  return rc;
}

}  // namespace wharf::cli
