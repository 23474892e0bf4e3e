#pragma once
// What every command sees: the output streams and a lazily-connected API client.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "client/client.h"
#include "common/error.h"
#include "common/json.h"

namespace wharf::cli {

inline constexpr int kExitDaemonError = 125;
inline constexpr int kExitCannotInvoke = 126;
inline constexpr int kExitNotFound = 127;

struct Io {
  std::ostream& out;
  std::ostream& err;
  int inFd = 0;
  bool outIsTty = false;
};

class Context {
 public:
  Context(Io io, std::string host) : io(io), client_(std::move(host)) {}
  client::Client& client() { return client_; }
  // "Error response from daemon: <msg>" when the daemon replied with an error, else <msg>
  // (e.g. the cannot-connect message).
  std::string describe(const Error& e) const;
  // Prints describe(e) on stderr and returns 1.
  int fail(const Error& e);

  Io io;

 private:
  client::Client client_;
};

// A CLI11 app set up the docker way: -h/--help, unknown flags collected for our own message.
void initApp(CLI::App& app, const std::string& path, const std::string& usage);
// Parses args (without the command words). Returns nullopt to go on, or the exit code to
// return: 0 after --help, 125 on a bad flag (docker's "unknown flag: --x / See ...").
std::optional<int> parseArgs(Context& ctx, CLI::App& app, const std::string& path,
                             std::vector<std::string> args);
// docker's `"wharf rm" requires at least 1 argument.` (exit 1 when violated).
std::optional<int> requireMinArgs(Context& ctx, const std::string& path, size_t have, size_t min,
                                  const std::string& usage);
std::optional<int> requireNoArgs(Context& ctx, const std::string& path, size_t have,
                                 const std::string& usage);
// docker's prune prompt: prints the warning and "Are you sure you want to continue? [y/N] ",
// reads one line of stdin; true for "y"/"Y".
bool confirmPrune(Context& ctx, const std::string& warning);

// Writes rows with a --format value: "" = defaultFormat, "table ..." = header row + tabwriter,
// "json" = {{json .}}, anything else = one template execution per row. header maps field
// names to column titles. Returns an exit code (0 or 1 on a template error).
int writeFormatted(Context& ctx, const std::string& format, const std::string& defaultFormat,
                   const Json& header, const std::vector<Json>& rows);

// docker inspect's json.MarshalIndent output: 4 spaces, HTML characters escaped.
std::string dockerIndent(const OrderedJson& v);

// docker inspect's output for each of `names`: one JSON array (dockerIndent), or a line per
// object through `format` ("json" = {{json .}}). `fetch` gives the object or an error: a
// NotFound goes to stderr (as `notFoundText` words it; ctx.describe by default) and the others
// are still printed, exit 1; any other error stops at once.
int printInspected(
    Context& ctx, const std::vector<std::string>& names, const std::string& format,
    const std::function<Result<OrderedJson>(const std::string&)>& fetch,
    const std::function<std::string(const std::string&, const Error&)>& notFoundText = {});

// Commands: args are what follows the command words. Return the exit code.
int cmdRun(Context& ctx, std::vector<std::string> args);
int cmdCreate(Context& ctx, std::vector<std::string> args);
int cmdStart(Context& ctx, std::vector<std::string> args);
int cmdStop(Context& ctx, std::vector<std::string> args);
int cmdAttach(Context& ctx, std::vector<std::string> args);
int cmdExec(Context& ctx, std::vector<std::string> args);  // exec.cpp
int cmdRestart(Context& ctx, std::vector<std::string> args);
int cmdPull(Context& ctx, std::vector<std::string> args);
int cmdKill(Context& ctx, std::vector<std::string> args);
int cmdWait(Context& ctx, std::vector<std::string> args);
int cmdRm(Context& ctx, std::vector<std::string> args);
int cmdLogs(Context& ctx, std::vector<std::string> args);
int cmdPs(Context& ctx, std::vector<std::string> args);
int cmdInspect(Context& ctx, std::vector<std::string> args);
int cmdContainerInspect(Context& ctx, std::vector<std::string> args);
int cmdImages(Context& ctx, std::vector<std::string> args);
int cmdImageInspect(Context& ctx, std::vector<std::string> args);
int cmdImageBootstrap(Context& ctx, std::vector<std::string> args);
int cmdHistory(Context& ctx, std::vector<std::string> args);         // image_history.cpp
int cmdImagePrune(Context& ctx, std::vector<std::string> args);      // image_prune.cpp
int cmdContainerPrune(Context& ctx, std::vector<std::string> args);  // image_prune.cpp
int cmdSystemPrune(Context& ctx, std::vector<std::string> args);     // system_prune.cpp
int cmdDiff(Context& ctx, std::vector<std::string> args);            // container_diff.cpp
int cmdTop(Context& ctx, std::vector<std::string> args);             // container_diff.cpp
int cmdExport(Context& ctx, std::vector<std::string> args);          // container_export.cpp
int cmdLogin(Context& ctx, std::vector<std::string> args);           // login.cpp
int cmdLogout(Context& ctx, std::vector<std::string> args);          // login.cpp
// image_transfer.cpp
int cmdTag(Context& ctx, std::vector<std::string> args);
int cmdRmi(Context& ctx, std::vector<std::string> args);
int cmdLoad(Context& ctx, std::vector<std::string> args);
int cmdImport(Context& ctx, std::vector<std::string> args);
int cmdSave(Context& ctx, std::vector<std::string> args);
int cmdPush(Context& ctx, std::vector<std::string> args);
int cmdVersion(Context& ctx, std::vector<std::string> args);
// volume.cpp (inspect is in container.cpp with the other inspects)
int cmdVolumeCreate(Context& ctx, std::vector<std::string> args);
int cmdVolumeLs(Context& ctx, std::vector<std::string> args);
int cmdVolumeInspect(Context& ctx, std::vector<std::string> args);
int cmdVolumeRm(Context& ctx, std::vector<std::string> args);
int cmdVolumePrune(Context& ctx, std::vector<std::string> args);
int cmdInfo(Context& ctx, std::vector<std::string> args);
int cmdSystemDf(Context& ctx, std::vector<std::string> args);  // system_df.cpp
// network.cpp
int cmdNetworkCreate(Context& ctx, std::vector<std::string> args);
int cmdNetworkLs(Context& ctx, std::vector<std::string> args);
int cmdNetworkInspect(Context& ctx, std::vector<std::string> args);
int cmdNetworkRm(Context& ctx, std::vector<std::string> args);
int cmdNetworkPrune(Context& ctx, std::vector<std::string> args);
int cmdNetworkConnect(Context& ctx, std::vector<std::string> args);
int cmdNetworkDisconnect(Context& ctx, std::vector<std::string> args);
int cmdEvents(Context& ctx, std::vector<std::string> args);  // events.cpp
int cmdPort(Context& ctx, std::vector<std::string> args);    // container_port.cpp
int cmdPause(Context& ctx, std::vector<std::string> args);
int cmdStats(Context& ctx, std::vector<std::string> args);  // container_stats.cpp
int cmdRename(Context& ctx, std::vector<std::string> args);
int cmdUnpause(Context& ctx, std::vector<std::string> args);
int cmdUpdate(Context& ctx, std::vector<std::string> args);  // resource_flags.cpp

}  // namespace wharf::cli
