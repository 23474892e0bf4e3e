#include "client/stdcopy.h"

#include <algorithm>
#include <cstring>

#include "common/stdcopy.h"

namespace wharf::client {

std::string encodeFrame(StdStream stream, std::string_view payload) {
  std::string out;
  stdcopy::appendFrame(out, static_cast<uint8_t>(stream), payload);
  return out;
}

Status StdDemuxer::feed(std::string_view data) {
  while (!data.empty()) {
    if (payloadLeft_ == 0) {
      size_t take = std::min(data.size(), sizeof(header_) - headerLen_);
      std::memcpy(header_ + headerLen_, data.data(), take);
      headerLen_ += take;
      data.remove_prefix(take);
      if (headerLen_ < sizeof(header_)) return okStatus();
      headerLen_ = 0;
      if (header_[0] > 3) {
        return internalError("Unrecognized input header: " + std::to_string(header_[0]));
      }
      current_ = static_cast<StdStream>(header_[0]);
      payloadLeft_ = stdcopy::payloadLength(reinterpret_cast<const char*>(header_));
      if (payloadLeft_ == 0 && current_ == StdStream::kSystemErr)
        return internalError("error from daemon in stream");
      continue;
    }
    size_t take = std::min<size_t>(data.size(), payloadLeft_);
    std::string_view piece = data.substr(0, take);
    data.remove_prefix(take);
    payloadLeft_ -= static_cast<uint32_t>(take);
    if (current_ == StdStream::kSystemErr) {
      systemErr_.append(piece);
      if (payloadLeft_ == 0) {
        std::string msg = std::move(systemErr_);
        systemErr_.clear();
        return internalError("error from daemon in stream: " + msg);
      }
      continue;
    }
    WHARF_TRY(sink_(current_, piece));
  }
  return okStatus();
}

}  // namespace wharf::client
