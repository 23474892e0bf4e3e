// wharfd: the daemon's composition root. Parses dockerd-style flags (and daemon.json), takes
// the data root's lock, builds the store, image service, runtime, engine and API server on one
// io_context, and serves until SIGTERM/SIGINT. Containers keep running when it exits: their
// shims are not its children.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>

#include "api/server.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "engine/container_fs.h"
#include "engine/container_manager.h"
#include "engine/container_network.h"
#include "engine/data_root.h"
#include "engine/disk_usage.h"
#include "engine/events.h"
#include "engine/image_manager.h"
#include "engine/network_resources.h"
#include "engine/network_service.h"
#include "engine/port_resources.h"
#include "engine/process_shim_launcher.h"
#include "engine/rootfs.h"
#include "engine/system_service.h"
#include "engine/volume_manager.h"
#include "image/image_service.h"
#include "image/registry_client.h"
#include "network/dns_server.h"
#include "network/manager.h"
#include "runtime/runtime.h"
#include "store/content_store.h"
#include "store/lease.h"
#include "store/metadata.h"
#include "store/snapshotter.h"
#include "volume/volume_service.h"

namespace {

using namespace wharf;
namespace stdfs = std::filesystem;

struct DaemonConfig {
  std::vector<std::string> hosts;
  std::string dataRoot = "/var/lib/wharf";
  std::string execRoot = "/run/wharf";
  std::string logLevel = "info";
  std::vector<std::string> insecureRegistries, registryMirrors;
  std::string bridge = "wharf0";  // -b/--bridge: the default bridge network's interface
  // --dns: the nameservers of containers without --dns (dockerd's; docs/daemon.md).
  std::vector<std::string> dns;
  int maxConcurrentDownloads = 3;
  // --ipv6, --fixed-cidr-v6: IPv6 on the default bridge (docs/networking.md).
  bool ipv6 = false;
  std::string fixedCidrV6;
};

// The firewall table of a daemon: "wharf" for the default bridge, else one per bridge name,
// so two daemons on one host (the tests) keep separate tables.
std::string firewallTableFor(const std::string& bridge) {
  if (bridge == "wharf0") return network::kFirewallTable;
  std::string t = "wharf_";
  for (char c : bridge) t += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return t;
}

// daemon.json keys: hosts, data-root, exec-root, log-level (others are ignored, as unknown
// keys would be an error in dockerd: we warn instead).
Status loadConfigFile(const std::string& path, DaemonConfig* cfg, const CLI::App& app) {
  WHARF_ASSIGN_OR_RETURN(std::string text, fs::readFile(path));
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(text, path));
  if (!j.is_object()) return invalidArgument(path + ": not a JSON object");
  try {
    for (auto& [key, value] : j.items()) {
      // A flag given on the command line wins over the file.
      if (key == "hosts") {
        if (app.count("-H") == 0) cfg->hosts = value.get<std::vector<std::string>>();
      } else if (key == "data-root") {
        if (app.count("--data-root") == 0) cfg->dataRoot = value.get<std::string>();
      } else if (key == "exec-root") {
        if (app.count("--exec-root") == 0) cfg->execRoot = value.get<std::string>();
      } else if (key == "log-level") {
        if (app.count("--log-level") == 0) cfg->logLevel = value.get<std::string>();
      } else if (key == "insecure-registries") {
        cfg->insecureRegistries = value.get<std::vector<std::string>>();
      } else if (key == "bridge") {
        if (app.count("--bridge") == 0) cfg->bridge = value.get<std::string>();
      } else if (key == "ipv6") {
        if (app.count("--ipv6") == 0) cfg->ipv6 = value.get<bool>();
      } else if (key == "fixed-cidr-v6") {
        if (app.count("--fixed-cidr-v6") == 0) cfg->fixedCidrV6 = value.get<std::string>();
      } else if (key == "dns") {
        if (app.count("--dns") == 0) cfg->dns = value.get<std::vector<std::string>>();
      } else if (key == "max-concurrent-downloads") {
        if (app.count("--max-concurrent-downloads") == 0)
          cfg->maxConcurrentDownloads = value.get<int>();
      } else if (key == "registry-mirrors") {
        if (app.count("--registry-mirror") == 0)
          cfg->registryMirrors = value.get<std::vector<std::string>>();
      } else {
        log::warn("{}: ignoring unsupported key \"{}\"", path, key);
      }
    }
  } catch (const Json::exception& e) {
    return invalidArgument(path + ": " + e.what());
  }
  return okStatus();
}

// The data root belongs to one daemon: a second one would corrupt the DB and the mounts.
Result<UniqueFd> lockDataRoot(const stdfs::path& dataRoot) {
  stdfs::path lockPath = dataRoot / "wharfd.lock";
  UniqueFd fd(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return sysError("open " + lockPath.string());
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      std::string holder;
      auto text = fs::readFile(lockPath);
      if (text.ok() && !text->empty()) holder = " (pid " + text->substr(0, text->find('\n')) + ")";
      return conflict("another wharfd is already running on data root " + dataRoot.string() +
                      holder + "; lock " + lockPath.string() + " is held");
    }
    return sysError("lock " + lockPath.string());
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) (void)!::pwrite(fd.get(), pid.data(), pid.size(), 0);
  return fd;
}

int run(DaemonConfig cfg) {
  if (!log::setLevel(cfg.logLevel)) {
    std::fprintf(stderr, "wharfd: unknown log level \"%s\"\n", cfg.logLevel.c_str());
    return 1;
  }
  for (const auto& d : cfg.dns) {
    if (network::parseDnsUpstreams({d}).empty()) {
      log::error("--dns {}: not an IP address", d);
      return 1;
    }
  }
  if (cfg.hosts.empty()) cfg.hosts.push_back("unix://" + cfg.execRoot + "/wharf.sock");
  std::vector<std::string> socketPaths;
  for (const auto& h : cfg.hosts) {
    if (h.rfind("unix://", 0) == 0) {
      socketPaths.push_back(h.substr(7));
    } else if (h.rfind("tcp://", 0) == 0) {
      log::error("{}: TCP hosts need mutual TLS (--tlsverify), which is not supported yet", h);
      return 1;
    } else {
      log::error("invalid host \"{}\": only unix:///path is supported", h);
      return 1;
    }
  }
  // Absolute: the paths end up in bundles and in the shims, which run elsewhere.
  stdfs::path dataRoot = stdfs::absolute(cfg.dataRoot), execRoot = stdfs::absolute(cfg.execRoot);
  // The data root is private (engine/data_root.h); the exec root stays traversable, since
  // the default API socket lives in it for group "wharf".
  for (const auto& d : {dataRoot, dataRoot / "containers", execRoot / "containers"}) {
    Status st = engine::makeDirWithMode(d, engine::kPrivateDirMode);
    if (!st.ok()) {
      log::error("{}", st.error().message());
      return 1;
    }
  }
  for (const auto& d : {execRoot, execRoot / "runtime"}) {
    Status st = fs::mkdirAll(d, 0711);
    if (!st.ok()) {
      log::error("{}", st.error().message());
      return 1;
    }
  }
  auto lock = lockDataRoot(dataRoot);
  if (!lock.ok()) {
    log::error("{}", lock.error().message());
    return 1;
  }

  store::LocalContentStore content(dataRoot / "content");
  store::OverlaySnapshotter snapshots(dataRoot / "snapshots");
  if (Status st = engine::prepareDatabaseFile(dataRoot / "wharf.db"); !st.ok()) {
    log::error("{}", st.error().message());
    return 1;
  }
  // Two connections to one database: the loop's, and the one image jobs share on the worker
  // pool (engine/image_manager.h), so that the loop never waits for an image job's lock.
  auto db = store::MetadataDb::open(dataRoot / "wharf.db");
  if (!db.ok()) {
    log::error("open {}: {}", (dataRoot / "wharf.db").string(), db.error().message());
    return 1;
  }
  auto workerDb = store::MetadataDb::open(dataRoot / "wharf.db");
  if (!workerDb.ok()) {
    log::error("open {}: {}", (dataRoot / "wharf.db").string(), workerDb.error().message());
    return 1;
  }
  // One set of leases for both services: a GC pass on the workers' sees every pull's.
  store::LeaseManager leases;
  image::ImageService loopImages(content, snapshots, **db, &leases);
  image::ImageService workerImages(content, snapshots, **workerDb, &leases);
  // Data roots made by older versions were world-readable: fix them before serving.
  if (Status st = engine::securePrivateTree(dataRoot, execRoot); !st.ok()) {
    log::error("securing the data root: {}", st.error().message());
    return 1;
  }
  runtime::Runtime runtime(execRoot / "runtime");

  boost::asio::io_context io(1);
  boost::asio::thread_pool pool(2);
  engine::EventBus events(io);
  engine::ImageManagerConfig icfg;
  icfg.dataRoot = dataRoot;
  icfg.insecureRegistries = cfg.insecureRegistries;
  icfg.registryMirrors = cfg.registryMirrors;
  icfg.maxConcurrentDownloads = cfg.maxConcurrentDownloads;
  engine::ImageManager images(io, pool, loopImages, workerImages, events, icfg);
  // What a crash left (blobs of a pull cut short, temp files, snapshots of removed images)
  // goes before the API serves; no lease exists yet, so only records protect anything.
  images.collectGarbageAtStart();
  engine::ProcessShimLauncher shims(io, pool, runtime, {});
  engine::OverlayRootfs rootfs;
  engine::ContainerManagerConfig ccfg;
  ccfg.dataRoot = dataRoot;
  ccfg.execRoot = execRoot;
  engine::ContainerManager containers(io, **db, images, shims, rootfs, events, ccfg);
  volume::VolumeService volumeService(dataRoot / "volumes");
  if (Status vst = volumeService.load(); !vst.ok()) {
    log::error("volumes: {}", vst.error().message());
    return 1;
  }
  // Volumes: mounts prepared at each start, released at exit and removal.
  engine::VolumeManager volumes(volumeService);
  containers.addResources(&volumes);
  // Networks: namespace, veth, address and /etc files prepared at each start, released at
  // exit and removal; network::Manager::init (after restore) keeps only the endpoints of
  // containers still running.
  network::ManagerConfig ncfg;
  ncfg.dataRoot = dataRoot;
  ncfg.execRoot = execRoot;
  ncfg.defaultBridge = cfg.bridge;
  ncfg.firewallTable = firewallTableFor(cfg.bridge);
  ncfg.defaultBridgeIpv6 = cfg.ipv6;
  ncfg.defaultBridgeSubnet6 = cfg.fixedCidrV6;
  network::Manager networks(ncfg);
  engine::ContainerNetworking containerNetworking(networks, [&](const std::string& id) {
    return (dataRoot / "containers" / id / "hosts").string();
  });
  containers.setNetworking(&containerNetworking);
  containerNetworking.setEvents(&events);  // network connect/disconnect at start and exit
  // The embedded DNS server (127.0.0.11 in each container on a user network), on this loop.
  network::DnsServer dnsServer(io, [&](const std::string& id) { return networks.networksOf(id); });
  containerNetworking.setDns(&dnsServer, cfg.dns);
  engine::NetworkResources networkResources(
      containerNetworking, [&](const std::string& idOrName) -> Result<engine::ContainerInfo> {
        return containers.inspectContainer(idOrName);
      });
  containers.addResources(&networkResources);
  // Published ports: after the network, whose endpoint gives the container's address.
  engine::PortResources portResources(containerNetworking, networks, execRoot / "ports");
  containers.addResources(&portResources);
  engine::SystemServiceConfig scfg;
  scfg.dataRoot = dataRoot;
  scfg.execRoot = execRoot;
  scfg.registryMirrors = cfg.registryMirrors;
  scfg.insecureRegistries = cfg.insecureRegistries;
  engine::SystemService system(containers, images, events, scfg);
  engine::DiskUsageService diskUsage(io, pool, containers, images, &volumes);
  system.setDiskUsage(&diskUsage);
  engine::ContainerFsService containerFs(io, pool, containers, images, diskUsage, events,
                                         dataRoot / "tmp");
  containers.setFilesystem(&containerFs);
  // Network drivers: bridge (network/), the host's namespace and none (a private one with lo).
  system.addNetworkDriver("bridge");
  system.addNetworkDriver("host");
  system.addNetworkDriver("null");
  system.addVolumeDriver("local");
  Status st = containers.restore();
  if (!st.ok()) log::warn("live restore: {}", st.error().message());

  // Networks: the containers running now keep their endpoints; the rest are released.
  std::set<std::string> live;
  if (auto running = containers.listContainers(engine::ListOptions{}); running.ok()) {
    for (const auto& c : *running) live.insert(c.id);
  }
  st = networks.init(live);
  if (!st.ok()) {
    log::error("networks: {}", st.error().message());
    return 1;
  }
  // Live restore: the running containers' DNS sockets died with the previous daemon.
  if (auto running = containers.listContainers(engine::ListOptions{}); running.ok()) {
    for (const auto& c : *running) containerNetworking.resume(c);
  }
  engine::NetworkService networkService(networks, containers);

  api::ServerConfig apiCfg;
  apiCfg.uploadDir = dataRoot / "tmp";  // image load/import bodies: on disk, not in memory
  api::Server server(io, containers, images, system, apiCfg, &volumes, &networkService);
  for (const auto& path : socketPaths) {
    st = server.listenUnix(path);
    if (!st.ok()) {
      log::error("listen on {}: {}", path, st.error().message());
      return 1;
    }
    log::info("API listening on unix://{}", path);
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("received signal {}: shutting down (containers keep running)", sig);
    server.stop();
    io.stop();
  });
  log::info("wharfd {} started (data root {}, exec root {})", WHARF_VERSION, dataRoot.string(),
            execRoot.string());
  io.run();
  pool.join();
  if (Status down = networks.shutdown(); !down.ok())
    log::warn("networks: {}", down.error().message());
  for (const auto& path : socketPaths) ::unlink(path.c_str());
  log::info("wharfd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  // dockerd reloads its configuration on SIGHUP; wharfd has nothing to reload yet, but a
  // hang-up must not kill the daemon.
  ::signal(SIGHUP, SIG_IGN);
  spdlog::set_default_logger(spdlog::stderr_color_mt("wharfd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  CLI::App app{"wharfd: the wharf daemon (a Docker Engine API server)", "wharfd"};
  DaemonConfig cfg;
  std::string configFile;
  bool debug = false, version = false;
  app.add_option("-H,--host", cfg.hosts, "Daemon socket(s) to listen on (unix:///path.sock)");
  app.add_option("--data-root", cfg.dataRoot, "Root directory of persistent state")
      ->capture_default_str();
  app.add_option("--exec-root", cfg.execRoot, "Root directory for execution state")
      ->capture_default_str();
  app.add_option("-l,--log-level", cfg.logLevel, "Log level (debug, info, warn, error, fatal)")
      ->capture_default_str();
  app.add_option("--config-file", configFile, "Daemon configuration file (daemon.json keys)");
  app.add_option("--insecure-registry", cfg.insecureRegistries,
                 "Registries reached over HTTP or unverified TLS (host[:port] or CIDR)");
  app.add_option("--registry-mirror", cfg.registryMirrors,
                 "Preferred Docker registry mirror (repeatable; Docker Hub pulls only)");
  app.add_option("--max-concurrent-downloads", cfg.maxConcurrentDownloads,
                 "Set the max concurrent downloads")
      ->check(CLI::PositiveNumber);
  app.add_option("-b,--bridge", cfg.bridge, "Interface of the default bridge network")
      ->capture_default_str();
  app.add_option("--dns", cfg.dns,
                 "DNS server for containers without --dns (the upstream of the embedded DNS "
                 "server on user networks)")
      ->allow_extra_args(false);
  app.add_flag("--ipv6", cfg.ipv6, "Enable IPv6 on the default bridge network");
  app.add_option("--fixed-cidr-v6", cfg.fixedCidrV6,
                 "IPv6 subnet of the default bridge (with --ipv6; default: a /64 of the ULA pool)");
  app.add_flag("-D,--debug", debug, "Debug logging (same as --log-level debug)");
  app.add_flag("-v,--version", version, "Print the version and exit");
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::printf("wharfd version %s\n", WHARF_VERSION);
    return 0;
  }
  if (!configFile.empty()) {
    Status st = loadConfigFile(configFile, &cfg, app);
    if (!st.ok()) {
      std::fprintf(stderr, "wharfd: config file: %s\n", st.error().message().c_str());
      return 1;
    }
  }
  // dockerd refuses to start with an invalid mirror; the URLs are kept as /info shows them.
  for (auto& m : cfg.registryMirrors) {
    auto normal = image::normalizeMirror(m);
    if (!normal.ok()) {
      std::fprintf(stderr, "wharfd: %s\n", normal.error().message().c_str());
      return 1;
    }
    m = *normal;
  }
  if (debug) cfg.logLevel = "debug";
  return run(std::move(cfg));
}
