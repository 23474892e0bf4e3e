#pragma once
// Docker-style container names ("adjective_surname") and name validation.

#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::engine {

// A random "adjective_surname". `taken(name)` says whether a name is in use; after a few
// collisions a random digit is appended, as docker does ("gifted_curie3").
// `randomIndex(n)` returns a number in [0, n); tests pass a deterministic one.
std::string generateName(const std::function<bool(const std::string&)>& taken,
                         const std::function<size_t(size_t)>& randomIndex);
std::string generateName(const std::function<bool(const std::string&)>& taken);

// The longest name accepted: a DNS name's limit (RFC 1035), since names are what user
// networks' DNS will answer for (docs/decisions.md). Docker sets none.
inline constexpr size_t kMaxNameLength = 253;

// Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading "/" is accepted and dropped), at most
// kMaxNameLength characters, checked with a loop. Returns the name without the "/".
Result<std::string> validateName(std::string_view name);

}  // namespace wharf::engine
