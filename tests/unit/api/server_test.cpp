// The Server on a temp unix socket, with fake backends, spoken to with raw HTTP.

#include "api/server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>
#include <tuple>

#include "api/stream.h"
#include "common/json.h"
#include "common/unique_fd.h"
#include "fakes/fake_engine_backends.h"

namespace wharf::api {
namespace {

struct RawResponse {
  int status = 0;
  std::string statusLine;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class RawClient {
 public:
  explicit RawClient(const std::string& path) {
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    connected_ = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  bool connected() const { return connected_; }

  void send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd_.get(), data.data() + off, data.size() - off);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  void request(const std::string& method, const std::string& target, const std::string& body = "",
               const std::string& extra = "") {
    send(method + " " + target + " HTTP/1.1\r\nHost: docker\r\n" + extra +
         (body.empty() && method != "POST" ? ""
                                           : "Content-Type: application/json\r\nContent-Length: " +
                                                 std::to_string(body.size()) + "\r\n") +
         "\r\n" + body);
  }
  void shutdownWrite() { ::shutdown(fd_.get(), SHUT_WR); }
  // Whether the server sent something within `ms`.
  bool answersWithin(int ms) {
    if (!buf_.empty()) return true;
    pollfd p{fd_.get(), POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }
  void close() { fd_.reset(); }

  // Reads one response: Content-Length, chunked, or to EOF (hijacked / no length).
  RawResponse read(bool headOnly = false) {
    RawResponse r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t eol = head.find("\r\n");
    r.statusLine = head.substr(0, eol);
    r.status = std::atoi(r.statusLine.c_str() + 9);
    while (eol != std::string::npos) {
      size_t next = head.find("\r\n", eol + 2);
      std::string line = head.substr(eol + 2, next == std::string::npos ? next : next - eol - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(colon + 2);
      eol = next;
    }
    if (headOnly || r.status == 100 || r.status == 204 || r.status == 304) return r;
    if (r.headers.count("content-length")) {
      size_t n = std::stoul(r.headers["content-length"]);
      while (buf_.size() < n)
        if (!fill()) break;
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else if (r.headers["transfer-encoding"] == "chunked") {
      for (;;) {
        size_t le;
        while ((le = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return r;
        size_t n = std::stoul(buf_.substr(0, le), nullptr, 16);
        while (buf_.size() < le + 2 + n + 2)
          if (!fill()) return r;
        r.body += buf_.substr(le + 2, n);
        buf_.erase(0, le + 2 + n + 2);
        if (n == 0) break;
      }
    } else {
      while (fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    return r;
  }

  // Whether the server closed the connection (EOF within the timeout).
  bool closedByServer() {
    char c;
    return ::read(fd_.get(), &c, 1) == 0;
  }

 private:
  bool fill() {
    char tmp[4096];
    ssize_t n = ::read(fd_.get(), tmp, sizeof tmp);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  UniqueFd fd_;
  bool connected_ = false;
  std::string buf_;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wharf-api-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/api.sock";
    ServerConfig cfg;
    cfg.uploadDir = dir_ + "/uploads";
    server_ = std::make_unique<Server>(io_, containers_, images_, system_, cfg);
    ASSERT_TRUE(server_->listenUnix(sock_).ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    // Readers and timers the fakes left behind end once the connections are gone.
    thread_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs fn on the io thread and waits for it (the fakes are single-threaded).
  template <typename F>
  void onLoop(F fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  fakes::FakeImageBackend images_;
  fakes::FakeContainerBackend containers_{io_, images_};
  fakes::FakeSystemBackend system_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::string dir_, sock_;
};

TEST_F(ServerTest, PingHeadersAndKeepAlive) {
  RawClient c(sock_);
  ASSERT_TRUE(c.connected());
  c.request("GET", "/_ping");
  RawResponse r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "OK");
  EXPECT_EQ(r.headers["api-version"], "1.51");
  EXPECT_EQ(r.headers["ostype"], "linux");
  EXPECT_EQ(r.headers["server"], "wharf/" WHARF_VERSION " (linux)");
  EXPECT_EQ(r.headers["docker-experimental"], "false");
  EXPECT_EQ(r.headers["builder-version"], "1");
  EXPECT_EQ(r.headers["cache-control"], "no-cache, no-store, must-revalidate");
  EXPECT_EQ(r.headers["pragma"], "no-cache");

  // Same connection: HEAD, then a versioned path, then an unknown one.
  c.request("HEAD", "/_ping");
  r = c.read(true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-length"], "2");
  c.request("GET", "/v1.51/version");
  r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["ApiVersion"], "1.51");
  c.request("GET", "/v1.99/version");
  r = c.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers["api-version"], "1.51");
  c.request("GET", "/nothing/here");
  r = c.read();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json::parse(r.body)["message"], "page not found");
}

TEST_F(ServerTest, SocketModeAndStaleSocket) {
  struct stat st;
  ASSERT_EQ(::stat(sock_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  // A second listen on the same path replaces the stale socket file.
  onLoop([&] { EXPECT_TRUE(server_->listenUnix(sock_).ok()); });
  RawClient c(sock_);
  c.request("GET", "/_ping");
  EXPECT_EQ(c.read().status, 200);
}

TEST_F(ServerTest, ExpectContinue) {
  RawClient c(sock_);
  std::string body = R"({"Image":"busybox","Labels":{"pad":")" + std::string(2000, 'x') + "\"}}";
  c.send(
      "POST /containers/create?name=big HTTP/1.1\r\nHost: d\r\nContent-Type: "
      "application/json\r\nExpect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(c.read().status, 100);
  c.send(body);
  EXPECT_EQ(c.read().status, 201);
  c.request("POST", "/containers/big/restart");
  EXPECT_EQ(c.read().status, 204);
  c.request("GET", "/containers/big/json");
  EXPECT_EQ(Json::parse(c.read().body)["State"]["Status"], "exited");  // the fake exits at once
}

TEST_F(ServerTest, MalformedAndOversizedRequests) {
  RawClient bad(sock_);
  bad.send("NOT HTTP AT ALL\r\n\r\n");
  RawResponse r = bad.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(bad.closedByServer());

  RawClient big(sock_);
  big.send("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 999999999\r\n\r\n");
  r = big.read();
  EXPECT_EQ(r.status, 413);

  // The server still serves others.
  RawClient ok(sock_);
  ok.request("GET", "/_ping");
  EXPECT_EQ(ok.read().status, 200);
}

// An image archive is not held in memory: its body goes to an unlinked file in the upload
// dir, so one larger than the in-memory limit (16 MiB) loads, and nothing stays behind.
TEST_F(ServerTest, UploadBodiesAreSpooledToDiskWithoutTheMemoryLimit) {
  RawClient c(sock_);
  c.send("POST /v1.51/images/load HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 20; ++i) c.send("100000\r\n" + chunk + "\r\n");
  c.send("0\r\n\r\n");
  RawResponse r = c.read();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Loaded image: busybox:latest"), std::string::npos);
  size_t got = 0;
  onLoop([&] { got = images_.lastArchive.size(); });
  EXPECT_EQ(got, size_t{20} << 20);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/uploads"));

  // An empty upload is the route's error, not the server's.
  RawClient empty(sock_);
  empty.request("POST", "/images/load");
  EXPECT_EQ(empty.read().status, 400);
}

TEST_F(ServerTest, BadBodyAndUnknownImage) {
  RawClient c(sock_);
  c.request("POST", "/v1.51/containers/create", "{\"Image\":");
  RawResponse r = c.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Json::parse(r.body)["message"].get<std::string>().find("invalid JSON"),
            std::string::npos);
  c.request("POST", "/v1.51/containers/create?name=x1", R"({"Image":"alpine"})");
  r = c.read();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json::parse(r.body)["message"], "No such image: alpine:latest");
}

// docker run's sequence: create, attach (hijacked), wait (headers at once), start.
TEST_F(ServerTest, RunSequenceWithHijackedAttach) {
  onLoop([&] {
    containers_.nextScript.output = {{engine::LogStream::kStdout, "hello\n", "", 0},
                                     {engine::LogStream::kStderr, "oops\n", "", 0}};
    containers_.nextScript.exitCode = 3;
  });
  RawClient c(sock_);
  c.request("POST", "/v1.51/containers/create?name=runner",
            R"({"Image":"busybox","Cmd":["echo","hello"],"AttachStdout":true})");
  RawResponse r = c.read();
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = Json::parse(r.body)["Id"];

  RawClient attach(sock_);
  attach.request("POST", "/v1.51/containers/runner/attach?stream=1&stdout=1&stderr=1", "",
                 "Connection: Upgrade\r\nUpgrade: tcp\r\n");
  RawClient wait(sock_);
  wait.request("POST", "/v1.51/containers/runner/wait?condition=next-exit");

  // The wait's headers arrive before the container starts; the attach's too.
  RawClient probe(sock_);
  probe.request("GET", "/_ping");  // the loop still serves others meanwhile
  EXPECT_EQ(probe.read().status, 200);

  // Start only once the server holds the attach reader and the wait (as dockerd's order).
  bool ready = false;
  for (int i = 0; i < 400 && !ready; ++i) {
    onLoop([&] { ready = containers_.openReaders() == 1 && containers_.pendingWaits() == 1; });
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(ready);
  c.request("POST", "/v1.51/containers/" + id + "/start");
  EXPECT_EQ(c.read().status, 204);

  RawResponse a = attach.read();
  EXPECT_EQ(a.statusLine, "HTTP/1.1 101 UPGRADED");
  EXPECT_EQ(a.headers["upgrade"], "tcp");
  EXPECT_EQ(a.headers["connection"], "Upgrade");
  EXPECT_EQ(a.headers["content-type"], "application/vnd.docker.multiplexed-stream");
  EXPECT_EQ(a.headers["api-version"], "1.51");
  std::string frames = a.body;
  auto f1 = takeFrame(frames);
  auto f2 = takeFrame(frames);
  ASSERT_TRUE(f1 && f2);
  EXPECT_EQ(f1->type, StreamType::kStdout);
  EXPECT_EQ(f1->payload, "hello\n");
  EXPECT_EQ(f2->type, StreamType::kStderr);
  EXPECT_EQ(f2->payload, "oops\n");

  RawResponse w = wait.read();
  EXPECT_EQ(w.status, 200);
  EXPECT_EQ(Json::parse(w.body), Json({{"StatusCode", 3}, {"Error", nullptr}}));

  c.request("GET", "/v1.51/containers/runner/logs?stdout=1&stderr=0");
  r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, frame(StreamType::kStdout, "hello\n"));

  RawClient ps(sock_);
  ps.request("GET", "/v1.51/containers/json?all=1");
  r = ps.read();
  Json list = Json::parse(r.body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["State"], "exited");
  EXPECT_EQ(list[0]["Status"].get<std::string>().rfind("Exited (3) ", 0), 0u);

  ps.request("DELETE", "/v1.51/containers/runner?force=1");
  EXPECT_EQ(ps.read().status, 204);
}

TEST_F(ServerTest, AttachWithoutUpgradeAndHalfClose) {
  onLoop([&] {
    containers_.nextScript.output = {{engine::LogStream::kStdout, "x", "", 0}};
    containers_.nextScript.keepRunning = true;
  });
  RawClient c(sock_);
  c.request("POST", "/containers/create?name=tty1", R"({"Image":"busybox","Tty":true})");
  ASSERT_EQ(c.read().status, 201);
  RawClient attach(sock_);
  attach.request("POST", "/containers/tty1/attach?stream=1&stdout=1");
  attach.shutdownWrite();  // the CLI half-closes when it has no stdin: keep streaming
  for (int i = 0; i < 400; ++i) {
    int open = 0;
    onLoop([&] { open = containers_.openReaders(); });
    if (open == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  c.request("POST", "/containers/tty1/start");
  EXPECT_EQ(c.read().status, 204);
  c.request("POST", "/containers/tty1/kill?signal=KILL");
  EXPECT_EQ(c.read().status, 204);
  RawResponse a = attach.read();
  EXPECT_EQ(a.statusLine, "HTTP/1.1 200 OK");
  EXPECT_EQ(a.headers["content-type"], "application/vnd.docker.raw-stream");
  EXPECT_EQ(a.body, "x");  // raw with a TTY
}

// docker run -i: stdin goes to the container; the client's half-close closes it (StdinOnce).
TEST_F(ServerTest, AttachForwardsStdin) {
  onLoop([&] { containers_.nextScript.echoStdin = true; });
  RawClient c(sock_);
  c.request("POST", "/containers/create?name=cat1",
            R"({"Image":"busybox","OpenStdin":true,"StdinOnce":true,"AttachStdin":true})");
  ASSERT_EQ(c.read().status, 201);
  c.request("POST", "/containers/cat1/start");
  ASSERT_EQ(c.read().status, 204);
  RawClient attach(sock_);
  // The first stdin bytes travel in the same write as the request.
  attach.send(
      "POST /containers/cat1/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: d\r\n"
      "Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nping\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  attach.send("pong\n");
  attach.shutdownWrite();
  RawResponse a = attach.read();
  EXPECT_EQ(a.status, 101);
  std::string got;
  while (auto f = takeFrame(a.body)) got += f->payload;
  EXPECT_EQ(got, "ping\npong\n");
  c.request("GET", "/containers/cat1/json");
  EXPECT_EQ(Json::parse(c.read().body)["State"]["Status"], "exited");
  c.request("POST", "/containers/cat1/resize?h=24&w=80");
  EXPECT_EQ(c.read().status, 200);
  onLoop([&] { EXPECT_EQ(containers_.resizes, (std::vector<std::pair<int, int>>{{24, 80}})); });
}

TEST_F(ServerTest, ClientLeavingCancelsTheFollowedLog) {
  onLoop([&] { containers_.nextScript.keepRunning = true; });
  RawClient c(sock_);
  c.request("POST", "/containers/create?name=follow", R"({"Image":"busybox"})");
  ASSERT_EQ(c.read().status, 201);
  c.request("POST", "/containers/follow/start");
  ASSERT_EQ(c.read().status, 204);
  {
    RawClient logs(sock_);
    logs.request("GET", "/containers/follow/logs?stdout=1&follow=1");
    // Let the server open the reader, then go away.
    for (int i = 0; i < 200; ++i) {
      int open = 0;
      onLoop([&] { open = containers_.openReaders(); });
      if (open == 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    logs.close();
  }
  int open = 1;
  for (int i = 0; i < 200 && open != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    onLoop([&] { open = containers_.openReaders(); });
  }
  EXPECT_EQ(open, 0);
  c.request("POST", "/containers/follow/stop?t=1");
  EXPECT_EQ(c.read().status, 204);
  c.request("POST", "/containers/follow/stop");
  EXPECT_EQ(c.read().status, 304);
}

TEST_F(ServerTest, EndpointsNotBuiltYetAre501NamingTheFeature) {
  for (auto [method, path, feature] :
       {std::tuple{"PUT", "/v1.51/volumes/x", "cluster volumes"},
        std::tuple{"GET", "/v1.51/volumes", "volumes"}, std::tuple{"POST", "/build", "image build"},
        std::tuple{"GET", "/containers/abc/archive", "copying files from containers (cp)"},
        std::tuple{"GET", "/system/df", "system df"}}) {
    RawClient c(sock_);
    c.request(method, path);
    auto r = c.read();
    EXPECT_EQ(r.status, 501) << path;
    EXPECT_NE(r.body.find(feature), std::string::npos) << r.body;
  }
  RawClient c(sock_);
  c.request("GET", "/no/such/endpoint");
  EXPECT_EQ(c.read().status, 404);
  c.request("GET", "/images/json");
  EXPECT_EQ(c.read().status, 200) << "real routes win over the 501 table";
}

TEST_F(ServerTest, StopClosesOpenConnections) {
  RawClient c(sock_);
  c.request("GET", "/_ping");
  ASSERT_EQ(c.read().status, 200);
  onLoop([&] { server_->stop(); });
  EXPECT_TRUE(c.closedByServer());
}

// Issue 9: a connection that never sends a complete request (silent, slowloris, half-open)
// is closed by the server, while one that keeps sending complete requests is served.
TEST(ServerTimeouts, IncompleteRequestsAreCutOff) {
  char tmpl[] = "/tmp/wharf-api-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string sock = std::string(tmpl) + "/api.sock";
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  fakes::FakeImageBackend images;
  fakes::FakeContainerBackend containers{io, images};
  fakes::FakeSystemBackend system;
  ServerConfig cfg;
  // Far below the client's 5 s receive timeout, so "closed" cannot be a client timeout.
  cfg.requestTimeout = std::chrono::milliseconds(50);
  auto server = std::make_unique<Server>(io, containers, images, system, cfg);
  ASSERT_TRUE(server->listenUnix(sock).ok());
  std::thread loop([&] { io.run(); });

  RawClient silent(sock);
  RawClient partial(sock);
  partial.send("GET /_ping HTTP/1.1\r\nHost: x\r\n");  // the head never ends
  RawClient body(sock);
  body.send("POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
  EXPECT_TRUE(silent.closedByServer());
  EXPECT_TRUE(partial.closedByServer());
  EXPECT_TRUE(body.closedByServer());
  RawClient ok(sock);
  ok.request("GET", "/_ping");
  EXPECT_EQ(ok.read().status, 200);

  boost::asio::post(io, [&] { server->stop(); });
  work.reset();
  loop.join();
  server.reset();
  std::filesystem::remove_all(tmpl);
}

TEST(ServerLimits, ConnectionsBeyondTheCapWaitTheirTurn) {
  char tmpl[] = "/tmp/wharf-api-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string sock = std::string(tmpl) + "/api.sock";
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  fakes::FakeImageBackend images;
  fakes::FakeContainerBackend containers{io, images};
  fakes::FakeSystemBackend system;
  ServerConfig cfg;
  cfg.maxConnections = 2;
  auto server = std::make_unique<Server>(io, containers, images, system, cfg);
  ASSERT_TRUE(server->listenUnix(sock).ok());
  std::thread loop([&] { io.run(); });

  auto first = std::make_unique<RawClient>(sock);
  first->request("GET", "/_ping");
  EXPECT_EQ(first->read().status, 200);
  RawClient second(sock);
  second.request("GET", "/_ping");
  EXPECT_EQ(second.read().status, 200);
  // Connected (the backlog holds it) but not served while two connections are open.
  RawClient third(sock);
  ASSERT_TRUE(third.connected());
  third.request("GET", "/_ping");
  EXPECT_FALSE(third.answersWithin(300));
  first.reset();  // one ends: the waiting client is served, nothing was refused
  EXPECT_EQ(third.read().status, 200);
  second.request("GET", "/_ping");
  EXPECT_EQ(second.read().status, 200);

  boost::asio::post(io, [&] { server->stop(); });
  work.reset();
  loop.join();
  server.reset();
  std::filesystem::remove_all(tmpl);
}

// Not a test: serves the fake backends for the docker CLI check (docs/api.md), e.g.
//   WHARF_API_TEST_SOCKET=/tmp/x.sock wharf_api_test --gtest_also_run_disabled_tests
//     --gtest_filter='*ServeForDockerCli*'
TEST(ServeForDockerCli, DISABLED_Serve) {
  const char* path = std::getenv("WHARF_API_TEST_SOCKET");
  ASSERT_NE(path, nullptr);
  int seconds =
      std::getenv("WHARF_API_TEST_SECONDS") ? std::atoi(std::getenv("WHARF_API_TEST_SECONDS")) : 60;
  boost::asio::io_context io;
  fakes::FakeImageBackend images;
  fakes::FakeContainerBackend containers{io, images};
  fakes::FakeSystemBackend system;
  containers.nextScript.output = {{engine::LogStream::kStdout, "hello from wharf\n", "", 0}};
  // WHARF_API_TEST_ECHO=1: containers act like `cat` (for `docker run -i`).
  containers.nextScript.echoStdin = std::getenv("WHARF_API_TEST_ECHO") != nullptr;
  Server server(io, containers, images, system, ServerConfig{});
  ASSERT_TRUE(server.listenUnix(path).ok());
  io.run_for(std::chrono::seconds(seconds));
  server.stop();
  ::unlink(path);
}

}  // namespace
}  // namespace wharf::api
