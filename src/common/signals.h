#pragma once
#include <string_view>

#include "common/error.h"

namespace wharf {
// "SIGKILL", "KILL", "kill", "9" -> 9. InvalidArgument "Invalid signal: X" otherwise.
Result<int> parseSignal(std::string_view s);
}  // namespace wharf
