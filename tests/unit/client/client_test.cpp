#include "client/client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "client/fake_server.h"
#include "client/stdcopy.h"

namespace wharf::client {
namespace {

using wharf::testing::FakeRequest;
using wharf::testing::FakeServer;
using wharf::testing::httpReply;
using wharf::testing::sendAll;

std::string pingReply(const std::string& version) {
  std::string h = version.empty() ? "" : "Api-Version: " + version + "\r\n";
  return "HTTP/1.1 200 OK\r\n" + h + "Ostype: linux\r\nServer: wharf/0.1.0\r\n" +
         "Content-Length: 2\r\n\r\nOK";
}

// A reply that names the server's API version (or none: "").
std::string versionedReply(int status, const std::string& version, const std::string& body) {
  std::string h = version.empty() ? "" : "Api-Version: " + version + "\r\n";
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" + h +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// What dockerd and wharfd do with a request at a version newer than theirs.
std::string tooNew(const std::string& version) {
  return versionedReply(400, version,
                        R"({"message":"client version 1.51 is too new. Maximum supported API )"
                        R"(version is )" +
                            version + R"("})");
}

TEST(ClientTest, SkipsThePingWhenTheServerIsCurrent) {
  FakeServer server([](const FakeRequest&, int fd) { sendAll(fd, httpReply(200, "{}")); });
  Client c(server.uri());
  ASSERT_TRUE(c.containerInspect("x").ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/v1.51/containers/x/json");
  EXPECT_EQ(c.apiVersion(), "1.51");
}

TEST(ClientTest, RetriesAtAnOlderServersVersion) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target.starts_with("/v1.51/"))
      sendAll(fd, tooNew("1.45"));
    else
      sendAll(fd, versionedReply(200, "1.45", R"({"Version":"0.1.0","ApiVersion":"1.45"})"));
  });
  Client c(server.uri());
  auto v = c.version();
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ((*v)["Version"], "0.1.0");
  EXPECT_EQ(c.apiVersion(), "1.45");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/v1.51/version");
  EXPECT_EQ(reqs[1].target, "/v1.45/version");
  // Negotiation happens once.
  ASSERT_TRUE(c.info().ok());
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.requests().back().target, "/v1.45/info");
}

TEST(ClientTest, NegotiatesWithAPingBeforeAStream) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping")
      sendAll(fd, pingReply("1.45"));
    else
      sendAll(fd, versionedReply(200, "1.45", "[]"));
  });
  Client c(server.uri());
  ASSERT_TRUE(c.containerLogs("x", {}, [](std::string_view) { return okStatus(); }).ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/_ping");
  EXPECT_TRUE(reqs[1].target.starts_with("/v1.45/containers/x/logs")) << reqs[1].target;
}

TEST(ClientTest, DoesNotRepeatARefusalOfACurrentServer) {
  FakeServer server([](const FakeRequest&, int fd) {
    sendAll(fd, httpReply(400, R"({"message":"invalid reference format"})"));
  });
  Client c(server.uri());
  auto r = c.containerCreate("x", Json{{"Image", "UPPER"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "invalid reference format");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ClientTest, CapsTheVersionAtItsOwnMaximum) {
  FakeServer server(
      [](const FakeRequest&, int fd) { sendAll(fd, versionedReply(200, "1.60", "{}")); });
  Client c(server.uri());
  ASSERT_TRUE(c.info().ok());
  ASSERT_TRUE(c.info().ok());
  EXPECT_EQ(c.apiVersion(), kMaxApiVersion);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests().back().target, "/v1.51/info");
}

TEST(ClientTest, AssumesOldestVersionWithoutHeader) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target.starts_with("/v1.24/"))
      sendAll(fd, versionedReply(200, "", "[]"));
    else
      sendAll(fd, versionedReply(400, "", R"({"message":"client is newer than server"})"));
  });
  Client c(server.uri());
  ASSERT_TRUE(c.imageList(false).ok());
  EXPECT_EQ(server.requests().back().target, "/v1.24/images/json?all=0");
}

TEST(ClientTest, PropagatesTheDaemonsMessageAndStatus) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping")
      sendAll(fd, pingReply("1.51"));
    else
      sendAll(fd, httpReply(404, R"({"message":"No such container: nope"})"));
  });
  Client c(server.uri());
  auto r = c.containerInspect("nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "No such container: nope");
  EXPECT_EQ(r.error().category(), ErrorCategory::kNotFound);
  EXPECT_EQ(c.lastStatus(), 404);
}

TEST(ClientTest, ReportsAMissingDaemonClearly) {
  Client c("unix:///nonexistent/wharf-test.sock");
  auto r = c.ping();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Cannot connect to the wharf daemon at unix:///nonexistent/wharf-test.sock. Is "
            "wharfd running? Start it with: wharfd &");
  EXPECT_EQ(r.error().category(), ErrorCategory::kUnavailable);
  EXPECT_EQ(c.lastStatus(), 0);
}

TEST(ClientTest, SendsCreateBodyAndName) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping")
      sendAll(fd, pingReply("1.51"));
    else
      sendAll(fd, httpReply(201, R"({"Id":"abc","Warnings":[]})"));
  });
  Client c(server.uri());
  auto r = c.containerCreate("my box", Json{{"Image", "busybox"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["Id"], "abc");
  auto req = server.requests().back();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1.51/containers/create?name=my%20box");
  EXPECT_EQ(req.headers["Content-Type"], "application/json");
  EXPECT_EQ(Json::parse(req.body)["Image"], "busybox");
}

TEST(ClientTest, DecodesChunkedStreams) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") {
      sendAll(fd, pingReply("1.51"));
      return;
    }
    std::string frames =
        encodeFrame(StdStream::kStdout, "line1\n") + encodeFrame(StdStream::kStderr, "err\n");
    std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", frames.size() - 5);
    sendAll(fd, head + size + "\r\n" + frames.substr(0, frames.size() - 5) + "\r\n");
    sendAll(fd, "5\r\n" + frames.substr(frames.size() - 5) + "\r\n0\r\n\r\n");
  });
  Client c(server.uri());
  std::string raw;
  LogsOptions lo;
  lo.tail = "10";
  Status st = c.containerLogs("abc", lo, [&](std::string_view d) {
    raw.append(d);
    return okStatus();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  std::string out, err;
  StdDemuxer demux([&](StdStream s, std::string_view d) {
    (s == StdStream::kStderr ? err : out).append(d);
    return okStatus();
  });
  ASSERT_TRUE(demux.feed(raw).ok());
  EXPECT_EQ(out, "line1\n");
  EXPECT_EQ(err, "err\n");
  EXPECT_EQ(server.requests().back().target,
            "/v1.51/containers/abc/logs?stdout=1&stderr=1&tail=10");
}

TEST(ClientTest, HijacksAttach) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") {
      sendAll(fd, pingReply("1.51"));
      return;
    }
    // The 101 and the first frame in one write: the client must keep the extra bytes.
    sendAll(fd,
            "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
            "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" +
                encodeFrame(StdStream::kStdout, "first"));
    char buf[16];
    ssize_t n = ::read(fd, buf, sizeof(buf));  // echo what the client writes
    if (n > 0)
      sendAll(fd, encodeFrame(StdStream::kStderr, std::string(buf, static_cast<size_t>(n))));
  });
  Client c(server.uri());
  AttachOptions ao;
  ao.stdinOn = true;
  auto conn = c.containerAttach("abc", ao);
  ASSERT_TRUE(conn.ok()) << conn.error().message();
  EXPECT_EQ(c.lastStatus(), 101);
  auto req = server.requests().back();
  EXPECT_EQ(req.headers["Upgrade"], "tcp");
  EXPECT_EQ(req.headers["Connection"], "Upgrade");
  EXPECT_EQ(req.target, "/v1.51/containers/abc/attach?stream=1&stdin=1&stdout=1&stderr=1");
  ASSERT_EQ(::send(conn->fd.get(), "ping", 4, MSG_NOSIGNAL), 4);
  std::string all = conn->buffered;
  char buf[256];
  ssize_t n;
  while ((n = ::read(conn->fd.get(), buf, sizeof(buf))) > 0)
    all.append(buf, static_cast<size_t>(n));
  std::string out, err;
  StdDemuxer demux([&](StdStream s, std::string_view d) {
    (s == StdStream::kStderr ? err : out).append(d);
    return okStatus();
  });
  ASSERT_TRUE(demux.feed(all).ok());
  EXPECT_EQ(out, "first");
  EXPECT_EQ(err, "ping");
}

TEST(ClientTest, WaitIsALongPoll) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping")
      sendAll(fd, pingReply("1.51"));
    else
      sendAll(fd, httpReply(200, R"({"StatusCode":3,"Error":null})"));
  });
  Client c(server.uri());
  auto pending = c.containerWaitBegin("abc", "next-exit");
  ASSERT_TRUE(pending.ok());
  auto r = pending->result();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["StatusCode"], 3);
  EXPECT_EQ(server.requests().back().target, "/v1.51/containers/abc/wait?condition=next-exit");
}

TEST(ClientTest, BootstrapAcceptsAProgressStream) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping")
      sendAll(fd, pingReply("1.51"));
    else
      sendAll(fd, httpReply(200, "{\"status\":\"working\"}\n{\"Id\":\"sha256:abc\"}\n"));
  });
  Client c(server.uri());
  auto r = c.imageBootstrap("busybox");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)["Id"], "sha256:abc");
  EXPECT_EQ(server.requests().back().target, "/wharf/images/bootstrap?name=busybox");
}

TEST(ClientTest, PullStreamErrorsFail) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping")
      sendAll(fd, pingReply("1.51"));
    else
      sendAll(fd, httpReply(200, "{\"status\":\"Pulling\"}\n{\"error\":\"denied\"}\n"));
  });
  Client c(server.uri());
  int progress = 0;
  Status st = c.imagePull("busybox:latest", [&](const Json&) { ++progress; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "denied");
  EXPECT_EQ(progress, 1);
  EXPECT_EQ(server.requests().back().target, "/v1.51/images/create?fromImage=busybox&tag=latest");
}

}  // namespace
}  // namespace wharf::client
