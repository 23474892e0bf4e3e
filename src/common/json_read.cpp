#include "common/json_read.h"

#include <climits>

namespace wharf::json {

std::string member(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string element(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string typeName(const Json& j) {
  if (j.is_number_integer()) return "integer";
  if (j.is_number()) return "number";
  return j.type_name();
}

std::string typeMismatch(std::string_view path, std::string_view want, const Json& got) {
  return std::string(path.empty() ? "(root)" : path) + ": expected " + std::string(want) +
         ", got " + typeName(got);
}

Error typeError(std::string_view path, std::string_view want, const Json& got) {
  return invalidArgument("invalid JSON: " + typeMismatch(path, want, got));
}

const Json* field(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status read(const Json& obj, std::string_view key, std::string_view path, std::string& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_string()) return typeError(member(path, key), "a string", *v);
  out = v->get<std::string>();
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path, bool& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_boolean()) return typeError(member(path, key), "a boolean", *v);
  out = v->get<bool>();
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path, int64_t& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_number_integer()) return typeError(member(path, key), "an integer", *v);
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return invalidArgument("invalid JSON: " + member(path, key) + ": " + v->dump() +
                           " does not fit in a 64-bit integer");
  }
  out = v->get<int64_t>();
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path, uint64_t& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_number_integer() || (!v->is_number_unsigned() && v->get<int64_t>() < 0))
    return typeError(member(path, key), "an unsigned integer", *v);
  out = v->get<uint64_t>();
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path, uint32_t& out) {
  uint64_t v = out;
  WHARF_TRY(read(obj, key, path, v));
  if (v > UINT32_MAX) {
    return invalidArgument("invalid JSON: " + member(path, key) + ": " + std::to_string(v) +
                           " does not fit in a 32-bit unsigned integer");
  }
  out = static_cast<uint32_t>(v);
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path, std::optional<int>& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_number_integer()) return typeError(member(path, key), "an integer", *v);
  bool fits = v->is_number_unsigned()
                  ? v->get<uint64_t>() <= static_cast<uint64_t>(INT_MAX)
                  : v->get<int64_t>() >= INT_MIN && v->get<int64_t>() <= INT_MAX;
  if (!fits) {
    return invalidArgument("invalid JSON: " + member(path, key) + ": " + v->dump() +
                           " does not fit in a 32-bit integer");
  }
  out = v->get<int>();
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path, int& out) {
  std::optional<int> v;
  WHARF_TRY(read(obj, key, path, v));
  if (v) out = *v;
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path,
            std::vector<std::string>& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  const std::string p = member(path, key);
  if (!v->is_array()) return typeError(p, "an array of strings", *v);
  std::vector<std::string> list;
  list.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& e = (*v)[i];
    if (!e.is_string()) return typeError(element(p, i), "a string", e);
    list.push_back(e.get<std::string>());
  }
  out = std::move(list);
  return okStatus();
}

Status read(const Json& obj, std::string_view key, std::string_view path,
            std::map<std::string, std::string>& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  const std::string p = member(path, key);
  if (!v->is_object()) return typeError(p, "an object of strings", *v);
  for (const auto& [k, e] : v->items()) {
    if (!e.is_string()) return typeError(member(p, k), "a string", e);
    out[k] = e.get<std::string>();
  }
  return okStatus();
}

Status readStrSlice(const Json& obj, std::string_view key, std::string_view path,
                    std::optional<std::vector<std::string>>& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (v->is_string()) {
    out = std::vector<std::string>{v->get<std::string>()};
    return okStatus();
  }
  std::vector<std::string> list;
  WHARF_TRY(read(obj, key, path, list));
  out = std::move(list);
  return okStatus();
}

Result<const Json*> object(const Json& obj, std::string_view key, std::string_view path) {
  const Json* v = field(obj, key);
  if (v && !v->is_object()) return typeError(member(path, key), "an object", *v);
  return v;
}

Result<const Json*> array(const Json& obj, std::string_view key, std::string_view path) {
  const Json* v = field(obj, key);
  if (v && !v->is_array()) return typeError(member(path, key), "an array", *v);
  return v;
}

}  // namespace wharf::json
