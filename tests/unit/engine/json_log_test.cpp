#include "engine/shim/json_log.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/time.h"
#include "engine/shim/exit_file.h"

namespace wharf::shim {
namespace {

TEST(JsonLog, EncodesLikeDockerd) {
  // 2026-11-28T05:00:00.123456789Z
  int64_t t = 1795842000LL * 1000000000 + 123456789;
  EXPECT_EQ(
      encodeLogLine("hi\n", "stdout", t),
      "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T05:00:00.123456789Z\"}\n");
  // Trailing zeros of the fraction are trimmed (Go's RFC3339Nano); whole seconds have none.
  EXPECT_EQ(formatRfc3339Nano(1795842000LL * 1000000000 + 120000000), "2026-11-28T05:00:00.12Z");
  EXPECT_EQ(formatRfc3339Nano(1795842000LL * 1000000000), "2026-11-28T05:00:00Z");
  EXPECT_EQ(formatRfc3339NanoFixed(1795842000LL * 1000000000), "2026-11-28T05:00:00.000000000Z");
}

TEST(JsonLog, EscapesAsMoby) {
  std::string out;
  appendJsonString(out, "a\"b\\c\td\r<&>\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u0009d\\r\\u003c\\u0026\\u003e\\u0001\"");
  out.clear();
  appendJsonString(out,
                   "\xff"
                   "caf\xc3\xa9 \xe2\x80\xa8");
  EXPECT_EQ(out, "\"\\ufffdcaf\xc3\xa9 \\u2028\"");
}

// Every ASCII byte, against an escape written out by hand from moby's rules (the encoder uses
// a table; this keeps the table honest), alone and between plain bytes.
TEST(JsonLog, EscapesEveryAsciiByteAsMoby) {
  auto expected = [](unsigned char b) -> std::string {
    if (b == '"') return "\\\"";
    if (b == '\\') return "\\\\";
    if (b == '\n') return "\\n";
    if (b == '\r') return "\\r";
    if (b < 0x20 || b == '<' || b == '>' || b == '&') {
      char u[7];
      std::snprintf(u, sizeof u, "\\u%04x", b);
      return u;
    }
    return std::string(1, static_cast<char>(b));
  };
  for (int b = 0; b < 128; ++b) {
    auto c = static_cast<unsigned char>(b);
    std::string out;
    appendJsonString(out, std::string(1, static_cast<char>(c)));
    EXPECT_EQ(out, "\"" + expected(c) + "\"") << "byte " << b;
    out.clear();
    appendJsonString(out, "x" + std::string(3, static_cast<char>(c)) + "y");
    EXPECT_EQ(out, "\"x" + expected(c) + expected(c) + expected(c) + "y\"") << "byte " << b;
  }
}

TEST(JsonLog, RoundTrips) {
  std::string data = "tab\tquote\" back\\ nl\n";
  std::string line = encodeLogLine(data, "stderr", 42);
  auto d = decodeLogLine(line);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->data, data);
  EXPECT_EQ(d->stream, "stderr");
  EXPECT_EQ(d->timeNanos, 42);
  EXPECT_FALSE(decodeLogLine("{\"log\":").ok());
  EXPECT_FALSE(decodeLogLine("{\"stream\":\"stdout\"}").ok());
}

TEST(JsonLog, ParsesTimes) {
  EXPECT_EQ(*parseRfc3339("2026-11-28T05:00:00.123456789Z"), 1795842000LL * 1000000000 + 123456789);
  EXPECT_EQ(*parseRfc3339("2026-11-28T05:00:00.5Z"), 1795842000LL * 1000000000 + 500000000);
  EXPECT_EQ(*parseRfc3339("2026-11-28T06:00:00+01:00"), 1795842000LL * 1000000000);
  EXPECT_FALSE(parseRfc3339("2026-11-28 05:00:00").ok());
  EXPECT_FALSE(parseRfc3339("2026-11-28T05:00:00").ok());
}

TEST(LineSplitter, SplitsLinesAndKeepsPartials) {
  LineSplitter s;
  std::vector<std::string> got;
  auto emit = [&](std::string_view m) { got.emplace_back(m); };
  s.feed("a\nb", emit);
  EXPECT_EQ(got, (std::vector<std::string>{"a\n"}));
  s.feed("c\n\nd", emit);
  EXPECT_EQ(got, (std::vector<std::string>{"a\n", "bc\n", "\n"}));
  EXPECT_TRUE(s.hasPending());
  s.flush(emit);
  EXPECT_EQ(got.back(), "d");
  got.clear();
  s.feed(std::string(kMaxLogChunk + 10, 'x') + "\n", emit);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].size(), kMaxLogChunk);
  EXPECT_EQ(got[1], std::string(10, 'x') + "\n");
}

TEST(ExitFile, FormatAndParse) {
  ExitStatus st = exitStatusFromWait(9, 1234);  // killed by SIGKILL
  EXPECT_EQ(st.exitCode, 137);
  EXPECT_EQ(st.signal, 9);
  EXPECT_EQ(formatExitFile(st), "wharf-exit 1\nexit_code 137\nsignal 9\nfinished_at 1234\n");
  st = exitStatusFromWait(3 << 8, 5);
  EXPECT_EQ(st.exitCode, 3);
  EXPECT_EQ(st.signal, 0);
  st.error = "runtime remove: busy\nsecond line";
  auto back = parseExitFile(formatExitFile(st));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->exitCode, 3);
  EXPECT_EQ(back->finishedAtNanos, 5);
  EXPECT_EQ(back->error, st.error);
  EXPECT_FALSE(parseExitFile("exit_code 1\n").ok());
  EXPECT_FALSE(parseExitFile("wharf-exit 1\nexit_code x\n").ok());
  EXPECT_FALSE(parseExitFile("wharf-exit 1\n").ok());
}

}  // namespace
}  // namespace wharf::shim

namespace wharf::shim {
namespace {

// Issue 9, point 5: output the log could not take (disk full) is counted, not lost silently.
TEST(ExitFileDrops, LogDroppedBytesRoundTrip) {
  ExitStatus st;
  st.exitCode = 0;
  st.finishedAtNanos = 42;
  st.logDroppedBytes = 65536;
  auto back = parseExitFile(formatExitFile(st));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->logDroppedBytes, 65536);
  st.logDroppedBytes = 0;
  EXPECT_EQ(formatExitFile(st).find("log_dropped"), std::string::npos);
  auto none = parseExitFile(formatExitFile(st));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->logDroppedBytes, 0);
}

}  // namespace
}  // namespace wharf::shim
