#include "common/error.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wharf {

std::string_view categoryName(ErrorCategory c) {
  switch (c) {
    case ErrorCategory::kInternal:
      return "internal";
    case ErrorCategory::kInvalidArgument:
      return "invalid argument";
    case ErrorCategory::kNotFound:
      return "not found";
    case ErrorCategory::kConflict:
      return "conflict";
    case ErrorCategory::kUnavailable:
      return "unavailable";
    case ErrorCategory::kForbidden:
      return "forbidden";
    case ErrorCategory::kNotImplemented:
      return "not implemented";
    case ErrorCategory::kUnauthorized:
      return "unauthorized";
  }
  return "unknown";
}

std::string Error::message() const {
  if (errno_ == 0) return message_;
  return message_ + ": " + std::strerror(errno_);
}

Error&& Error::context(std::string_view what) && {
  message_ = std::string(what) + ": " + message_;
  return std::move(*this);
}

Error& Error::context(std::string_view what) & {
  message_ = std::string(what) + ": " + message_;
  return *this;
}

Error invalidArgument(std::string msg) { return {ErrorCategory::kInvalidArgument, std::move(msg)}; }
Error notFound(std::string msg) { return {ErrorCategory::kNotFound, std::move(msg)}; }
Error conflict(std::string msg) { return {ErrorCategory::kConflict, std::move(msg)}; }
Error internalError(std::string msg) { return {ErrorCategory::kInternal, std::move(msg)}; }
Error unavailable(std::string msg) { return {ErrorCategory::kUnavailable, std::move(msg)}; }
Error forbidden(std::string msg) { return {ErrorCategory::kForbidden, std::move(msg)}; }
Error notImplemented(std::string msg) { return {ErrorCategory::kNotImplemented, std::move(msg)}; }

Error sysError(std::string what, int err) {
  // Internal whatever the errno: a missing file of ours is our failure (HTTP 500), not the
  // caller's 404. Code that knows better checks sysErrno() and says so.
  return {ErrorCategory::kInternal, std::move(what), err};
}

void assertFailed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "wharf: invariant broken: %s at %s:%d\n", cond, file, line);
  std::abort();
}

}  // namespace wharf
