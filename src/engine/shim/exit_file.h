#pragma once
// The exit file: how a shim tells the daemon (possibly a later daemon, after a restart) how
// its container ended. Written atomically (temp name + rename) by the shim after the init was
// reaped and its output drained; read by wharfd when the shim's pidfd fires or at live
// restore. Format, version 1: "key value" lines, the error (if any) last, to the end of file.
//
//   wharf-exit 1
//   exit_code 137            (the init's exit status, or 128+signal when a signal killed it)
//   signal 9                 (0 unless killed by a signal)
//   finished_at 1796014800123456789   (nanoseconds since the epoch)
//   log_dropped 65536        (optional: bytes of output the log could not take, e.g. ENOSPC)
//   oom_kills 1              (optional: processes of the container the kernel OOM-killed
//                             during this run, from its memory cgroup's counter)
//   error <free text>        (optional: why the shim could not run or watch the container)

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::shim {

struct ExitStatus {
  int exitCode = 0;
  int signal = 0;
  int64_t finishedAtNanos = 0;
  int64_t logDroppedBytes = 0;  // output lost because the log write failed (disk full)
  uint64_t oomKills = 0;        // OOM kills in the container's memory cgroup (State.OOMKilled)
  std::string error;
};

// From a waitpid() status word.
ExitStatus exitStatusFromWait(int waitStatus, int64_t finishedAtNanos);

std::string formatExitFile(const ExitStatus& st);
Result<ExitStatus> parseExitFile(std::string_view text);

Status writeExitFile(const std::filesystem::path& path, const ExitStatus& st);
// NotFound if there is no exit file.
Result<ExitStatus> readExitFile(const std::filesystem::path& path);

}  // namespace wharf::shim
