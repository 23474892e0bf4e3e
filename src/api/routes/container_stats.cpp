// GET /containers/{id}/stats (swagger: ContainerStats), as moby's daemon/stats.go serves it:
//   stream=true (default)   one object at once, then one a second, each with precpu_stats and
//                           preread from the one before; a container that is not running
//                           gives zeroed objects (name and id only) until it runs again; the
//                           stream ends when the client leaves or the container is removed.
//   stream=false            two samples a second apart, the second sent with the first as its
//                           precpu (so that a CPU % can be computed); at once with zeroed stats
//                           when the container is not running.
//   one-shot=true           (stream=false only) one sample at once, precpu zero.
// The samples come from the container's shim (engine::ContainerBackend::containerStats); the
// pump holds the previous cpu_stats only, so a stream costs a few hundred bytes.
#include <boost/asio/steady_timer.hpp>

#include "api/errors.h"
#include "api/internal/routes.h"
#include "api/internal/stats_json.h"
#include "common/time.h"

namespace wharf::api {

namespace {

Json entries(const std::vector<shim::BlkioEntry>& v) {
  Json a = Json::array();
  for (const auto& e : v)
    a.push_back({{"major", e.major}, {"minor", e.minor}, {"op", e.op}, {"value", e.value}});
  return a;
}

}  // namespace

Json cpuStatsJson(const shim::StatsSample* s) {
  Json usage = {{"total_usage", s ? s->cpuTotal : 0},
                {"usage_in_kernelmode", s ? s->cpuKernel : 0},
                {"usage_in_usermode", s ? s->cpuUser : 0}};
  if (s && !s->percpu.empty()) usage["percpu_usage"] = s->percpu;
  Json j = {{"cpu_usage", usage},
            {"throttling_data",
             {{"periods", s ? s->throttlePeriods : 0},
              {"throttled_periods", s ? s->throttledPeriods : 0},
              {"throttled_time", s ? s->throttledTime : 0}}}};
  // omitempty, as docker's
  if (s && s->systemCpu) j["system_cpu_usage"] = s->systemCpu;
  if (s && s->onlineCpus) j["online_cpus"] = s->onlineCpus;
  return j;
}

Json statsJson(const engine::ContainerStatsReport& r, const Json& precpu,
               const std::string& preread) {
  const shim::StatsSample* s = r.sample ? &*r.sample : nullptr;
  Json blkio = Json::object();
  for (const char* k : {"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
                        "io_service_time_recursive", "io_wait_time_recursive",
                        "io_merged_recursive", "io_time_recursive", "sectors_recursive"})
    blkio[k] = nullptr;
  Json pids = Json::object(), mem = Json::object();
  if (s) {
    // v1 fills every list (the kernel's files, possibly empty); v2 has the bytes only, null
    // when no device was used (moby's statsV2).
    if (s->cgroupVersion == 1) {
      for (auto& [k, v] : blkio.items()) v = Json::array();
      blkio["io_service_bytes_recursive"] = entries(s->ioServiceBytes);
      blkio["io_serviced_recursive"] = entries(s->ioServiced);
    } else if (!s->ioServiceBytes.empty()) {
      blkio["io_service_bytes_recursive"] = entries(s->ioServiceBytes);
    }
    if (s->pidsCurrent) pids["current"] = s->pidsCurrent;
    if (s->pidsLimit) pids["limit"] = s->pidsLimit;
    if (s->memUsage) mem["usage"] = s->memUsage;
    if (s->memMaxUsage) mem["max_usage"] = s->memMaxUsage;
    if (!s->memStats.empty()) mem["stats"] = s->memStats;
    if (s->memFailcnt) mem["failcnt"] = s->memFailcnt;
    if (s->memLimit) mem["limit"] = s->memLimit;
  }
  Json j = {{"read", s ? formatRfc3339Nano(s->readNanos) : kZeroTime},
            {"preread", preread},
            {"pids_stats", pids},
            {"blkio_stats", blkio},
            {"num_procs", 0},
            {"storage_stats", Json::object()},
            {"cpu_stats", cpuStatsJson(s)},
            {"precpu_stats", precpu},
            {"memory_stats", mem},
            {"name", "/" + r.name},
            {"id", r.id}};
  if (s && !s->networks.empty()) {
    Json nets = Json::object();
    for (const auto& [name, n] : s->networks)
      nets[name] = {{"rx_bytes", n.rxBytes},   {"rx_packets", n.rxPackets},
                    {"rx_errors", n.rxErrors}, {"rx_dropped", n.rxDropped},
                    {"tx_bytes", n.txBytes},   {"tx_packets", n.txPackets},
                    {"tx_errors", n.txErrors}, {"tx_dropped", n.txDropped}};
    j["networks"] = nets;
  }
  return j;
}

namespace {

struct StatsPump : std::enable_shared_from_this<StatsPump> {
  RouteContextPtr ctx;
  ResponderPtr out;
  std::string target;  // the id once known (a name may be taken by another container later)
  bool stream = true, oneShot = false;
  bool started = false;  // stream: headers sent
  bool primed = false;   // stream=false: the first of the two samples is in
  bool ended = false;
  Json precpu = cpuStatsJson(nullptr);
  std::string preread = kZeroTime;
  boost::asio::steady_timer timer;

  StatsPump(RouteContextPtr c, ResponderPtr o, std::string t)
      : ctx(std::move(c)), out(std::move(o)), target(std::move(t)), timer(ctx->io) {}

  void sample() {
    if (ended) return;
    ctx->containers.containerStats(
        target, [self = shared_from_this()](Result<engine::ContainerStatsReport> r) {
          self->got(std::move(r));
        });
  }

  void got(Result<engine::ContainerStatsReport> r) {
    if (ended) return;
    if (!r.ok()) {
      // Removed while streamed: the stream ends, as docker's (its collector closes it).
      if (started) return end();
      ended = true;
      return replyError(*out, r.error());
    }
    target = r->id;
    if (!stream) {
      // Not running: docker's zeroed answer at once. One-shot: the sample as it is.
      if (!r->sample || oneShot || primed) return finishWith(*r);
      primed = true;
      precpu = cpuStatsJson(&*r->sample);
      preread = formatRfc3339Nano(r->sample->readNanos);
      return later();
    }
    if (!started) {
      started = true;
      out->startStream(200, "application/json");
    }
    Json j = statsJson(*r, precpu, preread);
    precpu = j["cpu_stats"];
    preread = j["read"].get<std::string>();
    out->write(j.dump() + "\n", [self = shared_from_this()](bool ok) {
      if (!ok) return self->end();
      self->later();
    });
  }

  void finishWith(const engine::ContainerStatsReport& r) {
    ended = true;
    out->reply(200, "application/json", statsJson(r, precpu, preread).dump() + "\n");
  }

  void later() {
    if (ended) return;
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->sample();
    });
  }

  void end() {
    if (ended) return;
    ended = true;
    timer.cancel();
    out->finish();
  }
};

}  // namespace

void addContainerStatsRoutes(Router& router, RouteContextPtr ctx) {
  router.add(
      "GET", "/containers/{id}/stats", "ContainerStats", [ctx](const Request& req, ResponderPtr r) {
        bool stream = req.queryBool("stream", true);
        bool oneShot = req.queryBool("one-shot", false);
        if (stream && oneShot)
          return replyError(*r, invalidArgument("cannot have stream=true and one-shot=true"));
        auto pump = std::make_shared<StatsPump>(ctx, r, req.params.at("id"));
        pump->stream = stream;
        pump->oneShot = oneShot;
        r->onClose([weak = std::weak_ptr<StatsPump>(pump)] {
          if (auto p = weak.lock()) p->end();
        });
        pump->sample();
      });
}

}  // namespace wharf::api
