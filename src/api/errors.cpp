#include "api/errors.h"

#include "common/json.h"

namespace wharf::api {

int httpStatus(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kNotFound:
      return 404;
    case ErrorCategory::kInvalidArgument:
      return 400;
    case ErrorCategory::kConflict:
      return 409;
    case ErrorCategory::kUnauthorized:
      return 401;
    case ErrorCategory::kForbidden:
      return 403;
    case ErrorCategory::kUnavailable:
      return 503;
    case ErrorCategory::kNotImplemented:
      return 501;
    case ErrorCategory::kInternal:
      break;
  }
  return 500;
}

std::string errorBody(const std::string& message) {
  // dump() with replace: a message may carry bytes from a file name that are not UTF-8.
  return Json{{"message", message}}.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace wharf::api
