#pragma once
// nlohmann::json at the module edge: parsing never throws out of here.

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.h"

namespace wharf {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Parses text as JSON; `what` names the document in the error ("config.json").
Result<Json> parseJson(std::string_view text, std::string_view what);

}  // namespace wharf
