// RegistryClient's blobs: downloads that resume with Range requests, and uploads (cross-
// repository mounts, monolithic or chunked), plus the manifest PUT (see registry_client.h).

#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "common/digest.h"
#include "common/log.h"
#include "image/internal/registry_retry.h"
#include "image/internal/registry_util.h"
#include "image/registry_client.h"

namespace wharf::image {

namespace {

// A download cut short is resumed at most this many times (each resume brought bytes).
constexpr int kMaxBlobResumes = 64;

std::string withQuery(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

}  // namespace

Status RegistryClient::blob(const std::string& digest, int64_t size,
                            const std::function<Status(std::string_view)>& sink,
                            const std::function<Status()>& restart) {
  if (size < 0) return invalidArgument("blob " + digest + ": negative size");
  int64_t got = 0;
  bool sinkFailed = false;  // the caller's sink (or the size bound) stopped the transfer
  auto counting = [&](std::string_view data) -> Status {
    if (got + static_cast<int64_t>(data.size()) > size) {
      sinkFailed = true;
      return invalidArgument("blob " + digest + ": the registry sent more than the " +
                             std::to_string(size) + " bytes the manifest gives");
    }
    got += static_cast<int64_t>(data.size());
    Status st = sink(data);
    if (!st.ok()) sinkFailed = true;
    return st;
  };
  auto startOver = [&]() -> Status {
    if (!restart)
      return unavailable("blob " + digest + ": the download was cut and cannot start over");
    got = 0;
    return restart();
  };
  const std::string path = "/v2/" + repository_ + "/blobs/" + digest;
  for (int resumes = 0;; ++resumes) {
    const int64_t from = got;
    std::vector<std::string> headers;
    if (from > 0) headers.push_back("Range: bytes=" + std::to_string(from) + "-");
    bool otherRange = false;
    auto before = [&](long status, const std::string& contentRange) -> Status {
      if (from == 0 || status >= 300) return okStatus();
      switch (internal::resumeActionFor(status, contentRange, from, size)) {
        case internal::ResumeAction::kAppend:
          return okStatus();
        case internal::ResumeAction::kRestart: {
          // The registry ignored the Range: this answer is the whole blob.
          log::info("blob {}: the registry ignored the Range request; downloading it again",
                    digest);
          Status st = startOver();
          if (!st.ok()) sinkFailed = true;
          return st;
        }
        case internal::ResumeAction::kFail:
          break;
      }
      otherRange = true;
      return unavailable("blob " + digest + ": the registry answered bytes=" +
                         std::to_string(from) + "- with \"" + contentRange + "\"");
    };
    // The transport bound leaves room for an error answer's body; the sink bounds the blob.
    auto r = send("GET", path, headers, static_cast<size_t>(size) + internal::kRegistryMaxErrorBody,
                  counting, "", "", 0, -1, before);
    const bool progressed = got > from;
    if (r.ok() && (r->status == 200 || r->status == 206) && got == size) return okStatus();
    if (r.ok() && r->status == 416 && from > 0) {
      WHARF_TRY(startOver());  // the bytes kept do not fit what the registry has: all again
    } else if (r.ok() && r->status != 200 && r->status != 206) {
      return registryError(r->status, r->body, "blob " + digest);
    } else if (r.ok()) {
      if (!progressed)
        return invalidArgument("blob " + digest + ": expected " + std::to_string(size) +
                               " bytes, the registry sent " + std::to_string(got));
    } else if (otherRange) {
      WHARF_TRY(startOver());
    } else if (sinkFailed || !lastFailureTransient_ || !progressed) {
      // Not the network's fault, or no byte came: send() already made its attempts.
      return std::move(r).error().context("blob " + digest);
    }
    if (resumes + 1 >= kMaxBlobResumes)
      return unavailable("blob " + digest + ": download cut " + std::to_string(resumes + 1) +
                         " times; giving up at " + std::to_string(got) + " of " +
                         std::to_string(size) + " bytes");
    log::info("blob {}: transfer cut at {} of {} bytes; resuming", digest, got, size);
    std::this_thread::sleep_for(internal::backoffDelay(opts_.retry, 0));
  }
}

Result<std::string> RegistryClient::blobBytes(const std::string& digest, int64_t size) {
  if (size < 0 || static_cast<size_t>(size) > kMaxConfigBytes)
    return invalidArgument("blob " + digest + ": size " + std::to_string(size) +
                           " is out of bounds");
  std::string out;
  WHARF_TRY(blob(
      digest, size,
      [&](std::string_view d) {
        out.append(d);
        return okStatus();
      },
      [&] {
        out.clear();
        return okStatus();
      }));
  if (sha256Digest(out) != digest)
    return invalidArgument("blob " + digest + ": digest mismatch (got " + sha256Digest(out) + ")");
  return out;
}

Result<bool> RegistryClient::hasBlob(const std::string& digest) {
  WHARF_ASSIGN_OR_RETURN(Reply r,
                         send("HEAD", "/v2/" + repository_ + "/blobs/" + digest, {}, 0, {}));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  return registryError(r.status, r.body, "HEAD blob " + digest);
}

Result<std::string> RegistryClient::uploadBlob(const std::string& digest, const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return sysError("stat " + file);
  const int64_t size = st.st_size;
  const std::string uploads = "/v2/" + repository_ + "/blobs/uploads/";
  const std::string what = "upload " + digest;
  // A cross-repository mount: 201 means done; 202 means the registry did not mount it and
  // opened an upload session instead, which the upload below uses.
  std::string loc;
  for (const auto& from : opts_.mountSources) {
    if (from == repository_) continue;
    WHARF_ASSIGN_OR_RETURN(Reply m, send("POST",
                                         uploads + "?mount=" + internal::registryUrlEncode(digest) +
                                             "&from=" + internal::registryUrlEncode(from),
                                         {}, internal::kRegistryMaxErrorBody, {}));
    if (m.status == 201) return from;
    if (m.status != 202)
      return registryError(m.status, m.body, what + " (mount from " + from + ")");
    loc = m.header("location");
    break;
  }
  if (loc.empty()) {
    WHARF_ASSIGN_OR_RETURN(Reply start,
                           send("POST", uploads, {}, internal::kRegistryMaxErrorBody, {}));
    if (start.status != 202) return registryError(start.status, start.body, what);
    loc = start.header("location");
    if (loc.empty()) return unavailable(what + ": the registry gave no Location");
  }
  const std::string digestQuery = "digest=" + internal::registryUrlEncode(digest);
  const int64_t chunk = std::max<int64_t>(opts_.uploadChunkBytes, 1);
  if (size <= chunk) {
    WHARF_ASSIGN_OR_RETURN(Reply put, send("PUT", withQuery(loc, digestQuery),
                                           {"Content-Type: application/octet-stream"},
                                           internal::kRegistryMaxErrorBody, {}, "", file));
    if (put.status != 201 && put.status != 204) return registryError(put.status, put.body, what);
    return std::string();
  }
  // Chunked (distribution-spec "pushing a blob in chunks"): each PATCH names its range and
  // the answer gives the Location of the next one.
  for (int64_t offset = 0; offset < size;) {
    const int64_t n = std::min(chunk, size - offset);
    const std::string range =
        "Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + n - 1);
    WHARF_ASSIGN_OR_RETURN(Reply p,
                           send("PATCH", loc, {"Content-Type: application/octet-stream", range},
                                internal::kRegistryMaxErrorBody, {}, "", file, offset, n));
    if (p.status != 202)
      return registryError(p.status, p.body,
                           what + " (chunk at " + std::to_string(offset) + " of " +
                               std::to_string(size) + " bytes)");
    if (!p.header("location").empty()) loc = p.header("location");
    offset += n;
  }
  WHARF_ASSIGN_OR_RETURN(Reply put, send("PUT", withQuery(loc, digestQuery),
                                         {"Content-Type: application/octet-stream"},
                                         internal::kRegistryMaxErrorBody, {}));
  if (put.status != 201 && put.status != 204) return registryError(put.status, put.body, what);
  return std::string();
}

Result<std::string> RegistryClient::putManifest(const std::string& tag,
                                                const std::string& mediaType,
                                                const std::string& bytes) {
  WHARF_ASSIGN_OR_RETURN(
      Reply r, send("PUT", "/v2/" + repository_ + "/manifests/" + tag,
                    {"Content-Type: " + mediaType}, internal::kRegistryMaxErrorBody, {}, bytes));
  if (r.status != 201 && r.status != 200)
    return registryError(r.status, r.body, "push manifest " + tag);
  std::string digest = sha256Digest(bytes);
  std::string said = r.header("docker-content-digest");
  if (!said.empty() && said != digest)
    return unavailable("push manifest " + tag + ": the registry stored it as " + said + ", not " +
                       digest);
  return digest;
}

}  // namespace wharf::image
