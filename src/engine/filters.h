#pragma once
// `docker ps --filter` for containers: id (prefix), name (substring, with or without "/"),
// label (key or key=value), status (docker's state words), ancestor (an image reference or
// id, resolved by the caller), exited (exit code of exited containers). Several values of one
// key match if any does; different keys must all match.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::engine {

using Filters = std::map<std::string, std::vector<std::string>>;

// InvalidArgument for an unknown key or a bad value ("Invalid filter 'status=x'").
Status validateFilters(const Filters& filters);

// `ancestorMatches(value, container)` says whether the container was created from the image
// the user named (the engine resolves references and ids).
bool matchesFilters(
    const ContainerInfo& c, const Filters& filters,
    const std::function<bool(const std::string&, const ContainerInfo&)>& ancestorMatches);

}  // namespace wharf::engine
