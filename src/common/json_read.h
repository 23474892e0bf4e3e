#pragma once
// The one way wharf reads typed fields out of a JSON document it did not write (API bodies,
// image archives, OCI configs): every read carries the field's JSON path, so a wrong type is
// an InvalidArgument that names it ("invalid JSON: HostConfig.Mounts[0].ReadOnly: expected a
// boolean, got string") rather than an exception or a silently ignored field. Absent and null
// fields leave the output untouched: that is Go's zero value, which is what docker's decoder
// gives a caller that sent nothing.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json.h"

namespace wharf::json {

// Paths: member("HostConfig", "Binds") is "HostConfig.Binds" (just "Binds" at the root);
// element("Mounts", 2) is "Mounts[2]".
std::string member(std::string_view path, std::string_view key);
std::string element(std::string_view path, size_t index);

// "integer" for integral numbers (nlohmann says "number" for every number).
std::string typeName(const Json& j);

// "<path>: expected <want>, got <type>" — the text of a type error, without a prefix.
std::string typeMismatch(std::string_view path, std::string_view want, const Json& got);

// InvalidArgument "invalid JSON: " + typeMismatch(...).
Error typeError(std::string_view path, std::string_view want, const Json& got);

// The member, or nullptr when it is absent or null.
const Json* field(const Json& obj, std::string_view key);

// Typed reads of obj[key]; `path` is obj's own path ("" for the document's root).
Status read(const Json& obj, std::string_view key, std::string_view path, std::string& out);
Status read(const Json& obj, std::string_view key, std::string_view path, bool& out);
Status read(const Json& obj, std::string_view key, std::string_view path, int64_t& out);
Status read(const Json& obj, std::string_view key, std::string_view path, uint64_t& out);
Status read(const Json& obj, std::string_view key, std::string_view path, uint32_t& out);
// A Go `int` field: a number that does not fit 32 bits is refused, not truncated (docker's
// decoder refuses it; truncating would turn StopTimeout 4294967297 into 1).
Status read(const Json& obj, std::string_view key, std::string_view path, std::optional<int>& out);
Status read(const Json& obj, std::string_view key, std::string_view path, int& out);
Status read(const Json& obj, std::string_view key, std::string_view path,
            std::vector<std::string>& out);
Status read(const Json& obj, std::string_view key, std::string_view path,
            std::map<std::string, std::string>& out);

// docker's strslice (Cmd, Entrypoint): an array of strings or one string.
Status readStrSlice(const Json& obj, std::string_view key, std::string_view path,
                    std::optional<std::vector<std::string>>& out);

// A member that must be an object when present: nullptr when absent or null, an error when
// it is something else.
Result<const Json*> object(const Json& obj, std::string_view key, std::string_view path);
// Same for an array.
Result<const Json*> array(const Json& obj, std::string_view key, std::string_view path);

}  // namespace wharf::json
