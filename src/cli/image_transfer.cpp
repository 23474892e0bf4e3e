// Image commands that move images in and out: tag, rmi, load, import, save (docker's flags,
// output and exit codes).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "cli/internal/auth_config.h"
#include "cli/internal/command.h"
#include "cli/progress.h"
#include "common/unique_fd.h"

namespace wharf::cli {

namespace {

// Where an archive comes from: a file, or stdin ("-" or nothing). It is streamed to the
// daemon as it is read, never held in memory.
struct Input {
  UniqueFd owned;  // the file; empty for stdin
  int fd = -1;
};

Result<Input> openInput(Context& ctx, const std::string& file, const std::string& what) {
  Input in;
  if (file.empty() || file == "-") {
    if (::isatty(ctx.io.inFd))
      return invalidArgument("requested " + what + " from stdin, but stdin is empty");
    in.fd = ctx.io.inFd;
    return in;
  }
  in.owned = UniqueFd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.owned) return sysError("open " + file);
  in.fd = in.owned.get();
  return in;
}

// "name:tag" into its repository and tag; a colon before the last slash is a port.
std::pair<std::string, std::string> splitTag(const std::string& ref) {
  size_t slash = ref.rfind('/'), colon = ref.rfind(':');
  if (ref.find('@') != std::string::npos || colon == std::string::npos ||
      (slash != std::string::npos && colon < slash))
    return {ref, ""};
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

void printStreamMessage(Context& ctx, const Json& j) {
  if (!j.is_object()) return;
  if (j.contains("stream") && j["stream"].is_string())
    ctx.io.out << j["stream"].get<std::string>();
  else if (j.contains("status") && j["status"].is_string())
    ctx.io.out << j["status"].get<std::string>() << "\n";
}

}  // namespace

int cmdTag(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]";
  initApp(app, "wharf tag", usage);
  app.add_option("names", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf tag", std::move(args))) return *rc;
  if (names.size() != 2) {
    ctx.io.err << "\"wharf tag\" requires exactly 2 arguments.\nSee 'wharf tag --help'.\n\n"
                  "Usage:  wharf tag "
               << usage << "\n";
    return 1;
  }
  auto [repo, tag] = splitTag(names[1]);
  Status st = ctx.client().imageTag(names[0], repo, tag);
  if (!st.ok()) return ctx.fail(st.error());
  return 0;
}

int cmdRmi(Context& ctx, std::vector<std::string> args) {
  bool force = false, noPrune = false;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] IMAGE [IMAGE...]";
  initApp(app, "wharf rmi", usage);
  app.add_flag("-f,--force", force, "Force removal of the image");
  app.add_flag("--no-prune", noPrune, "Do not delete untagged parents");
  app.add_option("images", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf rmi", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf rmi", names.size(), 1, usage)) return *rc;
  // As docker: every image is tried; errors are printed together and the exit code is 1.
  int rc = 0;
  for (const auto& n : names) {
    auto items = ctx.client().imageRemove(n, force);
    if (!items.ok()) {
      ctx.io.err << ctx.describe(items.error()) << "\n";
      rc = 1;
      continue;
    }
    if (!items->is_array()) continue;
    for (const auto& i : *items) {
      if (i.contains("Untagged"))
        ctx.io.out << "Untagged: " << i["Untagged"].get<std::string>() << "\n";
      if (i.contains("Deleted"))
        ctx.io.out << "Deleted: " << i["Deleted"].get<std::string>() << "\n";
    }
  }
  return rc;
}

int cmdLoad(Context& ctx, std::vector<std::string> args) {
  std::string input;
  bool quiet = false;
  std::vector<std::string> extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf load", usage);
  app.add_option("-i,--input", input, "Read from tar archive file, instead of STDIN");
  app.add_flag("-q,--quiet", quiet, "Suppress the load output");
  app.add_option("args", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf load", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf load", extra.size(), usage)) return *rc;
  auto archive = openInput(ctx, input, "load");
  if (!archive.ok()) return ctx.fail(archive.error());
  Status st = ctx.client().imageLoad(archive->fd, quiet,
                                     [&](const Json& j) { printStreamMessage(ctx, j); });
  if (!st.ok()) return ctx.fail(st.error());
  return 0;
}

int cmdImport(Context& ctx, std::vector<std::string> args) {
  client::Client::ImportOptions opts;
  std::vector<std::string> pos;
  CLI::App app;
  const char* usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]";
  initApp(app, "wharf import", usage);
  app.add_option("-c,--change", opts.changes, "Apply Dockerfile instruction to the created image")
      ->allow_extra_args(false);
  app.add_option("-m,--message", opts.message, "Set commit message for imported image");
  app.add_option("--platform", opts.platform, "Set platform if server is multi-platform capable");
  app.add_option("args", pos)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf import", std::move(args))) return *rc;
  if (pos.empty() || pos.size() > 2) {
    ctx.io.err << "\"wharf import\" requires at least 1 and at most 2 arguments.\n"
                  "See 'wharf import --help'.\n\nUsage:  wharf import "
               << usage << "\n";
    return 1;
  }
  if (pos.size() == 2) opts.repo = pos[1];
  if (pos[0].rfind("http://", 0) == 0 || pos[0].rfind("https://", 0) == 0) {
    opts.url = pos[0];  // the daemon downloads it, as dockerd does
    Status st =
        ctx.client().imageImport(-1, opts, [&](const Json& j) { printStreamMessage(ctx, j); });
    if (!st.ok()) return ctx.fail(st.error());
    return 0;
  }
  auto tarball = openInput(ctx, pos[0], "import");
  if (!tarball.ok()) return ctx.fail(tarball.error());
  Status st = ctx.client().imageImport(tarball->fd, opts,
                                       [&](const Json& j) { printStreamMessage(ctx, j); });
  if (!st.ok()) return ctx.fail(st.error());
  return 0;
}

int cmdSave(Context& ctx, std::vector<std::string> args) {
  std::string output;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] IMAGE [IMAGE...]";
  initApp(app, "wharf save", usage);
  app.add_option("-o,--output", output, "Write to a file, instead of STDOUT");
  app.add_option("images", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf save", std::move(args))) return *rc;
  if (auto rc = requireMinArgs(ctx, "wharf save", names.size(), 1, usage)) return *rc;
  if (output.empty() && ctx.io.outIsTty) {
    ctx.io.err << "cowardly refusing to save to a terminal. Use the -o flag or redirect\n";
    return 1;
  }
  // To a file: written beside it and renamed at the end, so a failed save leaves no half
  // archive under the name asked for.
  UniqueFd fd;
  std::string tmp;
  if (!output.empty()) {
    tmp = output + ".wharf-save-XXXXXX";
    fd.reset(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) return ctx.fail(sysError("create " + output));
    ::fchmod(fd.get(), 0644);
  }
  int outFd = fd ? fd.get() : STDOUT_FILENO;
  ctx.io.out.flush();
  Status st = ctx.client().imageSave(names, [&](std::string_view data) -> Status {
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

int cmdPush(Context& ctx, std::vector<std::string> args) {
  std::vector<std::string> names;
  bool quiet = false, allTags = false;
  CLI::App app;
  const char* usage = "[OPTIONS] NAME[:TAG]";
  initApp(app, "wharf push", usage);
  app.add_flag("-a,--all-tags", allTags, "Push all tags of an image to the repository");
  app.add_flag("-q,--quiet", quiet, "Suppress verbose output");
  app.add_option("name", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf push", std::move(args))) return *rc;
  if (names.size() != 1) {
    ctx.io.err << "\"wharf push\" requires exactly 1 argument.\nSee 'wharf push --help'.\n\n"
                  "Usage:  wharf push "
               << usage << "\n";
    return 1;
  }
  std::string ref = names[0];
  auto [repo, tag] = splitTag(ref);
  if (allTags) {
    // docker's check (cli/command/image/push.go); the daemon pushes every tag when none is sent.
    if (!tag.empty() || ref.find('@') != std::string::npos) {
      ctx.io.err << "tag can't be used with --all-tags/-a\n";
      return 1;
    }
  } else if (tag.empty() && ref.find('@') == std::string::npos) {
    if (!quiet) ctx.io.out << "Using default tag: latest\n";
    ref += ":latest";
  }
  auto auth = registryAuthHeader(ref);
  if (!auth.ok()) return ctx.fail(auth.error());
  ProgressPrinter progress(ctx.io.out, ctx.io.outIsTty);
  std::string digestLine;
  Status st = ctx.client().imagePush(
      ref,
      [&](const Json& j) {
        if (!quiet) progress.onMessage(j);
      },
      *auth);
  if (!st.ok()) return ctx.fail(st.error());
  if (quiet) ctx.io.out << ref << "\n";
  return 0;
}

}  // namespace wharf::cli
