#pragma once
// JSON progress messages (pull, and later push/build) shown like docker's jsonmessage: on a
// TTY one line per layer id, rewritten in place; otherwise plain lines, skipping the
// intermediate byte counts.

#include <ostream>
#include <string>
#include <vector>

#include "common/json.h"

namespace wharf::cli {

class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& out, bool tty) : out_(out), tty_(tty) {}
  void onMessage(const Json& message);

 private:
  std::ostream& out_;
  bool tty_;
  std::vector<std::string> ids_;  // the layer lines on screen, top to bottom
};

}  // namespace wharf::cli
