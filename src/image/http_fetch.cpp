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
  size_t received = 0;
  Status failure = okStatus();
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
  auto* fd = static_cast<UniqueFd*>(user);
  for (;;) {
    ssize_t got = ::read(fd->get(), buf, size * n);
    if (got < 0 && errno == EINTR) continue;
    return got < 0 ? CURL_READFUNC_ABORT : static_cast<size_t>(got);
  }
}

}  // namespace

std::string HttpResponse::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

Result<HttpResponse> httpFetch(const HttpRequest& req, size_t maxBody, const BodySink& sink) {
  globalInit();
  CurlEasy easy(curl_easy_init());
  if (!easy) return internalError("curl_easy_init failed");
  CURL* c = easy.get();
  HttpResponse resp;
  Transfer t{c, &resp, &sink, maxBody};
  CurlHeaders headers;
  for (const auto& h : req.headers) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (!next) return internalError("curl_slist_append failed");
    (void)headers.release();
    headers.reset(next);
  }
  // curl adds "Expect: 100-continue" to uploads; registries do not need the round trip.
  if (req.method == "PUT" || req.method == "POST") {
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
  UniqueFd upload;
  if (!req.bodyFile.empty()) {
    upload.reset(::open(req.bodyFile.c_str(), O_RDONLY | O_CLOEXEC));
    if (!upload) return sysError("open " + req.bodyFile);
    struct stat st {};
    if (::fstat(upload.get(), &st) != 0) return sysError("stat " + req.bodyFile);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(st.st_size));
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
  if (!t.failure.ok()) return std::move(t.failure).error();
  if (rc != CURLE_OK) {
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
