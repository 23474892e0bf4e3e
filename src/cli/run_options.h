#pragma once
// `wharf run` / `wharf create`: their flags, the split between wharf's flags and the
// container's command, and the POST /containers/create body they turn into.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace wharf::cli {

// -m, --memory-swap, --cpus, --pids-limit ... as typed (resource_flags.cpp).
struct ResourceFlags {
  std::string memory, memorySwap, memoryReservation, cpus;  // "256m", "-1", "1.5"
  int64_t memorySwappiness = -1;
  bool oomKillDisable = false;
  int64_t cpuShares = 0, cpuPeriod = 0, cpuQuota = 0;
  std::string cpusetCpus, cpusetMems;
  std::optional<int64_t> pidsLimit;
  int blkioWeight = 0;
};

struct RunOptions {
  bool detach = false;
  bool rm = false;
  bool interactive = false;
  bool tty = false;
  bool privileged = false;
  bool readOnly = false;
  bool init = false;
  std::string name;
  std::vector<std::string> env;
  std::vector<std::string> envFiles;
  std::string workdir;
  std::string user;
  std::optional<std::string> entrypoint;
  std::string hostname;
  std::vector<std::string> labels;
  std::vector<std::string> networks;  // --network, repeatable (cli/run_network.h)
  // Networking: --ip --network-alias --mac-address --dns --dns-search --dns-option --add-host
  std::string ip, ip6, macAddress;
  std::vector<std::string> networkAliases, dns, dnsSearch, dnsOptions, addHosts, links;
  std::vector<std::string> capAdd;
  std::vector<std::string> capDrop;
  std::vector<std::string> securityOpt;
  std::vector<std::string> volumes;
  std::vector<std::string> mounts;       // --mount CSV
  std::vector<std::string> tmpfs;        // --tmpfs /p[:opts]
  std::vector<std::string> volumesFrom;  // --volumes-from c[:ro|rw]
  std::vector<std::string> publish;      // -p specs (common/port_spec.h)
  bool publishAll = false;               // -P
  std::vector<std::string> expose;       // --expose
  std::string restart;
  std::string stopSignal;
  std::optional<int> stopTimeout;
  std::string pull = "missing";
  ResourceFlags resources;

  std::string image;
  std::vector<std::string> cmd;
};

// Declares run's flags (create's when forRun is false: no -d).
void addRunFlags(CLI::App& app, RunOptions& o, bool forRun);

// Splits args at the image: everything before it is wharf's flags (values of flags that take
// one are skipped over, as in `-e A=1` or `-eA=1`), the first non-flag is the image and the
// rest is the container's command, untouched (`wharf run busybox ls -l`). A lone "--" ends the
// flags. Flags the app does not know are treated as taking no value (CLI11 flags expect 0 values)
// (CLI11 rejects them).
struct SplitArgs {
  std::vector<std::string> flags;
  std::optional<std::string> image;
  std::vector<std::string> cmd;
};
SplitArgs splitAtImage(const CLI::App& app, std::vector<std::string> args);

// The container's environment: --env-file lines first, then -e values, as docker. "K" alone
// takes K from getenv (and is dropped when unset); blank lines and '#' comments in files are
// skipped.
using GetEnv = std::function<const char*(const char*)>;
Result<std::vector<std::string>> parseEnv(const std::vector<std::string>& envFlags,
                                          const std::vector<std::string>& envFiles,
                                          const GetEnv& getenv);

// --security-opt as the docker CLI sends it: "seccomp=<file>" becomes "seccomp=<the file's JSON,
// compacted>" ("builtin" and "unconfined" stay names); an option without a value other than
// "no-new-privileges" is an error. Errors are docker's: `opening seccomp profile (p.json)
// failed: open p.json: no such file or directory`, `Invalid --security-opt: "x"`.
Result<std::vector<std::string>> parseSecurityOpts(const std::vector<std::string>& opts);

// The POST /containers/create body (moby's ContainerCreateRequest).
Result<Json> buildCreateBody(const RunOptions& o, const std::vector<std::string>& env);

// Mount flags (mount_opts.cpp), as the docker CLI turns them into the create body: `-v` into
// HostConfig.Binds (or Config.Volumes for "/ctr" alone), `--mount` into HostConfig.Mounts
// (docker's messages for bad keys: `invalid argument "..." for "--mount" flag: unexpected key
// 'foo' in 'foo=bar'`), `--tmpfs` into HostConfig.Tmpfs, `--volumes-from` as is.
Result<Json> parseMountFlag(const std::string& value);
Status addVolumeFlags(const RunOptions& o, Json& config, Json& hostConfig);
// go-units RAMInBytes ("64m", "1.5g", "512KiB" -> bytes); nullopt when malformed.
std::optional<int64_t> ramInBytes(const std::string& s);

// Resource flags (resource_flags.cpp): declared on run/create (`forUpdate`: update's subset,
// without --memory-swappiness and --oom-kill-disable), and put into a HostConfig (or update
// body) as the docker CLI does: sizes with go-units ("256m"), --memory-swap -1 unlimited,
// --cpus as NanoCpus. Errors are docker's: `invalid argument "x" for "-m, --memory" flag:
// invalid size: 'x'`.
void addResourceFlags(CLI::App& app, ResourceFlags& f, bool forUpdate);
Status addResourceFields(const ResourceFlags& f, Json& hostConfig, bool forUpdate);
// "1.5" -> 1500000000 (docker's opts.ParseCPUs); "value is too precise" below 1e-9.
Result<int64_t> parseNanoCpus(const std::string& value);

// "busybox" -> "busybox:latest"; references with a tag or digest are kept.
std::string normalizeImageRef(std::string_view ref);

// docker's exit code for a failed start: 127 when the command was not found, 126 when it
// could not be invoked, else 125.
int startErrorExitCode(std::string_view message);

}  // namespace wharf::cli
