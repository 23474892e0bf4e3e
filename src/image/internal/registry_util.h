#pragma once
// Small helpers the registry client's files share (registry_client.cpp defines them).
// Private to the image module.

#include <cstddef>
#include <string>
#include <string_view>

namespace wharf::image::internal {

// Bound on an error answer's body kept for the message.
inline constexpr size_t kRegistryMaxErrorBody = 64 << 10;

// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
std::string registryUrlEncode(std::string_view s);
// "host:port" -> host (the brackets of an IPv6 literal removed).
std::string registryHostOf(std::string_view domain);

}  // namespace wharf::image::internal
