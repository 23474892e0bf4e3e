#pragma once
// docker's --since/--until arguments (moby's api/types/time GetTimestamp): a Go duration
// relative to now ("10m", "1h30m", "1.5s"), an RFC 3339 date-time with or without zone or
// fractions ("2026-11-30T16:45:00Z", "2026-11-30T16:45:00.5+01:00", "2026-11-30T16:45:00",
// "2026-11-30"; local time when no zone is given, as docker), or unix seconds with an optional
// fraction ("1796014800", "1796014800.123456789"). Bounded input, no regex.
// Interim home until common/time lands (issue 10, item 7); then it moves there.

#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace wharf {

// Unix nanoseconds; InvalidArgument naming the value when it is none of the forms.
Result<int64_t> parseTimestampArg(std::string_view value, int64_t nowNanos);

// A Go duration ("300ms", "-1.5h", "2h45m", "0") in nanoseconds.
Result<int64_t> parseGoDuration(std::string_view s);

}  // namespace wharf
