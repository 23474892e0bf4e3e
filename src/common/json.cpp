#include "common/json.h"

namespace wharf {

Result<Json> parseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    return invalidArgument("invalid JSON in " + std::string(what) + ": " + e.what());
  }
}

}  // namespace wharf
