#pragma once
// ProcessShimLauncher: the ShimLauncher over wharf-shim processes (engine/shim/shim.h):
// spawned with posix_spawn from a read-only copy of its binary, a ready pipe ("created <init>
// <shim>" or "err <category> <text>"), then the shim's task API on its socket in the bundle
// (engine/shim/task_protocol.h: start, attach, exec, resize, wait ...), the exit file;
// pause/kill through the runtime library. The shim owns the container's stdin (`-i`).

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>

#include "common/unique_fd.h"
#include "engine/shim_launcher.h"

namespace wharf::runtime {
class Runtime;
}

namespace wharf::engine {

class ProcessShimLauncher final : public ShimLauncher {
 public:
  // shimPath: wharf-shim (default: next to /proc/self/exe). runtimeRoot: the runtime's --root.
  ProcessShimLauncher(boost::asio::io_context& io, boost::asio::thread_pool& pool,
                      runtime::Runtime& runtime, std::filesystem::path shimPath);

  void launch(const ShimStart& s, BeforeStart beforeStart, LaunchDone done) override;
  std::map<std::string, pid_t> liveShims() override;
  bool isShimOf(pid_t pid, const std::string& id) override;
  void adopt(const ShimStart& s, pid_t shimPid, LaunchDone done) override;
  bool runtimeHas(const std::string& id) override;
  void collectExit(const ShimStart& s, pid_t initPid,
                   std::function<void(shim::ExitStatus)> done) override;
  void cleanup(const std::string& id, std::function<void()> done) override;

  class Handle;

 private:
  void onReady(const ShimStart& s, pid_t child, const std::string& msg,
               const BeforeStart& beforeStart, const LaunchDone& done);
  void pollAdopt(const ShimStart& s, pid_t shimPid, int triesLeft, LaunchDone done);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  runtime::Runtime& runtime_;
  std::filesystem::path shimPath_;
  // A read-only copy of wharf-shim (runtime/sealed_exe.h), made once: every shim is spawned
  // from it and so starts protected, without a re-exec of its own. Invalid: spawn by path.
  UniqueFd shimExe_;
};

}  // namespace wharf::engine
