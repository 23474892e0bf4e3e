#pragma once
// The functions Go templates may call in docker's --format (see go_template.h).

#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace wharf::cli::tmpl {

// Go's notion of "true" for if/with/range/not/and/or: false, 0, "", null and empty
// collections are false.
bool truthy(const Json& v);

// Calls fn with evaluated arguments (a piped value last). header: run as a table header, where
// docker's json/join/split/lower/upper/title/pad/truncate return their argument unchanged.
Result<Json> callFunction(const std::string& fn, const std::vector<Json>& args, bool header);

}  // namespace wharf::cli::tmpl
