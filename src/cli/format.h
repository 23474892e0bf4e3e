#pragma once
// Output formatting as the docker CLI does it: Go's text/tabwriter table layout, go-units
// human durations and sizes, Go's value printing (fmt's %v) and strconv.Quote.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json.h"

namespace wharf::cli {

// Go's tabwriter.NewWriter(out, minWidth, 1, padding, ' ', 0): cells end at '\t'; a column is
// as wide as its widest cell plus padding, at least minWidth; the text after a line's last tab
// is not aligned. Widths count runes, as Go's does. docker's tables use (10, 3).
class TabWriter {
 public:
  TabWriter(int minWidth, int padding) : minWidth_(minWidth), padding_(padding) {}
  void write(std::string_view text) { text_.append(text); }
  // Returns the aligned text; an unterminated last line is kept as it is.
  std::string flush();

 private:
  int minWidth_;
  int padding_;
  std::string text_;
};

// Number of UTF-8 code points.
size_t runeCount(std::string_view s);

// go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"...
std::string humanDuration(int64_t seconds);
// go-units HumanSizeWithPrecision(size, precision): decimal units ("4.26MB", "0B", "1.2kB").
std::string humanSize(double bytes, int precision = 3);
// go-units BytesSize: binary units with 4 significant digits ("1.934GiB").
std::string bytesSize(double bytes);

// docker's formatter.Ellipsis: s if it fits in maxRunes, else the first maxRunes-1 runes + "…".
std::string ellipsis(std::string_view s, size_t maxRunes);
// Go's strconv.Quote (printable Unicode is kept, control characters escaped).
std::string goQuote(std::string_view s);
// The first 12 hex digits of an id, without a "sha256:" prefix (stringid.TruncateID).
std::string truncateId(std::string_view id);
// Go's time.Unix(sec, 0).String() in local time: "2024-01-02 15:04:05 +0100 CET".
std::string goTimeString(int64_t unixSeconds);

// fmt's %v of a value decoded from JSON: strings as they are, numbers without a trailing
// ".0", arrays as "[a b]", objects as "map[k:v]", null as "<nil>".
std::string goValueString(const Json& v);

}  // namespace wharf::cli

namespace wharf::cli {

// docker's --since/--until values (api/types/time.GetTimestamp): a Go duration ("10m",
// "1h30m", relative to now), an RFC 3339 time or date ("2024-01-02T15:04:05Z",
// "2024-01-02"), or unix seconds[.nanos]. Returns "seconds[.nanos]" as the API wants.
Result<std::string> parseTimestampArg(std::string_view value, int64_t nowSeconds);

}  // namespace wharf::cli
