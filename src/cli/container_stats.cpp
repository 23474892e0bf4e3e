// `wharf stats`: docker's table of CPU %, memory, network and block I/O and PIDs, computed
// from GET /containers/{id}/stats as the docker CLI computes them (cli/command/container/
// stats_helpers.go): one request per container, side by side (one thread and one connection
// each), so that --no-stream over twenty containers takes as long as one (about a second: the
// daemon sends the second of two samples, for the CPU %).
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/format.h"
#include "cli/internal/command.h"
#include "cli/ps_rows.h"

namespace wharf::cli {

namespace {

uint64_t u64(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() > 0)
    return static_cast<uint64_t>(it->get<int64_t>());
  return 0;
}

const Json& obj(const Json& j, const char* key) {
  static const Json kEmpty = Json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

std::string percent(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f%%", v);
  return buf;
}

constexpr const char* kDefaultFormat =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"
    "\t{{.PIDs}}";

}  // namespace

Json statsHeader() {
  return {{"Container", "CONTAINER"},
          {"ID", "CONTAINER ID"},
          {"Name", "NAME"},
          {"CPUPerc", "CPU %"},
          {"MemUsage", "MEM USAGE / LIMIT"},
          {"MemPerc", "MEM %"},
          {"NetIO", "NET I/O"},
          {"BlockIO", "BLOCK I/O"},
          {"PIDs", "PIDS"}};
}

Json statsRow(const Json& s, const std::string& container, bool trunc) {
  // CPU %: the container's share of the host's CPU time between the two samples, times the
  // CPUs (calculateCPUPercentUnix).
  const Json& cpu = obj(s, "cpu_stats");
  const Json& pre = obj(s, "precpu_stats");
  double cpuDelta = static_cast<double>(u64(obj(cpu, "cpu_usage"), "total_usage")) -
                    static_cast<double>(u64(obj(pre, "cpu_usage"), "total_usage"));
  double sysDelta = static_cast<double>(u64(cpu, "system_cpu_usage")) -
                    static_cast<double>(u64(pre, "system_cpu_usage"));
  double online = static_cast<double>(u64(cpu, "online_cpus"));
  if (online == 0) {
    auto it = obj(cpu, "cpu_usage").find("percpu_usage");
    if (it != obj(cpu, "cpu_usage").end() && it->is_array())
      online = static_cast<double>(it->size());
  }
  double cpuPct = sysDelta > 0 && cpuDelta > 0 ? cpuDelta / sysDelta * online * 100.0 : 0.0;

  // Memory: usage without the page cache that can be dropped (calculateMemUsageUnixNoCache:
  // total_inactive_file on cgroup v1, inactive_file on v2).
  const Json& mem = obj(s, "memory_stats");
  const Json& ms = obj(mem, "stats");
  uint64_t usage = u64(mem, "usage"), limit = u64(mem, "limit");
  double used = static_cast<double>(usage);
  if (ms.contains("total_inactive_file") && u64(ms, "total_inactive_file") < usage)
    used = static_cast<double>(usage - u64(ms, "total_inactive_file"));
  else if (!ms.contains("total_inactive_file") && u64(ms, "inactive_file") < usage)
    used = static_cast<double>(usage - u64(ms, "inactive_file"));
  double memPct = limit ? used / static_cast<double>(limit) * 100.0 : 0.0;

  double rx = 0, tx = 0;
  for (const auto& [name, n] : obj(s, "networks").items()) {
    rx += static_cast<double>(u64(n, "rx_bytes"));
    tx += static_cast<double>(u64(n, "tx_bytes"));
  }
  double blkRead = 0, blkWrite = 0;
  auto bio = obj(s, "blkio_stats").find("io_service_bytes_recursive");
  if (bio != obj(s, "blkio_stats").end() && bio->is_array()) {
    for (const Json& e : *bio) {
      std::string op = e.value("op", "");
      if (op.empty()) continue;
      if (op[0] == 'r' || op[0] == 'R') blkRead += static_cast<double>(u64(e, "value"));
      if (op[0] == 'w' || op[0] == 'W') blkWrite += static_cast<double>(u64(e, "value"));
    }
  }
  std::string id = s.value("id", "");
  std::string name = s.value("name", "");
  if (!name.empty() && name[0] == '/') name = name.substr(1);
  Json row = Json::object();
  row["Container"] = container;
  row["ID"] = trunc ? truncateId(id) : id;
  row["Name"] = name.empty() ? "--" : name;
  row["CPUPerc"] = percent(cpuPct);
  row["MemUsage"] = bytesSize(used) + " / " + bytesSize(static_cast<double>(limit));
  row["MemPerc"] = percent(memPct);
  row["NetIO"] = humanSize(rx, 3) + " / " + humanSize(tx, 3);
  row["BlockIO"] = humanSize(blkRead, 3) + " / " + humanSize(blkWrite, 3);
  row["PIDs"] = std::to_string(u64(obj(s, "pids_stats"), "current"));
  return row;
}

int cmdStats(Context& ctx, std::vector<std::string> args) {
  bool all = false, noStream = false, noTrunc = false;
  std::string format;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] [CONTAINER...]";
  initApp(app, "wharf stats", usage);
  app.add_flag("-a,--all", all, "Show all containers (default shows just running)");
  app.add_option("--format", format, "Format output using a custom template");
  app.add_flag("--no-stream", noStream, "Disable streaming stats and only pull the first result");
  app.add_flag("--no-trunc", noTrunc, "Do not truncate output");
  app.add_option("containers", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf stats", std::move(args))) return *rc;

  // Negotiates the version once; each container's connection then uses it.
  if (auto p = ctx.client().ping(); !p.ok()) return ctx.fail(p.error());
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    client::ContainerListOptions lo;
    lo.all = all;
    auto list = ctx.client().containerList(lo);
    if (!list.ok()) return ctx.fail(list.error());
    for (const Json& c : *list) targets.push_back(c.value("Id", ""));
  }

  // Shared with the threads (a streaming one may outlive this function when we stop early).
  struct Slot {
    std::optional<Json> row;
    std::string error;
    bool done = false;
  };
  struct State {
    std::mutex mu;
    std::vector<Slot> slots;
  };
  auto state = std::make_shared<State>();
  state->slots.resize(targets.size());
  std::string host = ctx.client().host(), version = ctx.client().apiVersion();
  bool trunc = !noTrunc, stream = !noStream;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets.size(); ++i) {
    threads.emplace_back([state, i, host, version, target = targets[i], trunc, stream] {
      client::Client c(host);
      c.setApiVersion(version);
      Status st = c.containerStats(target, stream, false, [&](const Json& j) {
        std::lock_guard lock(state->mu);
        state->slots[i].row = statsRow(j, target, trunc);
        return true;
      });
      std::lock_guard lock(state->mu);
      if (!st.ok())
        state->slots[i].error =
            (c.lastStatus() >= 400 ? "Error response from daemon: " : "") + st.error().message();
      state->slots[i].done = true;
    });
  }

  if (noStream) {
    for (auto& t : threads) t.join();
    std::string errors;
    std::vector<Json> out;
    for (const Slot& s : state->slots) {
      if (!s.error.empty()) errors += (errors.empty() ? "" : "\n") + s.error;
      if (s.row) out.push_back(*s.row);
    }
    if (!errors.empty()) {
      ctx.io.err << errors << "\n";
      return 1;
    }
    return writeFormatted(ctx, format, kDefaultFormat, statsHeader(), out);
  }

  // Streaming: the table redrawn each second (docker clears the screen the same way) until
  // every stream ended (its container was removed) or the user interrupts.
  int rc = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::vector<Json> out;
    bool anyRunning = false;
    std::string errors;
    {
      std::lock_guard lock(state->mu);
      for (const Slot& s : state->slots) {
        anyRunning = anyRunning || !s.done;
        if (!s.error.empty()) errors += (errors.empty() ? "" : "\n") + s.error;
        if (s.row && !s.done) out.push_back(*s.row);
      }
    }
    if (!anyRunning && out.empty() && !errors.empty()) {
      ctx.io.err << errors << "\n";
      rc = 1;
      break;
    }
    ctx.io.out << "\033[2J\033[H";
    rc = writeFormatted(ctx, format, kDefaultFormat, statsHeader(), out);
    ctx.io.out.flush();
    if (rc != 0 || !anyRunning) break;
  }
  // A thread still reading its stream (a bad --format stops us early) keeps the state alive.
  for (auto& t : threads) t.detach();
  return rc;
}

}  // namespace wharf::cli
