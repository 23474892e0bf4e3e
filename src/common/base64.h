#pragma once
// Base64 (RFC 4648): the standard alphabet for config.json's "auth" and HTTP basic auth, the
// URL-safe one for the Engine API's X-Registry-Auth header.

#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf {

// Standard alphabet, padded.
std::string base64Encode(std::string_view in);
// URL-safe alphabet ('-', '_'), padded, as Go's base64.URLEncoding (docker's X-Registry-Auth).
std::string base64UrlEncode(std::string_view in);
// Either alphabet, with or without padding; InvalidArgument on any other character.
Result<std::string> base64Decode(std::string_view in);

}  // namespace wharf
