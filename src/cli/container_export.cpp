// `wharf export [-o FILE] CONTAINER` (`container export`): GET /containers/{id}/export to
// stdout or a file, as docker's cli/command/container/export.go: a terminal is refused; a
// file is written beside its name and renamed at the end (docker's CopyToFile), so a failed
// export leaves no half archive under the name asked for.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/internal/command.h"
#include "common/unique_fd.h"

namespace wharf::cli {

int cmdExport(Context& ctx, std::vector<std::string> args) {
  std::string output;
  std::vector<std::string> ids;
  CLI::App app;
  const char* usage = "[OPTIONS] CONTAINER";
  initApp(app, "wharf export", usage);
  app.add_option("-o,--output", output, "Write to a file, instead of STDOUT");
  app.add_option("containers", ids)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf export", std::move(args))) return *rc;
  if (ids.size() != 1) {
    ctx.io.err << "\"wharf export\" requires exactly 1 argument.\nSee 'wharf export --help'.\n\n"
                  "Usage:  wharf export "
               << usage << "\n\nExport a container's filesystem as a tar archive\n";
    return 1;
  }
  if (output.empty() && ctx.io.outIsTty) {
    ctx.io.err << "cowardly refusing to save to a terminal. Use the -o flag or redirect\n";
    return 1;
  }
  UniqueFd fd;
  std::string tmp;
  if (!output.empty()) {
    tmp = output + ".wharf-export-XXXXXX";
    fd.reset(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) return ctx.fail(sysError("create " + output));
    ::fchmod(fd.get(), 0644);
  }
  int outFd = fd ? fd.get() : STDOUT_FILENO;
  ctx.io.out.flush();
  Status st = ctx.client().containerExport(ids[0], [&](std::string_view data) -> Status {
    while (!data.empty()) {
      ssize_t n = ::write(outFd, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sysError("write " + (output.empty() ? std::string("stdout") : output));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return okStatus();
  });
  if (st.ok() && fd && ::fsync(fd.get()) != 0) st = sysError("fsync " + output);
  if (st.ok() && fd && ::rename(tmp.c_str(), output.c_str()) != 0)
    st = sysError("rename to " + output);
  if (!st.ok()) {
    if (fd) ::unlink(tmp.c_str());
    return ctx.fail(st.error());
  }
  return 0;
}

}  // namespace wharf::cli
