// The CLI end to end against a fake daemon: argument handling, exit codes and output.

#include "cli/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <sstream>

#include "cli/ps_rows.h"
#include "client/fake_server.h"
#include "client/stdcopy.h"

namespace wharf::cli {
namespace {

using wharf::testing::FakeRequest;
using wharf::testing::FakeServer;
using wharf::testing::httpReply;
using wharf::testing::sendAll;

struct Outcome {
  int rc;
  std::string out, err;
};

Outcome cli(const std::vector<std::string>& args, const char* host) {
  std::ostringstream out, err;
  int rc = runCli(args, out, err, host, -1);
  return {rc, out.str(), err.str()};
}

constexpr const char* kNoDaemon = "unix:///nonexistent/wharf-cli-test.sock";

TEST(CliTest, UnknownFlagsAreUsageErrors) {
  auto r = cli({"run", "--bogus", "busybox"}, kNoDaemon);
  EXPECT_EQ(r.rc, 125);
  EXPECT_EQ(r.err, "unknown flag: --bogus\nSee 'wharf run --help'.\n");
  auto s = cli({"ps", "-z"}, kNoDaemon);
  EXPECT_EQ(s.rc, 125);
  EXPECT_EQ(s.err, "unknown shorthand flag: 'z' in -z\nSee 'wharf ps --help'.\n");
  auto g = cli({"--nope", "ps"}, kNoDaemon);
  EXPECT_EQ(g.rc, 125);
  auto c = cli({"frobnicate"}, kNoDaemon);
  EXPECT_EQ(c.rc, 1);
  EXPECT_NE(c.err.find("'frobnicate' is not a wharf command"), std::string::npos);
  EXPECT_TRUE(c.err.ends_with("See 'wharf --help'.\n")) << c.err;
  // A docker command wharf has not built yet says so (issue 9, point 10).
  auto e = cli({"cp", "web:/a", "."}, kNoDaemon);
  EXPECT_EQ(e.rc, 1);
  EXPECT_NE(e.err.find("'cp' is a docker command that wharf does not support yet."),
            std::string::npos)
      << e.err;
}

TEST(CliTest, MissingArgumentsAndHelp) {
  auto r = cli({"rm"}, kNoDaemon);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("\"wharf rm\" requires at least 1 argument."), std::string::npos);
  auto h = cli({"ps", "--help"}, kNoDaemon);
  EXPECT_EQ(h.rc, 0);
  EXPECT_NE(h.out.find("--no-trunc"), std::string::npos);
  EXPECT_EQ(cli({"run"}, kNoDaemon).rc, 1);
  EXPECT_EQ(cli({"--version"}, kNoDaemon).out, "wharf version " WHARF_VERSION "\n");
}

TEST(CliTest, NoDaemon) {
  auto r = cli({"ps"}, kNoDaemon);
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "Cannot connect to the wharf daemon at " + std::string(kNoDaemon) +
                       ". Is wharfd running? Start it with: wharfd &\n");
  auto run = cli({"run", "busybox"}, kNoDaemon);
  EXPECT_EQ(run.rc, 125);
  EXPECT_NE(run.err.find("wharf: Cannot connect"), std::string::npos);
  // -H wins over WHARF_HOST.
  auto h = cli({"-H", "unix:///nonexistent/other.sock", "ps"}, kNoDaemon);
  EXPECT_NE(h.err.find("unix:///nonexistent/other.sock"), std::string::npos);
}

void ping(int fd) {
  sendAll(fd, "HTTP/1.1 200 OK\r\nApi-Version: 1.51\r\nContent-Length: 2\r\n\r\nOK");
}

TEST(CliTest, RunStreamsOutputAndExitsWithTheContainersCode) {
  FakeServer server([](const FakeRequest& r, int fd) {
    using client::encodeFrame;
    using client::StdStream;
    if (r.target == "/_ping") return ping(fd);
    if (r.target.starts_with("/v1.51/containers/create")) {
      sendAll(fd, httpReply(201, R"({"Id":"c0ffee","Warnings":["low memory"]})"));
    } else if (r.target.find("/attach?") != std::string::npos) {
      // The stream ends once the container has exited; wait a little for start first.
      sendAll(fd, "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      sendAll(fd, encodeFrame(StdStream::kStdout, "hello\n") +
                      encodeFrame(StdStream::kStderr, "warn\n"));
    } else if (r.target.find("/wait") != std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      sendAll(fd, httpReply(200, R"({"StatusCode":42})"));
    } else if (r.target.find("/start") != std::string::npos) {
      sendAll(fd, "HTTP/1.1 204 No Content\r\nApi-Version: 1.51\r\n\r\n");
    } else {
      sendAll(fd, httpReply(404, R"({"message":"unexpected"})"));
    }
  });
  auto r =
      cli({"run", "--rm", "-e", "A=1", "busybox", "sh", "-c", "exit 42"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 42) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "WARNING: low memory\nwarn\n");
  auto reqs = server.requests();
  std::vector<std::string> order;
  for (const auto& q : reqs) {
    if (q.target == "/_ping") continue;
    if (q.target.find("/start") != std::string::npos)
      order.push_back("start");
    else if (q.target.find("/attach") != std::string::npos)
      order.push_back("attach");
    else if (q.target.find("/wait") != std::string::npos)
      order.push_back(q.target.substr(q.target.find('?')));
    else if (q.target.find("/create") != std::string::npos) {
      order.push_back("create");
      Json body = Json::parse(q.body);
      EXPECT_EQ(body["Cmd"], Json::array({"sh", "-c", "exit 42"}));
      EXPECT_EQ(body["Env"], Json::array({"A=1"}));
      EXPECT_TRUE(body["HostConfig"]["AutoRemove"]);
    }
  }
  // The wait request is written before start, but the fake server records each connection
  // on its own thread, so only the order create, attach, {wait, start} is certain.
  ASSERT_EQ(order.size(), 4u);
  std::sort(order.begin() + 2, order.end());
  EXPECT_EQ(order, (std::vector<std::string>{"create", "attach", "?condition=removed", "start"}));
}

TEST(CliTest, RunDetachedPrintsTheId) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    if (r.target.find("/create") != std::string::npos)
      sendAll(fd, httpReply(201, R"({"Id":"c0ffee","Warnings":null})"));
    else
      sendAll(fd, "HTTP/1.1 204 No Content\r\nApi-Version: 1.51\r\n\r\n");
  });
  auto r = cli({"run", "-d", "--name", "web", "busybox"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "c0ffee\n");
  EXPECT_EQ(server.requests()[0].target, "/v1.51/containers/create?name=web");
}

TEST(CliTest, RunStartErrorsMapToDockersCodes) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    if (r.target.find("/create") != std::string::npos) {
      sendAll(fd, httpReply(201, R"({"Id":"c0ffee"})"));
    } else if (r.target.find("/attach") != std::string::npos) {
      sendAll(fd, "HTTP/1.1 101 UPGRADED\r\n\r\n");
    } else if (r.target.find("/wait") != std::string::npos) {
      sendAll(fd, httpReply(200, R"({"StatusCode":127})"));
    } else {
      sendAll(
          fd,
          httpReply(
              400,
              R"({"message":"failed to create task: exec: \"nope\": executable file not found in $PATH"})"));
    }
  });
  auto r = cli({"run", "busybox", "nope"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 127);
  EXPECT_EQ(r.err,
            "wharf: Error response from daemon: failed to create task: exec: \"nope\": "
            "executable file not found in $PATH.\n");
}

TEST(CliTest, RunMissingImage) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    if (r.target.find("/containers/create") != std::string::npos)
      sendAll(fd, httpReply(404, R"({"message":"No such image: busybox:latest"})"));
    else
      sendAll(fd, httpReply(500, R"({"message":"pull access denied for busybox"})"));
  });
  auto r = cli({"run", "busybox"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 125);
  EXPECT_TRUE(
      r.err.starts_with("Unable to find image 'busybox:latest' locally\n"
                        "wharf: Error response from daemon: pull access denied for busybox.\n"
                        "Hint: wharf builds a busybox image"))
      << r.err;
  auto never = cli({"run", "--pull", "never", "busybox"}, server.uri().c_str());
  EXPECT_EQ(never.rc, 125);
  EXPECT_TRUE(
      never.err.starts_with("wharf: Error response from daemon: No such image: busybox:latest."));
}

TEST(CliTest, RmReportsEachAndFailsIfAnyFailed) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    if (r.target.find("/containers/bad") != std::string::npos)
      sendAll(fd, httpReply(404, R"({"message":"No such container: bad"})"));
    else
      sendAll(fd, "HTTP/1.1 204 No Content\r\nApi-Version: 1.51\r\n\r\n");
  });
  auto r = cli({"rm", "-f", "a", "bad", "b"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "a\nb\n");
  EXPECT_EQ(r.err, "Error response from daemon: No such container: bad\n");
  EXPECT_EQ(server.requests()[0].target, "/v1.51/containers/a?force=1&v=0");
}

const char* kPsReply = R"([{"Id":"4b3cd8a2b8f24e4c7e0a6a6ef7a2bd23a5f3ec5fbbd7a10a3a8c0a3f5b2d1e0f",
  "Names":["/happy_turing"],"Image":"busybox","ImageID":"sha256:aa","Command":"sh -c 'while true; do sleep 1; done'",
  "Created":CREATED,"Ports":[{"PrivatePort":80,"Type":"tcp"},{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"}],
  "Labels":{"b":"2","a":"1"},"State":"running","Status":"Up 2 minutes"}])";

TEST(CliTest, PsTable) {
  std::string reply = kPsReply;
  reply.replace(reply.find("CREATED"), 7, std::to_string(std::time(nullptr) - 150));
  FakeServer server([&](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    sendAll(fd, httpReply(200, reply));
  });
  auto r = cli({"ps"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         "
            "PORTS                          NAMES\n"
            "4b3cd8a2b8f2   busybox   \"sh -c 'while true; …\"   2 minutes ago   Up 2 minutes   "
            "80/tcp, 0.0.0.0:8080->80/tcp   happy_turing\n");
  auto q = cli({"ps", "-aq"}, server.uri().c_str());
  EXPECT_EQ(q.out, "4b3cd8a2b8f2\n");
  EXPECT_EQ(server.requests().back().target, "/v1.51/containers/json?all=1");
  auto f = cli({"ps", "--format", "{{.Names}}\\t{{.Labels}}"}, server.uri().c_str());
  EXPECT_EQ(f.out, "happy_turing\ta=1,b=2\n");
  auto t = cli({"ps", "--format", "table {{.ID}}\\t{{.State}}", "--filter", "status=running"},
               server.uri().c_str());
  EXPECT_EQ(t.out, "CONTAINER ID   STATE\n4b3cd8a2b8f2   running\n");
  EXPECT_NE(server.requests().back().target.find("filters="), std::string::npos);
  auto j = cli({"ps", "--format", "{{json .}}", "--no-trunc"}, server.uri().c_str());
  Json row = Json::parse(j.out);
  EXPECT_EQ(row["ID"].get<std::string>().size(), 64u);
  EXPECT_EQ(row["Command"], "\"sh -c 'while true; do sleep 1; done'\"");
  EXPECT_EQ(row["RunningFor"], "2 minutes ago");
}

TEST(CliTest, ImagesTable) {
  std::string reply =
      R"([{"Id":"sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824",
    "RepoTags":["busybox:latest","busybox:1.36"],"Created":)" +
      std::to_string(std::time(nullptr) - 15 * 24 * 3600) +
      R"(,"Size":4261341,"Containers":-1,"SharedSize":-1}])";
  FakeServer server([&](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    sendAll(fd, httpReply(200, reply));
  });
  auto r = cli({"images"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
            "busybox      latest    a416a98b71e2   2 weeks ago   4.26MB\n"
            "busybox      1.36      a416a98b71e2   2 weeks ago   4.26MB\n");
  EXPECT_EQ(cli({"image", "ls", "-q"}, server.uri().c_str()).out, "a416a98b71e2\n");
}

TEST(CliTest, InspectPrintsAnArrayOrTemplate) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    if (r.target.find("/containers/web/json") != std::string::npos)
      sendAll(
          fd,
          httpReply(200, R"({"Id":"abc","State":{"Status":"exited","ExitCode":0},"Name":"/web"})"));
    else
      sendAll(fd, httpReply(404, R"({"message":"No such object"})"));
  });
  auto r = cli({"inspect", "web"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 0) << r.err;
  // The daemon's key order is kept, indented by 4 as docker.
  EXPECT_EQ(r.out,
            "[\n    {\n        \"Id\": \"abc\",\n        \"State\": {\n            \"Status\": "
            "\"exited\",\n            \"ExitCode\": 0\n        },\n        \"Name\": \"/web\"\n    "
            "}\n]\n");
  auto f = cli({"inspect", "-f", "{{.State.Status}} {{.Name}}", "web"}, server.uri().c_str());
  EXPECT_EQ(f.out, "exited /web\n");
  auto missing = cli({"inspect", "web", "nope"}, server.uri().c_str());
  EXPECT_EQ(missing.rc, 1);
  EXPECT_EQ(missing.err, "Error: No such object: nope\n");
}

TEST(CliTest, VersionShowsClientAndServer) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    sendAll(fd, httpReply(200, R"({"Platform":{"Name":"wharf"},"Version":"0.1.0",
      "ApiVersion":"1.51","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64",
      "Components":[{"Name":"Engine","Version":"0.1.0","Details":{"ApiVersion":"1.51",
      "MinAPIVersion":"1.24","GitCommit":"abc","GoVersion":"n/a","Os":"linux","Arch":"amd64",
      "BuildTime":"today","Experimental":"false"}}]})"));
  });
  auto r = cli({"version"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Client: wharf\n Version:           " WHARF_VERSION "\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nServer: wharf\n Engine:\n  Version:          0.1.0\n"
                       "  API version:      1.51 (minimum version 1.24)\n"),
            std::string::npos)
      << r.out;
  auto f = cli({"version", "--format", "{{.Server.Version}}"}, server.uri().c_str());
  EXPECT_EQ(f.out, "0.1.0\n");
}

TEST(PsRowsTest, ImageDigestAndNames) {
  Json c = {{"Id", "0123456789abcdef"},
            {"Image", "busybox@sha256:abcdef"},
            {"Names", {"/web/alias", "/web"}},
            {"Command", "true"},
            {"Created", 0}};
  Json row = psRow(c, true, 3600);
  EXPECT_EQ(row["Image"], "busybox");
  EXPECT_EQ(row["Names"], "web");
  EXPECT_EQ(row["RunningFor"], "About an hour ago");
  EXPECT_EQ(row["Command"], "\"true\"");
  EXPECT_EQ(row["Size"], "0B");
  Json full = psRow(c, false, 3600);
  EXPECT_EQ(full["Names"], "web/alias,web");
}

}  // namespace
}  // namespace wharf::cli

namespace wharf::cli {
namespace {

TEST(CliTest, PullPrintsPlainStatusLines) {
  FakeServer server([](const FakeRequest& r, int fd) {
    if (r.target == "/_ping") return ping(fd);
    sendAll(fd, httpReply(200,
                          "{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\n"
                          "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1},"
                          "\"id\":\"abc\"}\n"
                          "{\"status\":\"Status: Downloaded newer image for busybox:latest\"}\n"));
  });
  auto r = cli({"pull", "busybox"}, server.uri().c_str());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out,
            "Using default tag: latest\nlatest: Pulling from library/busybox\n"
            "Status: Downloaded newer image for busybox:latest\nbusybox:latest\n");
  EXPECT_EQ(server.requests().back().target, "/v1.51/images/create?fromImage=busybox&tag=latest");
  auto restart = cli({"restart", "-t", "3", "web"}, server.uri().c_str());
  EXPECT_EQ(server.requests().back().target, "/v1.51/containers/web/restart?t=3");
}

}  // namespace
}  // namespace wharf::cli
