#pragma once
// `docker import URL` (POST /images/create?fromSrc=<url>): the daemon fetches the tarball
// itself. Blocking (libcurl): callers run it on a worker thread.

#include <filesystem>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace wharf::image {

// Downloads an http:// or https:// URL (TLS verified with the system CAs, redirects followed
// within http/https, a transfer stalled for a minute abandoned) into an unlinked file in
// `dir`, bounded by the disk only, and returns it positioned at its start. Another scheme is
// InvalidArgument; an answer other than 2xx fails naming the URL and the status.
Result<UniqueFd> downloadToTempFile(const std::string& url, const std::filesystem::path& dir);

}  // namespace wharf::image
