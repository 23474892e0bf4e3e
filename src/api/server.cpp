#include "api/server.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <functional>
#include <limits>

#include "api/errors.h"
#include "api/internal/request_target.h"
#include "api/internal/routes.h"
#include "api/router.h"
#include "common/fs.h"
#include "common/log.h"

namespace wharf::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::local::stream_protocol::socket;
using Acceptor = asio::local::stream_protocol::acceptor;
using FileBody = http::basic_file_body<beast::file_posix>;

namespace {

// Bodies kept in memory larger than this are refused (413): create bodies are a few KiB.
// Routes added with Router::addUpload (image loads and imports) spool theirs to a file in
// ServerConfig::uploadDir instead, bounded by the disk only.
constexpr size_t kMaxBody = 16 << 20;
constexpr size_t kMaxHeader = 64 << 10;

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One connection. Requests are served one at a time (HTTP/1.1 without pipelining, as Go's
// client does); a streamed or hijacked response ends the connection when it ends.
class Session : public Responder, public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, const Router& router, const Headers& common,
          std::chrono::milliseconds requestTimeout, std::filesystem::path uploadDir,
          std::function<void()> onEnd)
      : socket_(std::move(socket)),
        router_(router),
        common_(common),
        requestTimeout_(requestTimeout),
        uploadDir_(std::move(uploadDir)),
        deadline_(socket_.get_executor()),
        onEnd_(std::move(onEnd)) {}
  ~Session() override {
    if (onEnd_) onEnd_();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { readRequest(); }

  void close() {
    if (mode_ == Mode::kClosed) return;
    mode_ = Mode::kClosed;
    deadline_.cancel();
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
    // Fail queued writes asynchronously so that no caller is re-entered from here.
    auto queued = std::move(outq_);
    outq_.clear();
    for (auto& item : queued)
      if (item.second) asio::post(socket_.get_executor(), [cb = item.second] { cb(false); });
    input_ = nullptr;
    if (auto cb = std::move(onClose_)) {
      onClose_ = nullptr;
      cb();
    }
  }

  void reply(int status, const std::string& contentType, std::string body,
             const Headers& extra) override {
    if (mode_ != Mode::kHandling) return;
    mode_ = Mode::kReplied;
    if (status >= 500) log::warn("api: {} -> {}: {}", current_, status, body);
    bool noBody = status == 204 || status == 304 || (status >= 100 && status < 200);
    std::string out = statusLine(status);
    if (!contentType.empty() && !noBody) out += "Content-Type: " + contentType + "\r\n";
    for (const auto& [k, v] : extra) out += k + ": " + v + "\r\n";
    if (!noBody) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!keepAlive_) out += "Connection: close\r\n";
    out += "\r\n";
    if (!noBody && !headOnly_) out += body;
    if (!keepAlive_) closeAfterWrites_ = true;
    queueWrite(std::move(out), [self = shared_from_this()](bool ok) {
      if (ok && self->keepAlive_ && self->mode_ == Mode::kReplied) self->readRequest();
    });
  }

  void startStream(int status, const std::string& contentType) override {
    if (mode_ != Mode::kHandling) return;
    mode_ = Mode::kStreaming;
    std::string out = statusLine(status);
    if (!contentType.empty()) out += "Content-Type: " + contentType + "\r\n";
    out += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    queueWrite(std::move(out), nullptr);
    watchClient();
  }

  void startHijack(bool upgrade, const std::string& contentType) override {
    if (mode_ != Mode::kHandling) return;
    mode_ = Mode::kHijacked;
    // moby's hijack writes these lines itself, then the middleware's headers.
    std::string out = upgrade ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + contentType +
                                    "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                              : "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\n";
    for (const auto& [k, v] : common_) out += k + ": " + v + "\r\n";
    out += "\r\n";
    queueWrite(std::move(out), nullptr);
    // Stdin the client sent right behind the request is already in the buffer: keep it for
    // onInput, and empty the buffer before the next read prepares space in it.
    pendingInput_ = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    watchClient();
  }

  void onInput(std::function<void(std::string, bool)> cb) override {
    if (mode_ != Mode::kHijacked && mode_ != Mode::kFinishing) return;
    input_ = std::move(cb);
    if (!pendingInput_.empty() || inputEof_)
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
        auto cb = self->input_;
        if (!cb || self->mode_ == Mode::kClosed) return;
        std::string data = std::move(self->pendingInput_);
        self->pendingInput_.clear();
        if (!data.empty()) cb(std::move(data), false);
        if (self->inputEof_ && self->mode_ != Mode::kClosed) cb("", true);
      });
  }

  void write(std::string data, std::function<void(bool)> done) override {
    if (mode_ == Mode::kStreaming) {
      if (data.empty()) {  // an empty chunk would end the body
        if (done) asio::post(socket_.get_executor(), [done] { done(true); });
        return;
      }
      char size[20];
      int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      data.insert(0, size, static_cast<size_t>(n));
      data += "\r\n";
    } else if (mode_ != Mode::kHijacked) {
      if (done) asio::post(socket_.get_executor(), [done] { done(false); });
      return;
    }
    queueWrite(std::move(data), std::move(done));
  }

  void finish() override {
    if (mode_ == Mode::kStreaming) queueWrite("0\r\n\r\n", nullptr);
    if (mode_ == Mode::kStreaming || mode_ == Mode::kHijacked) {
      mode_ = Mode::kFinishing;
      closeAfterWrites_ = true;
      if (!writing_) close();
    }
  }

  void onClose(std::function<void()> cb) override {
    if (mode_ == Mode::kClosed) {
      if (cb) asio::post(socket_.get_executor(), std::move(cb));
      return;
    }
    onClose_ = std::move(cb);
  }

 private:
  enum class Mode { kReading, kHandling, kReplied, kStreaming, kHijacked, kFinishing, kClosed };

  std::string statusLine(int status) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                      std::string(http::obsolete_reason(static_cast<http::status>(status))) +
                      "\r\n";
    for (const auto& [k, v] : common_) out += k + ": " + v + "\r\n";
    return out;
  }

  void readRequest() {
    mode_ = Mode::kReading;
    parser_.emplace();
    // No limit while the head is read: whether the body is spooled (no limit) or kept in
    // memory (kMaxBody) is decided in onHeader, once the route is known. (Not boost::none:
    // Beast compares a Content-Length with the optional, and every length exceeds none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(kMaxHeader);
    armDeadline();
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  // curl sends `Expect: 100-continue` before bodies over 1 KiB and waits for the go-ahead.
  void onHeader(beast::error_code ec) {
    if (mode_ != Mode::kReading) return;
    if (ec) return onRequest(ec);
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue"))
      queueWrite("HTTP/1.1 100 Continue\r\n\r\n", nullptr);
    if (!uploadDir_.empty() && !parser_->is_done() &&
        router_.spoolsBody(std::string(parser_->get().method_string()),
                           std::string(parser_->get().target())))
      return startUpload();
    // Beast checks a Content-Length against the limit while it parses the head: do it here.
    if (auto len = parser_->content_length(); len && *len > kMaxBody)
      return onRequest(http::error::body_limit);
    parser_->body_limit(kMaxBody);  // chunked bodies: checked as they arrive
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec2, size_t) { self->onRequest(ec2); });
  }

  // The body goes to an unlinked file in uploadDir_ (O_TMPFILE: nothing to clean up, even
  // after a crash) as it arrives; the parser writes through a dup of the fd, so the request
  // keeps its own. The deadline applies to each read rather than to the whole body: an
  // upload of gigabytes may take minutes, a stalled one is still closed.
  void startUpload() {
    auto fail = [this](const Error& e) {
      mode_ = Mode::kHandling;
      keepAlive_ = false;
      replyError(*this, e);
    };
    if (Status st = fs::mkdirAll(uploadDir_, 0700); !st.ok()) return fail(st.error());
    UniqueFd fd(::open(uploadDir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!fd) return fail(sysError("create a file for the request body in " + uploadDir_.string()));
    UniqueFd dup(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    if (!dup) return fail(sysError("dup the request body file"));
    beast::file_posix file;
    file.native_handle(dup.release());
    upload_.emplace(std::move(*parser_));
    parser_.reset();
    upload_->body_limit(boost::none);
    beast::error_code ec;
    upload_->get().body().reset(std::move(file), ec);
    if (ec) return fail(internalError("request body file: " + ec.message()));
    uploadFd_ = std::move(fd);
    readUpload();
  }

  void readUpload() {
    armDeadline();
    http::async_read_some(socket_, buffer_, *upload_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (self->mode_ != Mode::kReading) return;
                            if (!ec && !self->upload_->is_done()) return self->readUpload();
                            self->onRequest(ec);
                          });
  }

  // The whole request (or the idle wait before it) must arrive within requestTimeout_: a
  // client that connects and sends nothing, or a byte a minute, must not hold an fd forever.
  void armDeadline() {
    deadline_.expires_after(requestTimeout_);
    deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      // A timer's completion is not the event itself either: check that the request is
      // still being read and that the deadline really passed.
      if (ec || !self || self->mode_ != Mode::kReading ||
          self->deadline_.expiry() > std::chrono::steady_clock::now())
        return;
      log::debug("api: closing a connection that sent no complete request in time");
      self->close();
    });
  }

  void onRequest(beast::error_code ec) {
    if (mode_ != Mode::kReading) return;
    deadline_.cancel();
    if (ec) {
      upload_.reset();
      uploadFd_.reset();
      if (ec == boost::system::errc::no_space_on_device ||
          ec == boost::system::errc::file_too_large) {
        mode_ = Mode::kHandling;
        keepAlive_ = false;
        reply(500, "application/json",
              errorBody("write the request body to " + uploadDir_.string() + ": " + ec.message()),
              {});
      } else if (ec == http::error::body_limit || ec == http::error::header_limit) {
        mode_ = Mode::kHandling;
        keepAlive_ = false;
        reply(413, "application/json", errorBody("request too large"), {});
      } else if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
                 ec != asio::error::eof && ec != asio::error::connection_reset) {
        mode_ = Mode::kHandling;
        keepAlive_ = false;
        reply(400, "application/json", errorBody("bad request: " + ec.message()), {});
      } else {
        close();
      }
      return;
    }
    Request req;
    if (upload_) {
      auto msg = upload_->release();
      upload_.reset();  // msg holds the parser's dup of the file, closed with it
      if (::lseek(uploadFd_.get(), 0, SEEK_SET) < 0) {
        mode_ = Mode::kHandling;
        keepAlive_ = false;
        return replyError(*this, sysError("rewind the request body file"));
      }
      req.bodyFile = std::make_shared<UniqueFd>(std::move(uploadFd_));
      return dispatchMessage(msg, std::move(req));
    }
    auto msg = parser_->release();
    req.body = std::move(msg.body());
    dispatchMessage(msg, std::move(req));
  }

  template <class Body>
  void dispatchMessage(const http::request<Body>& msg, Request req) {
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    parseTarget(req.target, req);
    for (const auto& field : msg)
      req.headers[toLower(std::string(field.name_string()))] = std::string(field.value());
    current_ = req.method + " " + req.target;
    keepAlive_ = msg.keep_alive();
    headOnly_ = msg.method() == http::verb::head;
    mode_ = Mode::kHandling;
    router_.dispatch(req, shared_from_this());
  }

  // While a stream is open: notice the client leaving. With a hijack, EOF only means the
  // client closed its stdin (the docker CLI half-closes), so keep writing.
  void watchClient() {
    socket_.async_read_some(
        buffer_.prepare(4096),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->onClientData(ec, n); });
  }

  void onClientData(beast::error_code ec, size_t n) {
    if (mode_ == Mode::kClosed) return;
    bool hijacked = mode_ == Mode::kHijacked || mode_ == Mode::kFinishing;
    if (ec) {
      if (ec == asio::error::eof && hijacked) {
        inputEof_ = true;
        // A copy: the callback may end the stream and close, which drops input_.
        if (auto cb = input_) cb("", true);
        return;
      }
      close();
      return;
    }
    buffer_.commit(n);
    std::string data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (hijacked) {
      if (auto cb = input_)
        cb(std::move(data), false);
      else if (pendingInput_.size() < kMaxHeader)
        pendingInput_ += data;  // until the handler says where stdin goes
    }
    // A streamed (non-hijacked) response ignores what the client sends.
    if (mode_ != Mode::kClosed) watchClient();
  }

  void queueWrite(std::string data, std::function<void(bool)> done) {
    if (mode_ == Mode::kClosed) {
      if (done) asio::post(socket_.get_executor(), [done] { done(false); });
      return;
    }
    outq_.emplace_back(std::move(data), std::move(done));
    if (!writing_) pumpWrites();
  }

  void pumpWrites() {
    if (outq_.empty()) {
      writing_ = false;
      if (closeAfterWrites_) close();
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(outq_.front().first),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (self->mode_ == Mode::kClosed) return;
                        auto item = std::move(self->outq_.front());
                        self->outq_.pop_front();
                        if (ec) {
                          self->writing_ = false;
                          if (item.second) item.second(false);
                          self->close();
                          return;
                        }
                        if (item.second) item.second(true);
                        self->pumpWrites();
                      });
  }

  Socket socket_;
  const Router& router_;
  const Headers& common_;
  std::chrono::milliseconds requestTimeout_;
  std::filesystem::path uploadDir_;  // empty: every body in memory (kMaxBody)
  asio::steady_timer deadline_;
  std::function<void()> onEnd_;  // the server counts open connections
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<FileBody>> upload_;  // a body being spooled
  UniqueFd uploadFd_;                                     // its file
  Mode mode_ = Mode::kReading;
  bool keepAlive_ = true;
  bool headOnly_ = false;
  bool writing_ = false;
  bool closeAfterWrites_ = false;
  std::deque<std::pair<std::string, std::function<void(bool)>>> outq_;
  std::function<void()> onClose_;
  std::function<void(std::string, bool)> input_;
  std::string pendingInput_;
  bool inputEof_ = false;
  std::string current_;  // "POST /containers/create?name=x", for the log
};

}  // namespace

void addAllRoutes(Router& router, RouteContextPtr ctx) {
  addSystemRoutes(router, ctx);
  addEventRoutes(router, ctx);
  addContainerFsRoutes(router, ctx);  // before {id} patterns: /containers/prune
  addContainerRoutes(router, ctx);
  addExecRoutes(router, ctx);
  addContainerStatsRoutes(router, ctx);
  addNetworkRoutes(router, ctx);
  addVolumeRoutes(router, ctx);
  addImageRoutes(router, std::move(ctx));
  addNotImplementedRoutes(router);
}

Headers commonHeaders(const ServerConfig& cfg) {
  return {{"Api-Version", cfg.apiVersion},
          {"Docker-Experimental", "false"},
          {"Ostype", "linux"},
          {"Server", "wharf/" + cfg.serverVersion + " (linux)"}};
}

class Server::Impl {
 public:
  Impl(asio::io_context& io, RouteContextPtr ctx)
      : io_(io),
        requestTimeout_(ctx->cfg.requestTimeout),
        uploadDir_(ctx->cfg.uploadDir),
        maxConnections_(ctx->cfg.maxConnections ? ctx->cfg.maxConnections
                                                : defaultMaxConnections()),
        router_(ctx->cfg.apiVersion, ctx->cfg.minApiVersion),
        common_(commonHeaders(ctx->cfg)) {
    addAllRoutes(router_, std::move(ctx));
  }

  Status listen(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode))
        return invalidArgument("listen on " + path + ": exists and is not a socket");
      if (::unlink(path.c_str()) != 0) return sysError("remove stale socket " + path);
    }
    auto acceptor = std::make_shared<Acceptor>(io_);
    boost::system::error_code ec;
    asio::local::stream_protocol::endpoint ep(path);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error(ErrorCategory::kInternal, "listen on " + path + ": " + ec.message());
    if (::chmod(path.c_str(), 0660) != 0) return sysError("chmod " + path);
    // The socket is root's; members of group "wharf" may use it too (as docker's group).
    if (struct group* g = ::getgrnam("wharf"); g && ::chown(path.c_str(), 0, g->gr_gid) != 0)
      return sysError("chown " + path);
    acceptors_.push_back(acceptor);
    accept(acceptor);
    log::info("api: listening on unix://{}", path);
    return okStatus();
  }

  void stop() {
    for (auto& a : acceptors_) {
      boost::system::error_code ec;
      a->close(ec);
    }
    acceptors_.clear();
    paused_.clear();
    for (auto& weak : sessions_)
      if (auto s = weak.lock()) s->close();
    sessions_.clear();
  }

 private:
  void accept(std::shared_ptr<Acceptor> acceptor) {
    acceptor->async_accept([this, acceptor, alive = std::weak_ptr<bool>(alive_)](
                               boost::system::error_code ec, Socket socket) {
      if (alive.expired() || !acceptor->is_open()) return;
      if (!ec) {
        auto session = std::make_shared<Session>(std::move(socket), router_, common_,
                                                 requestTimeout_, uploadDir_, [this, alive] {
                                                   // Not from within the destructor: later.
                                                   asio::post(io_, [this, alive] {
                                                     if (!alive.expired()) resumeAccepting();
                                                   });
                                                 });
        // Forget sessions that ended, so the list stays as long as the open connections.
        std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
        sessions_.push_back(session);
        session->start();
        if (openConnections() >= maxConnections_) {
          if (paused_.empty())
            log::warn("api: {} connections open, new ones wait", maxConnections_);
          paused_.push_back(acceptor);
          return;
        }
      } else {
        // Out of fds and the like: retry a little later instead of spinning on the loop.
        log::warn("api: accept: {}", ec.message());
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
        timer->async_wait([this, acceptor, timer, alive](boost::system::error_code) {
          if (!alive.expired() && acceptor->is_open()) accept(acceptor);
        });
        return;
      }
      accept(acceptor);
    });
  }

  static size_t defaultMaxConnections() {
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 4096;
    return std::max<size_t>(16, static_cast<size_t>(rl.rlim_cur) / 4);
  }

  size_t openConnections() {
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    return sessions_.size();
  }

  void resumeAccepting() {
    if (paused_.empty() || openConnections() >= maxConnections_) return;
    auto paused = std::move(paused_);
    paused_.clear();
    for (auto& a : paused)
      if (a->is_open()) accept(a);
  }

  asio::io_context& io_;
  std::chrono::milliseconds requestTimeout_;
  std::filesystem::path uploadDir_;
  size_t maxConnections_;
  Router router_;
  Headers common_;
  std::vector<std::shared_ptr<Acceptor>> acceptors_;
  // Listeners not accepting while maxConnections_ are open; resumed as connections end.
  std::vector<std::shared_ptr<Acceptor>> paused_;
  std::vector<std::weak_ptr<Session>> sessions_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

Server::Server(asio::io_context& io, engine::ContainerBackend& containers,
               engine::ImageBackend& images, engine::SystemBackend& system, ServerConfig cfg,
               engine::VolumeBackend* volumes, engine::NetworkBackend* networks)
    : impl_(std::make_unique<Impl>(
          io, std::make_shared<const RouteContext>(RouteContext{
                  io, containers, images, system, std::move(cfg), volumes, networks}))) {}

Server::~Server() { impl_->stop(); }

Status Server::listenUnix(const std::string& path) { return impl_->listen(path); }

void Server::stop() { impl_->stop(); }

}  // namespace wharf::api
