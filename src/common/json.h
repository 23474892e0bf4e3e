#pragma once
// nlohmann::json at the module edge: parsing never throws out of here.

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.h"

namespace wharf {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// The deepest nesting of arrays and objects parseJson accepts. nlohmann's parser is
// iterative, but copying, comparing, dumping and our own walks over a Json recurse once per
// level: a body of 8 MB of "[" would overflow the stack. No document wharf reads (API bodies,
// OCI configs, manifests, records) comes near this depth.
inline constexpr size_t kMaxJsonDepth = 100;

// Parses text as JSON; `what` names the document in the error ("config.json"). Documents
// nested deeper than maxDepth are refused (InvalidArgument) before parsing.
Result<Json> parseJson(std::string_view text, std::string_view what,
                       size_t maxDepth = kMaxJsonDepth);

// The nesting depth of the arrays and objects in text (strings skipped), counted with a loop;
// stops counting once past `limit`. Well-formedness is the parser's business.
size_t jsonDepth(std::string_view text, size_t limit);

}  // namespace wharf
