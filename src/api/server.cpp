#include "api/server.h"

namespace wharf::api {

// Placeholder until the accept loop lands: keeps the daemon's main() linkable.
class Server::Impl {};

Server::Server(boost::asio::io_context&, engine::ContainerBackend&, engine::ImageBackend&,
               engine::SystemBackend&, ServerConfig)
    : impl_(std::make_unique<Impl>()) {}

Server::~Server() = default;

Status Server::listenUnix(const std::string& path) {
  return notImplemented("api server: listen on " + path + ": not implemented yet");
}

void Server::stop() {}

}  // namespace wharf::api
