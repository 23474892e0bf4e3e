// Registry mirrors and the endpoints a client tries (image/registry_client.h).

#include <cctype>
#include <string>
#include <vector>

#include "image/registry_client.h"

namespace wharf::image {

Result<std::string> normalizeMirror(std::string_view url) {
  const std::string quoted = "\"" + std::string(url) + "\"";
  if (url.size() > 2048) return invalidArgument("invalid mirror: " + quoted + " is too long");
  std::string_view rest = url;
  std::string scheme;
  for (std::string_view s : {"https://", "http://"}) {
    if (rest.substr(0, s.size()) == s) {
      scheme = std::string(s);
      rest.remove_prefix(s.size());
      break;
    }
  }
  // dockerd's words (registry/config.go ValidateMirror).
  if (scheme.empty())
    return invalidArgument("invalid mirror: unsupported scheme in " + quoted +
                           " (the URL must start with http:// or https://)");
  size_t end = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
  if (host.empty()) return invalidArgument("invalid mirror: no host in " + quoted);
  if (host.find('@') != std::string_view::npos)
    return invalidArgument("invalid mirror: user info is not allowed in " + quoted);
  for (unsigned char c : host)
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
      return invalidArgument("invalid mirror: invalid host in " + quoted);
  if (!tail.empty() && tail != "/")
    return invalidArgument("invalid mirror: path, query, or fragment at end of the URI " + quoted);
  return scheme + std::string(host) + "/";
}

std::vector<RegistryEndpoint> registryEndpoints(const std::string& domain,
                                                const RegistryOptions& opts) {
  auto fromUrl = [&](std::string url, bool mirror) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    RegistryEndpoint ep;
    ep.mirror = mirror;
    std::string host = url.substr(url.find("://") + 3);
    ep.insecure = isInsecureRegistry(host, opts.insecureRegistries);
    ep.bases.push_back(std::move(url));
    return ep;
  };
  if (!opts.endpoint.empty()) return {fromUrl(opts.endpoint, false)};
  std::vector<RegistryEndpoint> out;
  if (domain == "docker.io" && !opts.push)
    for (const auto& m : opts.mirrors) out.push_back(fromUrl(m, true));
  RegistryEndpoint up;
  std::string host = domain == "docker.io" ? "registry-1.docker.io" : domain;
  up.insecure = isInsecureRegistry(domain, opts.insecureRegistries);
  up.bases.push_back("https://" + host);
  if (up.insecure) up.bases.push_back("http://" + host);
  out.push_back(std::move(up));
  return out;
}

}  // namespace wharf::image
