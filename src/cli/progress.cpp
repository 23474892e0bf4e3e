#include "cli/progress.h"

#include <algorithm>

#include "cli/format.h"

namespace wharf::cli {

void ProgressPrinter::onMessage(const Json& m) {
  if (!m.is_object() || !m.contains("status")) return;
  std::string id = m.contains("id") && m["id"].is_string() ? m["id"].get<std::string>() : "";
  bool intermediate = m.contains("progressDetail") && m["progressDetail"].is_object() &&
                      !m["progressDetail"].empty();
  std::string line = (id.empty() ? "" : id + ": ") + goValueString(m["status"]);
  if (!tty_) {
    if (!intermediate) out_ << line << "\n";
    return;
  }
  if (m.contains("progress") && m["progress"].is_string())
    line += " " + m["progress"].get<std::string>();
  auto it = std::find(ids_.begin(), ids_.end(), id);
  if (id.empty() || it == ids_.end()) {
    if (!id.empty()) ids_.push_back(id);
    out_ << "\r\033[2K" << line << "\n";
  } else {
    // Up to the layer's line, rewrite it, and back down below the last one.
    auto up = ids_.end() - it;
    out_ << "\033[" << up << "A\r\033[2K" << line << "\033[" << up << "B\r";
  }
  out_.flush();
}

}  // namespace wharf::cli
