// Decoding lives apart from encoding so that the shim, which only writes logs, does not link
// the JSON parser.
#include <time.h>

#include <cctype>

#include "common/json.h"
#include "common/time.h"
#include "engine/shim/json_log.h"

namespace wharf::shim {

Result<DecodedLogLine> decodeLogLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  WHARF_ASSIGN_OR_RETURN(Json j, parseJson(line, "log line"));
  if (!j.is_object() || !j.contains("log") || !j["log"].is_string()) {
    return invalidArgument("log line without a \"log\" string");
  }
  DecodedLogLine out;
  out.data = j["log"].get<std::string>();
  if (j.contains("stream") && j["stream"].is_string()) out.stream = j["stream"].get<std::string>();
  if (j.contains("time") && j["time"].is_string()) {
    WHARF_ASSIGN_OR_RETURN(out.timeNanos, parseRfc3339(j["time"].get<std::string>()));
  }
  return out;
}

}  // namespace wharf::shim
