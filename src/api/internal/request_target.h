#pragma once
// The request target ("/v1.51/containers/json?all=1&filters=%7B%7D") split into a
// percent-decoded path and query parameters. Client input: one pass, no recursion, output
// no longer than the input (the request head is bounded at 64 KiB before this runs).

#include <string>
#include <string_view>

#include "api/router.h"

namespace wharf::api {

std::string percentDecode(std::string_view s, bool plusIsSpace);

// Sets req.path and req.queryParams from target.
void parseTarget(std::string_view target, Request& req);

}  // namespace wharf::api
