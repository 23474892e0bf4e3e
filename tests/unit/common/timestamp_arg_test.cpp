#include "common/timestamp_arg.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

constexpr int64_t kNow = 1796083200LL * 1000000000;  // 2026-12-01T00:00:00Z

TEST(TimestampArg, UnixSecondsWithFractions) {
  EXPECT_EQ(*parseTimestampArg("1796014800", kNow), 1796014800LL * 1000000000);
  EXPECT_EQ(*parseTimestampArg("1796014800.5", kNow), 1796014800LL * 1000000000 + 500000000);
  EXPECT_EQ(*parseTimestampArg("1796014800.000000001", kNow), 1796014800LL * 1000000000 + 1);
}

TEST(TimestampArg, Rfc3339) {
  EXPECT_EQ(*parseTimestampArg("2026-12-01T00:00:00Z", kNow), kNow);
  EXPECT_EQ(*parseTimestampArg("2026-12-01T01:00:00+01:00", kNow), kNow);
  EXPECT_EQ(*parseTimestampArg("2026-12-01T00:00:00.25Z", kNow), kNow + 250000000);
}

TEST(TimestampArg, DurationsCountBackFromNow) {
  EXPECT_EQ(*parseTimestampArg("10m", kNow), kNow - 600LL * 1000000000);
  EXPECT_EQ(*parseTimestampArg("1h30m", kNow), kNow - 5400LL * 1000000000);
  EXPECT_EQ(*parseTimestampArg("1.5s", kNow), kNow - 1500000000);
  EXPECT_EQ(*parseGoDuration("300ms"), 300000000);
  EXPECT_EQ(*parseGoDuration("-2h"), -7200LL * 1000000000);
}

TEST(TimestampArg, GarbageIsRefused) {
  for (const char* bad : {"", "yesterday", "10x", "2026-13-01", "2026-12-01T25:00:00Z", "1.2.3",
                          "2026-12-01T00:00:00+0100", "."}) {
    auto r = parseTimestampArg(bad, kNow);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().category(), ErrorCategory::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace wharf
