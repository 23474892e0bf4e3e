#pragma once
// Private to src/oci: the primitives both strict JSON readers (runtime_spec.cpp for
// config.json, seccomp_profile.cpp for Docker's seccomp profiles) walk documents with. The
// walk carries the JSON path; the first problem throws a ParseError that the reader's entry
// point turns into an Error naming that path. The exception never leaves the oci module.

#include <string>
#include <string_view>

#include "common/json.h"
#include "common/json_read.h"

namespace wharf::oci::json_walk {

struct ParseError {
  std::string message;
};

[[noreturn]] inline void fail(const std::string& path, const std::string& msg) {
  throw ParseError{path + ": " + msg};
}

// Paths and type names as every JSON reader of wharf's spells them (common/json_read.h).
inline std::string join(const std::string& path, std::string_view key) {
  return json::member(path, key);
}

inline std::string index(const std::string& path, size_t i) { return json::element(path, i); }

inline std::string typeName(const Json& j) { return json::typeName(j); }

inline void expectObject(const Json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object, got " + typeName(j));
}

inline void read(const Json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) fail(path, "expected a string, got " + typeName(j));
  out = j.get<std::string>();
}

}  // namespace wharf::oci::json_walk
