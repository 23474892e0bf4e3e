#pragma once
// Logging through spdlog. The composition root (tools/*/main.cpp) configures the sink and
// level; modules only call these.

#include <spdlog/spdlog.h>

namespace wharf::log {

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

// "debug", "info", "warn", "error", "fatal"; false if the name is unknown.
bool setLevel(std::string_view name);

}  // namespace wharf::log
