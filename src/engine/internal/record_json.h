#pragma once
// Reading the daemon's own records (container.json, volume records): a missing or null key
// leaves the field at its default, so that a record written by an older wharfd still loads.
// Private to the engine.

#include "common/json.h"

namespace wharf::engine::record_json {

template <typename T>
void get(const Json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) *out = it->get<T>();
}

}  // namespace wharf::engine::record_json
