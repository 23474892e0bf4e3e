#include "image/url_download.h"

#include <fcntl.h>
#include <unistd.h>

#include <limits>

#include "common/fs.h"
#include "image/internal/http_fetch.h"

namespace wharf::image {

Result<UniqueFd> downloadToTempFile(const std::string& url, const std::filesystem::path& dir) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return invalidArgument("import: \"" + url + "\" is neither \"-\" nor an http(s) URL");
  WHARF_TRY(fs::mkdirAll(dir, 0700));
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) return sysError("create a temp file in " + dir.string());
  internal::HttpRequest req;
  req.url = url;
  auto sink = [&](std::string_view data) -> Status {
    while (!data.empty()) {
      ssize_t n = ::write(fd.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sysError("write the download of " + url + " to " + dir.string());
      data.remove_prefix(static_cast<size_t>(n));
    }
    return okStatus();
  };
  WHARF_ASSIGN_OR_RETURN(internal::HttpResponse r,
                         internal::httpFetch(req, std::numeric_limits<size_t>::max(), sink));
  if (r.status < 200 || r.status >= 300)
    return unavailable("import: GET " + url + " answered " + std::to_string(r.status));
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) return sysError("rewind the download of " + url);
  return fd;
}

}  // namespace wharf::image
