#pragma once
// engine::ContainerFsService: what the docker CLI asks of a container's filesystem, beside its
// lifecycle: `container prune` (moby's daemon/prune.go), `diff` (daemon/changes.go over
// overlay2's archive.OverlayChanges), `top` (daemon/top_unix.go) and `export`. ContainerManager
// forwards its ContainerBackend methods pruneContainers, containerChanges, containerTop and
// exportContainer here (setFilesystem).
//
// Every walk of a writable layer runs on the worker pool, never on the loop; records are read
// and containers removed on the loop. Prune measures each candidate's writable layer with the
// DiskUsageService (system df's), so SpaceReclaimed is what `system df` showed as SizeRw.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "engine/backend.h"
#include "engine/filters.h"

namespace wharf::engine {

class ContainerImages;
class ContainerManager;
class DiskUsageService;

// docker's container prune filters: until=<timestamp> (a duration, Unix seconds or RFC 3339;
// containers created after it are kept), label=k[=v] (all must match), label!=k[=v] (a
// container matching all of them is kept), as moby's matchLabels.
struct ContainerPruneFilter {
  std::optional<int64_t> untilNanos;
  std::vector<std::string> labels, notLabels;
};
// InvalidArgument `invalid filter 'x'` for another key, docker's words for a bad timestamp.
Result<ContainerPruneFilter> parseContainerPruneFilters(const Filters& filters, int64_t nowNanos);
// Not running (created, exited, dead; moby's !IsRunning: paused and restarting count as
// running), not being removed, and matching the filter.
bool containerPrunable(const ContainerInfo& c, const ContainerPruneFilter& f);

// moby's overlay changes: walks `upper` in lexical order (filepath.Walk's), a whiteout (char
// device 0/0) or an opaque directory that exists below is D, a path found in a lower dir is C
// (a directory only when its size, mode or mtime differ), anything else A; the parent of an A
// or D is reported C once, before it, when the walk did not report it already. Symlinks are
// never followed; the lower dirs are looked up with lstat. What dockerd keeps in its init layer
// (/etc/hosts, /etc/hostname, /etc/resolv.conf, /proc, /sys, /dev/pts, /dev/shm, /dev/console,
// /.dockerenv, /etc/mtab) is not a change, nor a directory holding only such entries.
Result<std::vector<FilesystemChange>> overlayChanges(const std::filesystem::path& upper,
                                                     const std::vector<std::string>& lowerDirs);

// moby's validatePSArgs: `x=PID...` with another key than "pid" is refused (docker's
// `specifying "x=PIDx" is not allowed`). Checked with a loop, no regex.
Status validatePsArgs(const std::string& psArgs);
// moby's parsePSOutput: the first line's fields are the titles (one must be PID); a row is
// kept when its PID is one of `pids` (thread rows "-" follow the process before them); the
// last column takes the rest of the line (a command with spaces).
Result<ContainerTop> parsePsOutput(const std::string& output, const std::vector<int>& pids);

// The tar of the tree at `root` written to `outFd` (moby's archive.Tar order: pre-order, names
// sorted): every path resolved inside `root` (openat2 RESOLVE_IN_ROOT, O_NOFOLLOW), so nothing
// outside it is ever read; hard links kept; sockets skipped; owners numeric.
Status writeTreeTar(const std::string& root, int outFd);

class ContainerFsService {
 public:
  ContainerFsService(boost::asio::io_context& io, boost::asio::thread_pool& pool,
                     ContainerManager& containers, ContainerImages& images,
                     DiskUsageService& diskUsage, EventPublisher& events,
                     std::filesystem::path tmpDir);

  // On the loop; done on the loop.
  void prune(const Filters& filters, std::function<void(Result<ContainerPruneReport>)> done);
  void changes(const std::string& idOrName,
               std::function<void(Result<std::vector<FilesystemChange>>)> done);
  // `docker top`: ps runs on the pool; publishes "top" as dockerd does.
  void top(const std::string& idOrName, const std::string& psArgs,
           std::function<void(Result<ContainerTop>)> done);
  // `docker export`: the read end of a pipe the tar arrives on (EOF at its end; cut short on
  // an error, which is logged). A stopped container is mounted read-only at a private mount
  // point below tmpDir for the time of the export.
  void exportFs(const std::string& idOrName, std::function<void(Result<UniqueFd>)> done);

 private:
  struct PruneJob;
  void pruneNext(const std::shared_ptr<PruneJob>& job);
  void startExport(std::string root, std::vector<std::string> mountLowers,
                   const std::function<void(Result<UniqueFd>)>& done);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  ContainerManager& containers_;
  ContainerImages& images_;
  DiskUsageService& diskUsage_;
  EventPublisher& events_;
  std::filesystem::path tmpDir_;
  bool pruneRunning_ = false;
};

}  // namespace wharf::engine
