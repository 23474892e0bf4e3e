#include "common/stdcopy.h"

#include <algorithm>
#include <limits>

namespace wharf::stdcopy {

void appendFrame(std::string& out, uint8_t stream, std::string_view payload) {
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
  do {
    size_t n = std::min(payload.size(), kMax);
    char header[kHeaderSize] = {static_cast<char>(stream),
                                0,
                                0,
                                0,
                                static_cast<char>((n >> 24) & 0xff),
                                static_cast<char>((n >> 16) & 0xff),
                                static_cast<char>((n >> 8) & 0xff),
                                static_cast<char>(n & 0xff)};
    out.append(header, kHeaderSize);
    out.append(payload.substr(0, n));
    payload.remove_prefix(n);
  } while (!payload.empty());
}

}  // namespace wharf::stdcopy
