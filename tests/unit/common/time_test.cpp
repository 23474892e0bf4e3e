#include "common/time.h"

#include <gtest/gtest.h>

namespace wharf {
namespace {

constexpr int64_t kS = kNanosPerSecond;

TEST(TimeTest, FormatsLikeGo) {
  EXPECT_EQ(formatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339Nano(1700000000 * kS + 100000000), "2023-11-14T22:13:20.1Z");
  EXPECT_EQ(formatRfc3339NanoFixed(1700000000 * kS + 100000000), "2023-11-14T22:13:20.100000000Z");
  EXPECT_EQ(formatRfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(formatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(TimeTest, ParsesRfc3339RoundTrip) {
  for (int64_t t : {int64_t{0}, 1700000000 * kS + 123456789, 4102444800 * kS, -kS}) {
    auto back = parseRfc3339(formatRfc3339Nano(t));
    ASSERT_TRUE(back.ok()) << formatRfc3339Nano(t);
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(*parseRfc3339("2023-11-14T23:13:20+01:00"), 1700000000 * kS);
  EXPECT_EQ(*parseRfc3339("2023-11-14t22:13:20.5z"), 1700000000 * kS + kS / 2);
  EXPECT_FALSE(parseRfc3339("0001-01-01T00:00:00Z").ok());  // beyond int64 nanoseconds
  EXPECT_FALSE(parseRfc3339("9999-01-01T00:00:00Z").ok());
}

TEST(TimeTest, RefusesMalformedTimes) {
  for (const char* bad :
       {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z", "2023-11-14T22:13:20.Z",
        "2023-11-14T22:13:20+0100", "2023-11-14T22:13:20Zjunk", "x023-11-14T22:13:20Z"}) {
    EXPECT_FALSE(parseRfc3339(bad).ok()) << bad;
  }
}

TEST(TimeTest, ParsesGoDurations) {
  EXPECT_EQ(*parseDuration("300ms"), 300'000'000);
  EXPECT_EQ(*parseDuration("-1.5h"), -5400 * kS);
  EXPECT_EQ(*parseDuration("2h45m30s"), (2 * 3600 + 45 * 60 + 30) * kS);
  EXPECT_EQ(*parseDuration("0"), 0);
  EXPECT_EQ(*parseDuration("1us"), 1000);
  for (const char* bad : {"", "1", "h", "1x", ".h", "--1s", "1s2"}) {
    EXPECT_FALSE(parseDuration(bad).ok()) << bad;
  }
}

TEST(TimeTest, ParsesDockerTimestamps) {
  const int64_t now = 1700000000 * kS;
  EXPECT_EQ(*parseTimestamp("10m", now), now - 600 * kS);
  EXPECT_EQ(*parseTimestamp("0", now), 0);  // the epoch, not "now minus 0s" (docker)
  EXPECT_EQ(*parseTimestamp("0s", now), now);
  EXPECT_EQ(*parseTimestamp("1700000000", now), now);
  EXPECT_EQ(*parseTimestamp("1700000000.5", now), now + kS / 2);
  EXPECT_EQ(*parseTimestamp("1700000000.000000001", now), now + 1);
  EXPECT_EQ(*parseTimestamp("2023-11-14T22:13:20Z", now), now);
  EXPECT_EQ(*parseTimestamp("2023-11-14T22:13:20", now), now);
  EXPECT_EQ(*parseTimestamp("2023-11-14", now), (1700000000 - 80000) * kS);
  for (const char* bad : {"", "yesterday", "1700000000.1234567890", "2023-11-14T", "1.2.3"}) {
    EXPECT_FALSE(parseTimestamp(bad, now).ok()) << bad;
  }
  EXPECT_EQ(formatUnixSecondsNanos(now + 5), "1700000000.000000005");
}

}  // namespace
}  // namespace wharf
