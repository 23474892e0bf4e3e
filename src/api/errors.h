#pragma once
// The one place that maps an error category to an HTTP status (moby's errdefs/httpstatus).

#include <string>

#include "common/error.h"

namespace wharf::api {

int httpStatus(ErrorCategory category);
// Docker's error body: {"message": "..."}.
std::string errorBody(const std::string& message);

}  // namespace wharf::api
