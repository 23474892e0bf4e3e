#include "cli/format.h"

#include <gtest/gtest.h>

namespace wharf::cli {
namespace {

TEST(FormatTest, HumanDurationMatchesGoUnits) {
  EXPECT_EQ(humanDuration(0), "Less than a second");
  EXPECT_EQ(humanDuration(1), "1 second");
  EXPECT_EQ(humanDuration(47), "47 seconds");
  EXPECT_EQ(humanDuration(60), "About a minute");
  EXPECT_EQ(humanDuration(119), "About a minute");
  EXPECT_EQ(humanDuration(120), "2 minutes");
  EXPECT_EQ(humanDuration(59 * 60 + 59), "59 minutes");
  EXPECT_EQ(humanDuration(3600), "About an hour");
  EXPECT_EQ(humanDuration(3600 + 29 * 60), "About an hour");
  EXPECT_EQ(humanDuration(3600 + 31 * 60), "2 hours");
  EXPECT_EQ(humanDuration(47 * 3600), "47 hours");
  EXPECT_EQ(humanDuration(48 * 3600), "2 days");
  EXPECT_EQ(humanDuration(13 * 24 * 3600), "13 days");
  EXPECT_EQ(humanDuration(14 * 24 * 3600), "2 weeks");
  EXPECT_EQ(humanDuration(60 * 24 * 3600), "2 months");
  EXPECT_EQ(humanDuration(2 * 365 * 24 * 3600), "2 years");
}

TEST(FormatTest, HumanSizeIsDecimalWithThreeDigits) {
  EXPECT_EQ(humanSize(0), "0B");
  EXPECT_EQ(humanSize(999), "999B");
  EXPECT_EQ(humanSize(1000), "1kB");
  EXPECT_EQ(humanSize(1234), "1.23kB");
  EXPECT_EQ(humanSize(4261341), "4.26MB");
  EXPECT_EQ(humanSize(1855000), "1.85MB");
  EXPECT_EQ(humanSize(72800000), "72.8MB");
  EXPECT_EQ(humanSize(1.5e9), "1.5GB");
  EXPECT_EQ(humanSize(1234567, 4), "1.235MB");
  EXPECT_EQ(bytesSize(2073542656), "1.931GiB");
}

TEST(FormatTest, TabWriterPadsLikeDocker) {
  TabWriter tw(10, 3);
  tw.write("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n");
  EXPECT_EQ(tw.flush(), "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
  TabWriter tw2(10, 3);
  tw2.write(
      "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"
      "busybox\tlatest\ta416a98b71e2\t2 weeks ago\t4.26MB\n");
  EXPECT_EQ(tw2.flush(),
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
            "busybox      latest    a416a98b71e2   2 weeks ago   4.26MB\n");
}

TEST(FormatTest, TabWriterCountsRunes) {
  TabWriter tw(1, 1);
  tw.write("\"sh -c 'echo hello…\"\tx\nab\ty\n");
  EXPECT_EQ(tw.flush(), "\"sh -c 'echo hello…\" x\nab                   y\n");
}

TEST(FormatTest, EllipsisAndQuote) {
  EXPECT_EQ(ellipsis("sh", 20), "sh");
  EXPECT_EQ(ellipsis("sh -c 'echo hello world; sleep 10'", 20), "sh -c 'echo hello w…");
  EXPECT_EQ(goQuote(ellipsis("sh -c 'echo hello world'", 20)), "\"sh -c 'echo hello w…\"");
  EXPECT_EQ(goQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
}

TEST(FormatTest, TruncateId) {
  EXPECT_EQ(truncateId("sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"),
            "a416a98b71e2");
  EXPECT_EQ(truncateId("0123456789abcdef0123"), "0123456789ab");
}

TEST(FormatTest, GoValueString) {
  EXPECT_EQ(goValueString(Json("x")), "x");
  EXPECT_EQ(goValueString(Json(3)), "3");
  EXPECT_EQ(goValueString(Json(3.0)), "3");
  EXPECT_EQ(goValueString(Json(true)), "true");
  EXPECT_EQ(goValueString(Json()), "<nil>");
  EXPECT_EQ(goValueString(Json::array({"sh", "-c"})), "[sh -c]");
  EXPECT_EQ(goValueString(Json{{"b", 1}, {"a", "x"}}), "map[a:x b:1]");
}

TEST(FormatTest, TimestampArgs) {
  EXPECT_EQ(*parseTimestampArg("", 1000), "");
  EXPECT_EQ(*parseTimestampArg("10m", 1000), "400");
  EXPECT_EQ(*parseTimestampArg("1h30m", 10000), "4600");
  EXPECT_EQ(*parseTimestampArg("1700000000", 0), "1700000000");
  EXPECT_EQ(*parseTimestampArg("1700000000.5", 0), "1700000000.5");
  EXPECT_EQ(*parseTimestampArg("2024-01-02T03:04:05Z", 0), "1704164645");
  EXPECT_EQ(*parseTimestampArg("2024-01-02T03:04:05.25Z", 0), "1704164645.250000000");
  EXPECT_EQ(*parseTimestampArg("2024-01-02T04:04:05+01:00", 0), "1704164645");
  EXPECT_EQ(*parseTimestampArg("2024-01-02", 0), "1704153600");
  EXPECT_FALSE(parseTimestampArg("yesterday", 0).ok());
}

}  // namespace
}  // namespace wharf::cli

#include <sstream>

#include "cli/progress.h"

namespace wharf::cli {
namespace {

TEST(ProgressTest, PlainLinesSkipIntermediateCounts) {
  std::ostringstream out;
  ProgressPrinter p(out, false);
  p.onMessage({{"status", "Pulling from library/busybox"}, {"id", "latest"}});
  p.onMessage({{"status", "Downloading"}, {"id", "abc"}, {"progressDetail", {{"current", 1}}}});
  p.onMessage({{"status", "Pull complete"}, {"id", "abc"}, {"progressDetail", Json::object()}});
  EXPECT_EQ(out.str(), "latest: Pulling from library/busybox\nabc: Pull complete\n");
}

TEST(ProgressTest, TtyRewritesTheLayersLine) {
  std::ostringstream out;
  ProgressPrinter p(out, true);
  p.onMessage({{"status", "Waiting"}, {"id", "a"}});
  p.onMessage({{"status", "Waiting"}, {"id", "b"}});
  p.onMessage({{"status", "Downloading"}, {"id", "a"}, {"progress", "[=>  ] 1B/4B"}});
  EXPECT_EQ(out.str(),
            "\r\033[2Ka: Waiting\n\r\033[2Kb: Waiting\n"
            "\033[2A\r\033[2Ka: Downloading [=>  ] 1B/4B\033[2B\r");
}

}  // namespace
}  // namespace wharf::cli
