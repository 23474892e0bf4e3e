#pragma once
// A tiny HTTP server on a temporary unix socket for client and CLI tests: one request per
// connection, answered by a handler that writes raw bytes (so tests control framing, chunking
// and hijacks exactly).

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wharf::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names as sent
  std::string body;
};

inline bool sendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// "HTTP/1.1 <status> ...\r\n" + headers + Content-Length + body.
inline std::string httpReply(int status, const std::string& body,
                             const std::string& extraHeaders = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "Api-Version: 1.51\r\n" + extraHeaders + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

class FakeServer {
 public:
  // The handler answers on fd; returning leaves the connection to be closed.
  using Handler = std::function<void(const FakeRequest&, int fd)>;

  explicit FakeServer(Handler h) : handler_(std::move(h)) {
    char tmpl[] = "/tmp/wharf-cli-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/api.sock";
    listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_, 16);
    thread_ = std::thread([this] { loop(); });
  }

  ~FakeServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
    std::filesystem::remove_all(dir_);
  }

  std::string uri() const { return "unix://" + path_; }

  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      // One thread per connection: run's attach and wait overlap.
      conns_.emplace_back([this, fd] {
        FakeRequest req;
        if (readRequest(fd, &req)) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back(req);
          }
          handler_(req, fd);
        }
        ::close(fd);
      });
    }
    for (auto& t : conns_) t.join();
  }

  static bool readRequest(int fd, FakeRequest* req) {
    std::string buf;
    char tmp[4096];
    size_t headEnd;
    while ((headEnd = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::read(fd, tmp, sizeof(tmp));
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
    std::string head = buf.substr(0, headEnd);
    std::string rest = buf.substr(headEnd + 4);
    size_t lineEnd = head.find("\r\n");
    std::string first = head.substr(0, lineEnd);
    size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    req->method = first.substr(0, sp1);
    req->target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
    size_t length = 0;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string line = head.substr(pos, e - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string k = line.substr(0, colon), v = line.substr(colon + 1);
        while (!v.empty() && v[0] == ' ') v.erase(0, 1);
        req->headers[k] = v;
        if (k == "Content-Length") length = std::stoul(v);
      }
      pos = e + 2;
    }
    while (rest.size() < length) {
      ssize_t n = ::read(fd, tmp, sizeof(tmp));
      if (n <= 0) return false;
      rest.append(tmp, static_cast<size_t>(n));
    }
    req->body = rest.substr(0, length);
    return true;
  }

  Handler handler_;
  std::string dir_, path_;
  int listen_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> conns_;
  std::mutex mu_;
  std::vector<FakeRequest> requests_;
};

}  // namespace wharf::testing
