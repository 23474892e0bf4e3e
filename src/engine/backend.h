#pragma once
// The engine as the API routes see it (moby's router/backend split): small interfaces, one
// per resource, with domain types. src/api translates Engine API JSON to and from these types
// and never reaches into the engine's internals; tools/wharfd wires the real implementations.
//
// Threading: every method is called on the daemon's io_context thread. Methods that may take
// long (start, wait, log follow, bootstrap) are asynchronous: they return at once and call
// their callback later on that same io_context thread. Synchronous methods must not block on
// I/O for long (reading a small JSON file is fine; unpacking a layer is not).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/port_spec.h"
#include "common/unique_fd.h"
#include "engine/image_backend.h"
#include "engine/shim/stats.h"
#include "volume/mount_spec.h"
#include "volume/volume_service.h"

namespace wharf::engine {

// ---- containers -----------------------------------------------------------------------------

// HostConfig's resource fields (moby's container.Resources, the subset wharf applies), with
// docker's zero values meaning "not set": 0 and "" leave the kernel's default, nullopt too.
// Checked and mapped to linux.resources by engine/resource_limits.h.
struct ResourceLimits {
  int64_t memory = 0;                       // bytes (-m)
  int64_t memorySwap = 0;                   // memory+swap bytes; -1 unlimited; 0 unset (2x memory)
  int64_t memoryReservation = 0;            // soft limit, bytes
  std::optional<int64_t> memorySwappiness;  // 0-100; -1 and null: the host's
  std::optional<bool> oomKillDisable;
  int64_t nanoCpus = 0;  // --cpus 1.5 -> 1500000000
  int64_t cpuShares = 0, cpuPeriod = 0, cpuQuota = 0;
  std::string cpusetCpus, cpusetMems;  // "0-2,4"
  std::optional<int64_t> pidsLimit;    // <= 0: unlimited
  int blkioWeight = 0;                 // 10-1000
  bool operator==(const ResourceLimits&) const = default;
};

// What `POST /containers/create` asks for, in the engine's terms.
struct ContainerSpec {
  std::string name;   // empty: generate one (docker's adjective_surname)
  std::string image;  // as the user wrote it
  std::vector<std::string> cmd;
  std::optional<std::vector<std::string>> entrypoint;  // nullopt: the image's
  std::vector<std::string> env;                        // "K=V"
  std::string workingDir;
  std::string user;
  std::string hostname;
  std::string domainname;
  std::map<std::string, std::string> labels;
  bool tty = false;
  bool openStdin = false;
  bool stdinOnce = false;
  bool attachStdin = false;
  bool attachStdout = false;
  bool attachStderr = false;
  std::string stopSignal;
  std::optional<int> stopTimeout;
  // HostConfig
  bool autoRemove = false;
  std::string networkMode;  // "", "default", "bridge", "none", "host"
  // Networks joined beyond networkMode's, by `network connect` or at create (the other entries
  // of NetworkingConfig.EndpointsConfig, `run --network a --network b`), kept across restarts
  // as docker keeps them: plugged at each start as eth1, eth2... (engine/container_connect.cpp).
  // By id once created; at create the API passes the names as the client gave them and
  // ContainerNetworking::resolveNetworks turns them into ids.
  struct NetworkAttachment {
    std::string networkId, ipv4Address;
    std::vector<std::string> aliases;
    std::string macAddress;
  };
  std::vector<NetworkAttachment> extraNetworks;
  bool privileged = false;
  bool readonlyRootfs = false;
  std::vector<std::string> capAdd;
  std::vector<std::string> capDrop;
  std::vector<std::string> securityOpt;
  std::string restartPolicy;  // "", "no", "always", "on-failure", "unless-stopped"
  int restartMaxRetries = 0;
  // Networking: HostConfig.Dns, DnsSearch, DnsOptions, ExtraHosts ("name:ip"), and the
  // endpoint of NetworkingConfig.EndpointsConfig[networkMode] (--ip, --network-alias,
  // --mac-address).
  std::vector<std::string> dns, dnsSearch, dnsOptions, extraHosts;
  std::string ipv4Address;
  std::string ipv6Address;  // --ip6, EndpointsConfig[networkMode].IPAMConfig.IPv6Address
  std::vector<std::string> networkAliases;
  std::string macAddress;
  // HostConfig.Links (`--link name[:alias]`, engine/container_links.cpp): on the default bridge
  // stored as docker's inspect shows them, "/db:/web/alias" (resolved at create); on a user
  // network as given ("db:alias"), names scoped to this container.
  std::vector<std::string> links;
  // Published ports (engine/port_resources.h): Config.ExposedPorts (the image's added at
  // create), HostConfig.PortBindings and PublishAllPorts, keyed as docker's ("80/tcp").
  std::vector<std::string> exposedPorts;
  std::map<std::string, std::vector<PortBinding>> portBindings;
  bool publishAllPorts = false;
  // ---- volumes and mounts (engine/volume_manager.h) ----
  std::vector<std::string> binds;            // HostConfig.Binds (`-v`)
  std::vector<volume::MountRequest> mounts;  // HostConfig.Mounts (`--mount`)
  std::map<std::string, std::string> tmpfs;  // HostConfig.Tmpfs (`--tmpfs`): path -> options
  std::vector<std::string> volumesFrom;      // HostConfig.VolumesFrom
  std::vector<std::string> volumes;          // Config.Volumes: anonymous volumes
  ResourceLimits resources;                  // HostConfig's Memory, NanoCpus, PidsLimit ...
};

// `POST /containers/{id}/update` (docker update): the resource fields that are set replace the
// container's (docker's zero values change nothing; PidsLimit when present), and a restart
// policy when `restartPolicy` is set.
struct ContainerUpdate {
  ResourceLimits resources;
  std::optional<std::string> restartPolicy;
  int restartMaxRetries = 0;
};

// A host port bound for a running container (NetworkSettings.Ports["80/tcp"][i]).
struct PublishedPort {
  std::string port;    // "80/tcp"
  std::string hostIp;  // "0.0.0.0", "127.0.0.1"
  int hostPort = 0;
};

// A running container's place on one network (NetworkSettings.Networks[name]).
struct ContainerEndpoint {
  std::string network;  // name
  std::string networkId, endpointId;
  std::string ipAddress, gateway, macAddress;
  int prefixLen = 0;
  std::string globalIpv6Address, ipv6Gateway;  // IPv6 networks
  int globalIpv6PrefixLen = 0;
  std::vector<std::string> aliases;
};

enum class ContainerStatus { kCreated, kRunning, kPaused, kRestarting, kRemoving, kExited, kDead };
const char* statusName(ContainerStatus s);  // "created", "running", ... (docker's words)

struct ContainerState {
  ContainerStatus status = ContainerStatus::kCreated;
  int pid = 0;
  int exitCode = 0;
  bool oomKilled = false;
  std::string error;
  std::string startedAt = "0001-01-01T00:00:00Z";  // RFC 3339 nano, docker's zero time
  std::string finishedAt = "0001-01-01T00:00:00Z";
};

struct ContainerInfo {
  std::string id;        // 64 hex
  std::string name;      // without the leading "/"
  std::string imageRef;  // as the user wrote it ("busybox")
  std::string imageId;   // "sha256:..."
  std::string created;   // RFC 3339 nano
  int64_t createdUnix = 0;
  ContainerSpec spec;             // what it was created with, after defaults from the image
  std::vector<std::string> path;  // entrypoint + cmd actually run: path[0] is the program
  ContainerState state;
  std::string logPath;
  std::string rootfsPath;  // the merged overlay dir (GraphDriver.Data.MergedDir)
  std::string upperDir;
  std::string workDir;
  std::vector<std::string> lowerDirs;
  std::string hostnamePath, hostsPath, resolvConfPath;
  int restartCount = 0;
  std::vector<ContainerEndpoint> endpoints;  // while running; filled at inspect and list
  std::vector<PublishedPort> ports;          // while running; filled at inspect and list
  // Resolved at create (engine/volume_manager.h): what inspect shows as Mounts.
  std::vector<volume::MountPoint> mountPoints;
};

struct ListOptions {
  bool all = false;
  int limit = -1;
  // docker's filters: key -> values (e.g. "label" -> {"a=b"}, "status" -> {"exited"}).
  std::map<std::string, std::vector<std::string>> filters;
};

enum class LogStream { kStdin = 0, kStdout = 1, kStderr = 2 };

struct LogEntry {
  LogStream stream = LogStream::kStdout;
  std::string data;     // the bytes, including the trailing newline if there was one
  std::string timeIso;  // RFC 3339 nano
  int64_t timeNanos = 0;
};

struct LogOptions {
  bool follow = false;
  bool stdoutOn = true;
  bool stderrOn = true;
  bool timestamps = false;
  int64_t sinceNanos = 0;  // 0: from the start
  int64_t untilNanos = 0;  // 0: no end
  int tail = -1;           // -1: all
};

// A stream of log entries. `next` calls back once per entry; with nullopt when the stream
// ended (not following: end of log; following: the container stopped and the log is drained).
// Destroying the reader cancels it; no callback runs afterwards.
class LogReader {
 public:
  virtual ~LogReader() = default;
  virtual void next(std::function<void(Result<std::optional<LogEntry>>)> cb) = 0;
};

struct WaitResult {
  int exitCode = 0;
  std::string error;
};

enum class WaitCondition { kNotRunning, kNextExit, kRemoved };

// A container's stdin, for attach (added by api; optional for the engine). Bytes are written in
// order; close() sends EOF. Destroying the writer without close() leaves stdin open.
class StdinWriter {
 public:
  virtual ~StdinWriter() = default;
  virtual void write(std::string data, std::function<void(Status)> done) = 0;
  virtual void close() = 0;
};

// `POST /containers/{id}/exec` (swagger ExecConfig), in the engine's terms.
struct ExecConfig {
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "K=V", added to the container's
  std::string workingDir;        // "": the container's
  std::string user;              // "": the container's
  bool tty = false;
  bool privileged = false;
  bool attachStdin = false, attachStdout = false, attachStderr = false;
  std::string detachKeys;
  int consoleHeight = 0, consoleWidth = 0;
};

// `GET /exec/{id}/json`.
struct ExecInfo {
  std::string id;
  std::string containerId;
  ExecConfig config;
  bool running = false;
  bool started = false;
  std::optional<int> exitCode;  // null until it ended (or failed to start)
  int pid = 0;
};

// A started, attached exec: its output (ends after the process exited; its exit code is then
// in inspectExec) and, with AttachStdin, its stdin.
struct ExecStreams {
  std::unique_ptr<LogReader> output;
  std::unique_ptr<StdinWriter> input;  // null without AttachStdin
};

// One answer of `containerStats`: who, and the shim's sample (none when not running).
struct ContainerStatsReport {
  std::string id;
  std::string name;  // without the leading "/"
  std::optional<shim::StatsSample> sample;
};

// `POST /containers/prune` (moby's daemon/prune.go): the removed containers' ids and the
// bytes their writable layers held.
struct ContainerPruneReport {
  std::vector<std::string> deleted;
  int64_t spaceReclaimed = 0;
};

// `GET /containers/{id}/changes` (moby's archive.Change): a path of the container's
// filesystem that differs from its image.
enum class ChangeKind { kModified = 0, kAdded = 1, kDeleted = 2 };
struct FilesystemChange {
  std::string path;  // absolute, inside the container: "/etc/passwd"
  ChangeKind kind = ChangeKind::kModified;
};

// `GET /containers/{id}/top` (swagger: ContainerTopResponse): ps's header and the rows of the
// container's processes.
struct ContainerTop {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
};

class ContainerBackend {
 public:
  virtual ~ContainerBackend() = default;
  // Returns the new id; warnings for the client in `warnings`.
  virtual Result<std::string> createContainer(const ContainerSpec& spec,
                                              std::vector<std::string>* warnings) = 0;
  // By full id, unique id prefix, or name (with or without the leading "/").
  virtual Result<ContainerInfo> inspectContainer(const std::string& idOrName) = 0;
  virtual Result<std::vector<ContainerInfo>> listContainers(const ListOptions& opts) = 0;
  // Calls back when the init runs (or failed: e.g. NotFound-category error with docker's
  // "exec: \"x\": executable file not found in $PATH" when the command is missing).
  // Starting a running container is not an error (docker returns 304; done(ok) with
  // *alreadyRunning set).
  virtual void startContainer(const std::string& idOrName,
                              std::function<void(Status, bool alreadyRunning)> done) = 0;
  // Long poll: calls back when the condition is met. The callback may run at once.
  virtual void waitContainer(const std::string& idOrName, WaitCondition cond,
                             std::function<void(Result<WaitResult>)> done) = 0;
  virtual void stopContainer(const std::string& idOrName, std::optional<int> timeoutSeconds,
                             std::function<void(Status)> done) = 0;
  virtual Status killContainer(const std::string& idOrName, const std::string& signal) = 0;
  // force: kill a running container first. removeVolumes: anonymous volumes too.
  virtual void removeContainer(const std::string& idOrName, bool force, bool removeVolumes,
                               std::function<void(Status)> done) = 0;
  virtual Result<std::unique_ptr<LogReader>> readLogs(const std::string& idOrName,
                                                      const LogOptions& opts) = 0;
  // Attach: the container's output from now on (stdout/stderr as selected) until it exits.
  // Before start, this includes everything the container will write.
  virtual Result<std::unique_ptr<LogReader>> attachOutput(const std::string& idOrName,
                                                          bool stdoutOn, bool stderrOn) = 0;
  // Optional (the api copes with NotImplemented): stdin of a container created with
  // OpenStdin (`docker run -i`), and the size of its TTY (`POST /containers/{id}/resize`).
  virtual Result<std::unique_ptr<StdinWriter>> attachStdin(const std::string& idOrName) {
    return notImplemented("attaching stdin of " + idOrName + " is not supported yet");
  }
  virtual Status resizeTty(const std::string& idOrName, int height, int width) {
    (void)height;
    (void)width;
    return notImplemented("resizing the TTY of " + idOrName + " is not supported yet");
  }

  // exec (moby's daemon/exec.go): create checks the container runs (409 otherwise); start
  // runs the process in the container; a start error (e.g. the command is missing) is
  // returned and recorded as exit code 126/127 in the exec's inspect.
  virtual Result<std::string> createExec(const std::string& idOrName, const ExecConfig& cfg) {
    (void)cfg;
    return notImplemented("exec into " + idOrName + " is not supported yet");
  }
  virtual Result<ExecInfo> inspectExec(const std::string& execId) {
    return notFound("No such exec instance: " + execId);
  }
  virtual void startExec(const std::string& execId, bool detach,
                         std::function<void(Result<ExecStreams>)> done) {
    (void)detach;
    done(notFound("No such exec instance: " + execId));
  }
  virtual Status resizeExec(const std::string& execId, int height, int width) {
    (void)height;
    (void)width;
    return notFound("No such exec instance: " + execId);
  }
  // `docker rename` (moby's daemon/rename.go): InvalidArgument for an empty or unchanged
  // name, Conflict when another container has it; publishes "rename" with the old name.
  virtual Status renameContainer(const std::string& idOrName, const std::string& newName) {
    (void)newName;
    return notImplemented("renaming " + idOrName + " is not supported yet");
  }
  // `docker pause` / `unpause` (the cgroup freezer). Conflict (409) with docker's message when
  // the container is not running / not paused.
  virtual Status pauseContainer(const std::string& idOrName) {
    return notImplemented("pausing " + idOrName + " is not supported yet");
  }
  virtual Status unpauseContainer(const std::string& idOrName) {
    return notImplemented("unpausing " + idOrName + " is not supported yet");
  }
  // GET /containers/{id}/stats: one sample of the container's resource usage, read by its
  // shim (engine/shim/stats.h) without blocking the loop; done on the io_context thread.
  // NotFound for no such container; no sample when it is not running (docker then answers
  // with zeroed stats).
  virtual void containerStats(const std::string& idOrName,
                              std::function<void(Result<ContainerStatsReport>)> done) {
    done(notImplemented("stats of " + idOrName + " are not supported yet"));
  }
  // `docker update` (moby's daemon/update.go): checks as create does, persists, applies the
  // limits to a running container's cgroup at once; publishes "update". Docker's messages.
  virtual Status updateContainer(const std::string& idOrName, const ContainerUpdate& u,
                                 std::vector<std::string>* warnings) {
    (void)u, (void)warnings;
    return notImplemented("updating " + idOrName + " is not supported yet");
  }
  // `docker container prune`: removes the containers that are not running (created, exited,
  // dead) and match docker's prune filters (until, label, label!); publishes "destroy" for
  // each and one "prune" event. InvalidArgument for another filter, Conflict while a prune runs.
  virtual void pruneContainers(const std::map<std::string, std::vector<std::string>>& filters,
                               std::function<void(Result<ContainerPruneReport>)> done) {
    (void)filters;
    done(notImplemented("container prune is not supported"));
  }
  // `docker diff`: the changes in the container's writable layer, walked off the loop.
  virtual void containerChanges(const std::string& idOrName,
                                std::function<void(Result<std::vector<FilesystemChange>>)> done) {
    done(notImplemented("changes of " + idOrName + " are not supported"));
  }
  // `docker top`: the host's `ps` with psArgs (default "-ef"), keeping the rows of the
  // container's processes. Conflict when it is not running (docker's message).
  virtual void containerTop(const std::string& idOrName, const std::string& psArgs,
                            std::function<void(Result<ContainerTop>)> done) {
    (void)psArgs;
    done(notImplemented("top of " + idOrName + " is not supported"));
  }
  // `docker export`: the read end of a pipe carrying the tar of the container's filesystem
  // (running or not), EOF at its end.
  virtual void exportContainer(const std::string& idOrName,
                               std::function<void(Result<UniqueFd>)> done) {
    done(notImplemented("export of " + idOrName + " is not supported"));
  }
  // `docker restart`: stop (when running, as stopContainer) then start; publishes "restart".
  virtual void restartContainer(const std::string& idOrName, std::optional<int> timeoutSeconds,
                                std::function<void(Status)> done) {
    stopContainer(idOrName, timeoutSeconds, [this, idOrName, done](Status st) {
      if (!st.ok()) return done(std::move(st));
      startContainer(idOrName, [done](Status st2, bool) { done(std::move(st2)); });
    });
  }
};

// ---- events ---------------------------------------------------------------------------------

// One event as docker reports it on GET /events (swagger: EventMessage).
struct Event {
  std::string type;    // "container", "image", "network", "volume", "daemon"
  std::string action;  // "create", "start", "die", "exec_start: sh -c true", "untag" ...
  std::string actorId;
  std::map<std::string, std::string> attributes;  // name, image, exitCode, signal, labels ...
  std::string scope = "local";
  int64_t timeNano = 0;  // unix nanoseconds; set by the bus when 0
};

// Where components publish events (ContainerManager, ImageManager, exec, networks, volumes).
// Called on the io_context thread.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual void publish(Event e) = 0;
};

struct EventQuery {
  int64_t sinceNanos = -1;  // -1: no past events; else replay those at or after it
  int64_t untilNanos = -1;  // -1: follow forever; else end the stream at this time
  // docker's filters: type, event, container, image, label, network, volume, daemon, scope.
  std::map<std::string, std::vector<std::string>> filters;
};

// A stream of events: `next` calls back once per event, with nullopt when the stream ended
// (until reached). Destroying it cancels; no callback runs afterwards.
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual void next(std::function<void(std::optional<Event>)> cb) = 0;
};

// ---- volumes -------------------------------------------------------------------------------

struct VolumeDetail {
  volume::Volume volume;
  int64_t refCount = 0;  // containers using it (UsageData.RefCount)
  int64_t size = -1;     // bytes, -1 when not computed (UsageData.Size)
};

class VolumeBackend {
 public:
  virtual ~VolumeBackend() = default;
  virtual Result<VolumeDetail> createVolume(const volume::CreateRequest& req) = 0;
  virtual Result<std::vector<VolumeDetail>> listVolumes(const volume::Filters& filters) = 0;
  virtual Result<VolumeDetail> inspectVolume(const std::string& name) = 0;
  virtual Status removeVolume(const std::string& name, bool force) = 0;
  virtual Result<volume::PruneReport> pruneVolumes(const volume::Filters& filters) = 0;
};

// ---- system ---------------------------------------------------------------------------------

struct SystemInfo {
  std::string id;
  std::string name;  // host name
  int containers = 0, running = 0, paused = 0, stopped = 0, images = 0;
  std::string dataRoot;
  std::string execRoot;
  std::string kernelVersion;
  std::string operatingSystem;
  std::string osType = "linux";
  std::string architecture;
  int ncpu = 0;
  int64_t memTotal = 0;
  std::string cgroupDriver = "cgroupfs";
  std::string cgroupVersion;  // "1" or "2"
  std::string storageDriver = "overlay2";
  std::string loggingDriver = "json-file";
  std::string defaultRuntime = "wharf";
  std::vector<std::string> securityOptions;  // "name=seccomp,profile=builtin"
  std::string serverVersion;
  std::vector<std::string> registryMirrors;     // "https://mirror.example/" (--registry-mirror)
  std::vector<std::string> insecureRegistries;  // --insecure-registry: "host:port" or a CIDR
  // What the components report (no claim of a feature that does not exist).
  std::vector<std::string> volumePlugins, networkPlugins, logPlugins;  // "local"; "bridge" ...
  bool memoryLimit = false, swapLimit = false, cpuCfsPeriod = false, cpuCfsQuota = false,
       cpuShares = false, cpuSet = false, pidsLimit = false, oomKillDisable = false;
  bool ipv4Forwarding = false;
  int eventListeners = 0;
  std::vector<std::string> warnings;
};

// GET /system/df (`docker system df`): what each kind of object takes on disk.
struct DiskUsageOptions {
  bool images = true, containers = true, volumes = true, buildCache = true;
};
struct ImageDiskUsage {
  ImageSummary summary;
  int64_t size = 0;        // its blobs and unpacked snapshots, bytes on disk
  int64_t sharedSize = 0;  // the part of size other images refer to as well
  int containers = 0;      // containers (any state) that use it
};
struct ContainerDiskUsage {
  ContainerInfo container;
  int64_t sizeRw = 0;      // its writable layer (upper dir)
  int64_t sizeRootFs = 0;  // sizeRw + its image's unpacked layers
};
struct DiskUsage {
  int64_t layersSize = 0;  // every blob and snapshot in the image store, once
  std::vector<ImageDiskUsage> images;
  std::vector<ContainerDiskUsage> containers;
  std::vector<VolumeDetail> volumes;  // size -1 for volumes that are not measured
};

class SystemBackend {
 public:
  virtual ~SystemBackend() = default;
  virtual Result<SystemInfo> info() = 0;
  // GET /system/df. The sizes are measured off the API loop; `done` runs on it.
  virtual void diskUsage(const DiskUsageOptions& opts,
                         std::function<void(Result<DiskUsage>)> done) {
    (void)opts;
    done(notImplemented("system df is not supported"));
  }
  // GET /events. InvalidArgument for a filter docker refuses.
  virtual Result<std::unique_ptr<EventStream>> events(const EventQuery& q) {
    (void)q;
    return notImplemented("events are not supported");
  }
};

// ---- networks (network::Manager behind engine::NetworkService) ------------------------------

struct NetworkEndpointInfo {
  std::string containerId;
  std::string name;  // the container's name
  std::string endpointId;
  std::string macAddress;
  std::string ipv4Address;  // "172.18.0.2/16", or empty
  std::string ipv6Address;  // "fd00:1::2/64", or empty
  std::vector<std::string> aliases;
};

struct NetworkInfo {
  std::string id, name, driver, created;  // driver: "bridge", "host", "null"
  bool internal = false, attachable = false;
  std::string subnet, gateway, ipRange;  // empty for host and none
  bool enableIpv6 = false;
  std::string subnet6, gateway6, ipRange6;  // IPv6 networks
  std::map<std::string, std::string> labels, options;
  std::vector<NetworkEndpointInfo> containers;
};

// POST /networks/create, strings as the client sent them (validated by the network module).
struct NetworkCreateRequest {
  std::string name;
  std::string driver = "bridge";
  bool internal = false, attachable = false, enableIpv6 = false;
  std::map<std::string, std::string> labels, options;
  std::string subnet, ipRange, gateway;     // the IPv4 IPAM config
  std::string subnet6, ipRange6, gateway6;  // the IPv6 one
};

class NetworkBackend {
 public:
  virtual ~NetworkBackend() = default;
  virtual Result<NetworkInfo> createNetwork(const NetworkCreateRequest& req) = 0;
  // By name, full id or unique id prefix.
  virtual Result<NetworkInfo> inspectNetwork(const std::string& idOrName) = 0;
  // docker's filters: driver, id, label, name, scope, type (custom|builtin), dangling.
  virtual Result<std::vector<NetworkInfo>> listNetworks(
      const std::map<std::string, std::vector<std::string>>& filters) = 0;
  virtual Status removeNetwork(const std::string& idOrName) = 0;
  // Removes the user networks no container uses; returns their names.
  virtual Result<std::vector<std::string>> pruneNetworks(
      const std::map<std::string, std::vector<std::string>>& filters) = 0;
  // POST /networks/{id}/connect and /disconnect. Connecting a created container to its own
  // network (NetworkMode) sets its endpoint (aliases, address), disconnecting it clears them
  // (what compose does before it starts a container); another network is added to (removed
  // from) the container's networks; a running container is plugged (unplugged) at once.
  struct ConnectRequest {
    std::string container;
    std::string ipv4Address, macAddress;
    std::vector<std::string> aliases;
  };
  virtual Status connectNetwork(const std::string& network, const ConnectRequest& req) = 0;
  virtual Status disconnectNetwork(const std::string& network, const std::string& container,
                                   bool force) = 0;
};

}  // namespace wharf::engine
