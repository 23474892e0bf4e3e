#include "image/internal/busybox.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "common/fs.h"
#include "common/unique_fd.h"

extern char** environ;

namespace wharf::image::internal {
namespace {

struct Entry {
  std::string path;
  mode_t type;  // AE_IFDIR, AE_IFREG, AE_IFLNK
  mode_t perm;
  std::string data;  // file contents, or symlink target
};

// `busybox --list`: one applet name per line.
Result<std::vector<std::string>> listApplets(const std::filesystem::path& busybox) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return sysError("pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), STDOUT_FILENO);
  std::string prog = busybox.string();
  char arg0[] = "busybox";
  char arg1[] = "--list";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return sysError("run " + prog + " --list", rc);
  wr.reset();
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(rd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return internalError(prog + " --list failed");
  std::vector<std::string> applets;
  size_t i = 0;
  while (i < out.size()) {
    size_t j = out.find('\n', i);
    if (j == std::string::npos) j = out.size();
    std::string name = out.substr(i, j - i);
    // An applet name becomes a file name: refuse anything that is not a plain one.
    if (!name.empty() && name != "busybox" && name != "." && name != ".." &&
        name.find('/') == std::string::npos)
      applets.push_back(std::move(name));
    i = j + 1;
  }
  if (applets.empty()) return internalError(prog + " --list printed no applets");
  return applets;
}

struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

la_ssize_t appendToString(archive*, void* client, const void* buf, size_t n) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

Result<std::string> writeTar(const std::vector<Entry>& entries) {
  std::string out;
  std::unique_ptr<archive, WriteDeleter> a(archive_write_new());
  // Plain ustar: every name here fits, and pax would add per-file headers with times.
  archive_write_set_format_ustar(a.get());
  archive_write_set_bytes_per_block(a.get(), 0);  // no padding to 10 KiB blocks
  if (archive_write_open(a.get(), &out, nullptr, appendToString, nullptr) != ARCHIVE_OK)
    return internalError(std::string("tar: ") + archive_error_string(a.get()));
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                  archive_entry_free);
  for (const Entry& en : entries) {
    archive_entry_clear(e.get());
    archive_entry_set_pathname(e.get(), en.path.c_str());
    archive_entry_set_filetype(e.get(), en.type);
    archive_entry_set_perm(e.get(), en.perm);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    archive_entry_set_mtime(e.get(), 0, 0);
    if (en.type == AE_IFREG)
      archive_entry_set_size(e.get(), static_cast<la_int64_t>(en.data.size()));
    if (en.type == AE_IFLNK) archive_entry_set_symlink(e.get(), en.data.c_str());
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK)
      return internalError("tar " + en.path + ": " + archive_error_string(a.get()));
    if (en.type == AE_IFREG && !en.data.empty() &&
        archive_write_data(a.get(), en.data.data(), en.data.size()) !=
            static_cast<la_ssize_t>(en.data.size()))
      return internalError("tar " + en.path + ": " + archive_error_string(a.get()));
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK)
    return internalError(std::string("tar: ") + archive_error_string(a.get()));
  return out;
}

}  // namespace

Result<std::string> gzipDeterministic(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper whose header zlib fills with mtime 0 and no name.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return internalError("deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return internalError("gzip: deflate failed");
  out.resize(written);
  return out;
}

Result<BuiltLayer> buildBusyboxLayer(const std::filesystem::path& busybox) {
  struct stat st {};
  if (::stat(busybox.c_str(), &st) != 0)
    return sysError("the built-in busybox image needs " + busybox.string() +
                    " (Debian package busybox-static)");
  WHARF_ASSIGN_OR_RETURN(std::string binary, fs::readFile(busybox));
  WHARF_ASSIGN_OR_RETURN(std::vector<std::string> applets, listApplets(busybox));

  std::vector<Entry> entries = {
      {"bin/", AE_IFDIR, 0755, ""},
      {"bin/busybox", AE_IFREG, 0755, std::move(binary)},
      {"dev/", AE_IFDIR, 0755, ""},
      {"etc/", AE_IFDIR, 0755, ""},
      {"etc/group", AE_IFREG, 0644, "root:x:0:\nnogroup:x:65534:\n"},
      {"etc/passwd", AE_IFREG, 0644,
       "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
      {"proc/", AE_IFDIR, 0755, ""},
      {"root/", AE_IFDIR, 0700, ""},
      {"sys/", AE_IFDIR, 0755, ""},
      {"tmp/", AE_IFDIR, 01777, ""},
  };
  for (const auto& a : applets) entries.push_back({"bin/" + a, AE_IFLNK, 0777, "busybox"});
  std::sort(entries.begin(), entries.end(),
            [](const Entry& x, const Entry& y) { return x.path < y.path; });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const Entry& x, const Entry& y) { return x.path == y.path; }),
                entries.end());

  BuiltLayer out;
  WHARF_ASSIGN_OR_RETURN(out.tar, writeTar(entries));
  WHARF_ASSIGN_OR_RETURN(out.tarGzip, gzipDeterministic(out.tar));
  out.created = static_cast<int64_t>(st.st_mtime);
  return out;
}

}  // namespace wharf::image::internal
