#pragma once
#include <string>

namespace wharf {
// n random bytes from getrandom(2), hex-encoded (2n characters). Container ids are randomHex(32).
std::string randomHex(size_t bytes);
}  // namespace wharf
