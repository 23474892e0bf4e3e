// libFuzzer target: a POST /containers/create as the API reads it (issue 9). The first line
// of the input is the ?name= value, the rest the JSON body: parsed with the depth bound,
// then translated into a ContainerSpec, names checked by the engine's rule.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/internal/container_json.h"
#include "common/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string name(in.substr(0, nl == std::string_view::npos ? 0 : nl));
  std::string_view body = nl == std::string_view::npos ? in : in.substr(nl + 1);
  auto json = wharf::parseJson(body, "request body");
  if (!json.ok()) return 0;
  std::vector<std::string> warnings;
  (void)wharf::api::specFromCreateBody(*json, name, &warnings);
  return 0;
}
