#pragma once
// Helpers for the api tests: a Responder that records what a handler answered, and a router
// wired to the fake backends.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "api/internal/routes.h"
#include "api/router.h"
#include "fakes/fake_engine_backends.h"

namespace wharf::api::testing {

class RecordingResponder : public Responder {
 public:
  enum class Kind { kNone, kReply, kStream, kHijack };
  Kind kind = Kind::kNone;
  int status = 0;
  std::string contentType;
  std::string body;  // the reply, or everything written to a stream
  Headers extra;
  bool upgrade = false;
  bool finished = false;
  std::function<void()> closeCb;

  void reply(int s, const std::string& ct, std::string b, const Headers& e) override {
    kind = Kind::kReply;
    status = s;
    contentType = ct;
    body = std::move(b);
    extra = e;
  }
  void startStream(int s, const std::string& ct) override {
    kind = Kind::kStream;
    status = s;
    contentType = ct;
  }
  void startHijack(bool up, const std::string& ct) override {
    kind = Kind::kHijack;
    upgrade = up;
    contentType = ct;
  }
  void write(std::string data, std::function<void(bool)> done) override {
    body += data;
    if (done) done(true);
  }
  void finish() override { finished = true; }
  void onClose(std::function<void()> cb) override { closeCb = std::move(cb); }
  void onInput(std::function<void(std::string, bool)> cb) override { inputCb = std::move(cb); }
  std::function<void(std::string, bool)> inputCb;

  Json json() const { return Json::parse(body); }
};

struct Harness {
  boost::asio::io_context io;
  fakes::FakeImageBackend images;
  fakes::FakeContainerBackend containers{io, images};
  fakes::FakeSystemBackend system;
  ServerConfig cfg;
  Router router{cfg.apiVersion, cfg.minApiVersion};

  Harness() {
    addAllRoutes(router, std::make_shared<const RouteContext>(
                             RouteContext{io, containers, images, system, cfg}));
  }

  std::shared_ptr<RecordingResponder> call(const std::string& method, const std::string& path,
                                           std::string body = "",
                                           std::multimap<std::string, std::string> query = {}) {
    Request req;
    req.method = method;
    req.target = path;
    req.path = path;
    req.queryParams = std::move(query);
    req.body = std::move(body);
    auto r = std::make_shared<RecordingResponder>();
    router.dispatch(req, r);
    io.restart();
    io.poll();
    return r;
  }

  std::string create(const std::string& name, const Json& body) {
    auto r = call("POST", "/containers/create", body.dump(), {{"name", name}});
    return r->status == 201 ? r->json()["Id"].get<std::string>() : "";
  }
};

}  // namespace wharf::api::testing
