#pragma once
// The Engine API server: HTTP/1.1 over unix sockets (Boost.Beast) on the daemon's single
// io_context thread. Routes translate Docker Engine API JSON (moby's api/swagger.yaml) to and
// from the engine's backend interfaces (engine/backend.h); nothing here blocks the loop.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::api {

struct ServerConfig {
  std::string serverVersion = WHARF_VERSION;
  std::string apiVersion = "1.51";
  std::string minApiVersion = "1.24";
  // How long a connection may take to send a complete request (head and body), counted from
  // when the server starts waiting for it; a keep-alive connection idle that long is closed
  // too. dockerd's ReadHeaderTimeout is 5 minutes; a request that wharf serves is small, so
  // one minute is generous and frees the fds of half-open or slowloris connections sooner.
  // Streams and hijacked connections (logs -f, attach) have no such limit.
  std::chrono::milliseconds requestTimeout{60 * 1000};
  // The most connections served at once; further clients wait in the listen backlog until one
  // ends (they are not refused). Each connection holds an fd, a stream or hijack may hold two
  // or three: so that clients can never take the fds the daemon needs for containers, 0 means
  // a quarter of the soft RLIMIT_NOFILE at listen time (at least 16).
  size_t maxConnections = 0;
  // Where the bodies of upload routes (image load and import) are spooled, as unlinked files:
  // <data-root>/tmp in wharfd. Empty: they are read into memory like any other body (16 MiB).
  std::filesystem::path uploadDir;
};

class Server {
 public:
  // volumes, networks: optional; without them their endpoints answer 501.
  Server(boost::asio::io_context& io, engine::ContainerBackend& containers,
         engine::ImageBackend& images, engine::SystemBackend& system, ServerConfig cfg,
         engine::VolumeBackend* volumes = nullptr, engine::NetworkBackend* networks = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Removes a stale socket file, binds, chmod 0660 (group "wharf" if it exists), and starts
  // accepting. May be called more than once (one listener per path).
  Status listenUnix(const std::string& path);
  // Closes the listeners and every open connection (pending streams are cancelled).
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wharf::api
