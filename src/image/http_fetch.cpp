#include "image/internal/http_fetch.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "common/unique_fd.h"

namespace wharf::image::internal {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlEasy = std::unique_ptr<CURL, EasyDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHeaders = std::unique_ptr<curl_slist, SlistDeleter>;

// curl_global_init is not thread-safe: once per process, before the first handle.
void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  CURL* curl;
  HttpResponse* resp;
  const BodySink* sink;
  size_t maxBody;
  const HttpRequest* req;
  size_t received = 0;
  bool bodyStarted = false;
  Status failure = okStatus();
};

// The part of a file an upload sends.
struct UploadSource {
  UniqueFd fd;
  int64_t remaining = 0;
};

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  t->received += len;
  if (t->received > t->maxBody) {
    t->failure = invalidArgument("the registry sent more than the " + std::to_string(t->maxBody) +
                                 " bytes expected");
    return 0;  // aborts the transfer
  }
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  // An error answer's body is the registry's JSON error: kept for the message, never sunk.
  if (*t->sink && code >= 300) {
    if (t->resp->body.size() < (64 << 10)) t->resp->body.append(data, len);
  } else if (*t->sink) {
    if (!t->bodyStarted && t->req->beforeBody) {
      t->bodyStarted = true;
      Status st = t->req->beforeBody(code, t->resp->headers);
      if (!st.ok()) {
        t->failure = std::move(st);
        return 0;
      }
    }
    t->bodyStarted = true;
    Status st = (*t->sink)(std::string_view(data, len));
    if (!st.ok()) {
      t->failure = std::move(st);
      return 0;
    }
  } else {
    t->resp->body.append(data, len);
  }
  return len;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // A new status line (after a redirect or a 100 Continue) starts a new header set.
  if (line.rfind("HTTP/", 0) == 0) t->resp->headers.clear();
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (t->resp->headers.size() < 256) t->resp->headers[name] = std::string(value);
  return size * n;
}

size_t onRead(char* buf, size_t size, size_t n, void* user) {
  auto* src = static_cast<UploadSource*>(user);
  size_t want = std::min<size_t>(size * n, static_cast<size_t>(src->remaining));
  if (want == 0) return 0;
  for (;;) {
    ssize_t got = ::read(src->fd.get(), buf, want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return CURL_READFUNC_ABORT;
    src->remaining -= got;
    return static_cast<size_t>(got);
  }
}

TransportFailure classifyCurl(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      return TransportFailure::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportFailure::kTransfer;
    default:
      return TransportFailure::kOther;
  }
}

}  // namespace

std::string HttpResponse::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

Result<HttpResponse> httpFetch(const HttpRequest& req, size_t maxBody, const BodySink& sink,
                               TransportFailure* failure) {
  if (failure) *failure = TransportFailure::kNone;
  globalInit();
  CurlEasy easy(curl_easy_init());
  if (!easy) return internalError("curl_easy_init failed");
  CURL* c = easy.get();
  HttpResponse resp;
  Transfer t{c, &resp, &sink, maxBody, &req};
  CurlHeaders headers;
  for (const auto& h : req.headers) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (!next) return internalError("curl_slist_append failed");
    (void)headers.release();
    headers.reset(next);
  }
  // curl adds "Expect: 100-continue" to uploads; registries do not need the round trip.
  if (req.method == "PUT" || req.method == "POST" || req.method == "PATCH") {
    curl_slist* next = curl_slist_append(headers.get(), "Expect:");
    if (!next) return internalError("curl_slist_append failed");
    (void)headers.release();
    headers.reset(next);
  }
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req.followRedirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, req.connectTimeoutSeconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req.lowSpeedSeconds);
  if (!req.verifyTls) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, "wharf/" WHARF_VERSION);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  // Registries may send compressed manifests and errors; layers are never re-encoded.
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if (!req.basicUser.empty() || !req.basicPassword.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, req.basicUser.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.basicPassword.c_str());
    // Credentials never follow a redirect to another host.
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
  }
  UploadSource upload;
  if (!req.bodyFile.empty()) {
    upload.fd.reset(::open(req.bodyFile.c_str(), O_RDONLY | O_CLOEXEC));
    if (!upload.fd) return sysError("open " + req.bodyFile);
    struct stat st {};
    if (::fstat(upload.fd.get(), &st) != 0) return sysError("stat " + req.bodyFile);
    if (req.bodyOffset < 0 || req.bodyOffset > st.st_size)
      return invalidArgument("upload of " + req.bodyFile + ": offset out of range");
    upload.remaining = req.bodyLength < 0
                           ? st.st_size - req.bodyOffset
                           : std::min<int64_t>(req.bodyLength, st.st_size - req.bodyOffset);
    if (::lseek(upload.fd.get(), req.bodyOffset, SEEK_SET) < 0)
      return sysError("seek " + req.bodyFile);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.remaining));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    if (req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  if (!t.failure.ok()) {
    if (failure) *failure = TransportFailure::kOther;
    return std::move(t.failure).error();
  }
  if (rc != CURLE_OK) {
    if (failure) *failure = classifyCurl(rc);
    std::string what = req.method + " " + req.url + ": " + curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return Error(ErrorCategory::kUnavailable, what + " (timeout)");
    return Error(ErrorCategory::kUnavailable, what);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  char* eff = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
    resp.effectiveUrl = eff;
  return resp;
}

}  // namespace wharf::image::internal
