#include "common/json.h"

namespace wharf {

size_t jsonDepth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

Result<Json> parseJson(std::string_view text, std::string_view what, size_t maxDepth) {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    return invalidArgument("invalid JSON in " + std::string(what) + ": nested deeper than " +
                           std::to_string(maxDepth) + " levels");
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    return invalidArgument("invalid JSON in " + std::string(what) + ": " + e.what());
  }
}

}  // namespace wharf
