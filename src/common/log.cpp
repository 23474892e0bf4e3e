#include "common/log.h"

namespace wharf::log {

bool setLevel(std::string_view name) {
  if (name == "debug")
    spdlog::set_level(spdlog::level::debug);
  else if (name == "info")
    spdlog::set_level(spdlog::level::info);
  else if (name == "warn" || name == "warning")
    spdlog::set_level(spdlog::level::warn);
  else if (name == "error")
    spdlog::set_level(spdlog::level::err);
  else if (name == "fatal")
    spdlog::set_level(spdlog::level::critical);
  else
    return false;
  return true;
}

}  // namespace wharf::log
