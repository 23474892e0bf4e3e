#include "engine/log_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>

#include "common/random.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {
namespace {

namespace stdfs = std::filesystem;
constexpr int64_t kSec = 1000000000;

class LogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::temp_directory_path() / ("wharf-logtest-" + randomHex(6));
    stdfs::create_directories(dir_);
    path_ = (dir_ / "c-json.log").string();
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  void append(std::string_view data, std::string_view stream, int64_t t) {
    std::ofstream f(path_, std::ios::app | std::ios::binary);
    f << shim::encodeLogLine(data, stream, t);
  }

  // Reads every entry until the end of the stream.
  std::vector<LogEntry> readAll(LogReader& r) {
    std::vector<LogEntry> out;
    bool finished = false;
    std::function<void(Result<std::optional<LogEntry>>)> cb;
    cb = [&](Result<std::optional<LogEntry>> e) {
      ASSERT_TRUE(e.ok()) << e.error().message();
      if (!e->has_value()) {
        finished = true;
        return;
      }
      out.push_back(**e);
      r.next(cb);
    };
    r.next(cb);
    io_.restart();
    while (!finished && io_.run_one() > 0) {
    }
    EXPECT_TRUE(finished);
    return out;
  }

  boost::asio::io_context io_;
  stdfs::path dir_;
  std::string path_;
};

TEST_F(LogReaderTest, ReadsAllWithStreamSelection) {
  append("out1\n", "stdout", 10 * kSec);
  append("err1\n", "stderr", 11 * kSec);
  append("out2\n", "stdout", 12 * kSec);
  LogOptions opts;
  auto r = JsonFileLogReader::open(io_, path_, opts, false, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto all = readAll(**r);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].stream, LogStream::kStderr);
  EXPECT_EQ(all[1].data, "err1\n");
  EXPECT_EQ(all[0].timeIso, "1970-01-01T00:00:10.000000000Z");

  opts.stderrOn = false;
  auto outOnly = JsonFileLogReader::open(io_, path_, opts, false, nullptr);
  auto got = readAll(**outOnly);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].data, "out2\n");
}

TEST_F(LogReaderTest, TailSinceUntil) {
  for (int i = 0; i < 10; ++i) append("line" + std::to_string(i) + "\n", "stdout", i * kSec);
  LogOptions opts;
  opts.tail = 3;
  auto tail = readAll(**JsonFileLogReader::open(io_, path_, opts, false, nullptr));
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].data, "line7\n");

  opts.tail = 0;
  EXPECT_TRUE(readAll(**JsonFileLogReader::open(io_, path_, opts, false, nullptr)).empty());

  opts.tail = -1;
  opts.sinceNanos = 4 * kSec;
  opts.untilNanos = 6 * kSec;
  auto window = readAll(**JsonFileLogReader::open(io_, path_, opts, false, nullptr));
  ASSERT_EQ(window.size(), 3u);
  EXPECT_EQ(window[0].data, "line4\n");
  EXPECT_EQ(window[2].data, "line6\n");
}

TEST_F(LogReaderTest, TailOfALargeLogReadsFromTheEnd) {
  // More than one 64 KiB backwards read, and a partial last line that must not count.
  for (int i = 0; i < 5000; ++i) append("row" + std::to_string(i) + "\n", "stdout", i);
  {
    std::ofstream f(path_, std::ios::app | std::ios::binary);
    f << "{\"log\":\"partial";
  }
  LogOptions opts;
  opts.tail = 2;
  auto got = readAll(**JsonFileLogReader::open(io_, path_, opts, false, nullptr));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, "row4998\n");
  EXPECT_EQ(got[1].data, "row4999\n");
  opts.tail = 4999;
  got = readAll(**JsonFileLogReader::open(io_, path_, opts, false, nullptr));
  ASSERT_EQ(got.size(), 4999u);
  EXPECT_EQ(got[0].data, "row1\n");
  opts.tail = 100000;
  EXPECT_EQ(readAll(**JsonFileLogReader::open(io_, path_, opts, false, nullptr)).size(), 5000u);
}

TEST_F(LogReaderTest, SkipsPartialAndBadLines) {
  append("a\n", "stdout", kSec);
  {
    std::ofstream f(path_, std::ios::app | std::ios::binary);
    f << "not json\n{\"log\":\"half";
  }
  auto got = readAll(**JsonFileLogReader::open(io_, path_, LogOptions{}, false, nullptr));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "a\n");
}

TEST_F(LogReaderTest, FollowsUntilDone) {
  append("before\n", "stdout", kSec);
  bool done = false;
  LogOptions opts;
  opts.follow = true;
  auto r = JsonFileLogReader::open(io_, path_, opts, false, [&] { return done; });
  ASSERT_TRUE(r.ok());
  auto wake = (*r)->waker();
  // Write more while following, then finish: the reader must see both and end.
  boost::asio::post(io_, [&] {
    append("during\n", "stderr", 2 * kSec);
    done = true;
    wake();
  });
  auto got = readAll(**r);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].data, "during\n");
}

TEST_F(LogReaderTest, AttachStartsAtTheEnd) {
  append("old\n", "stdout", kSec);
  bool done = false;
  LogOptions opts;
  opts.follow = true;
  auto r = JsonFileLogReader::open(io_, path_, opts, true, [&] { return done; });
  ASSERT_TRUE(r.ok());
  append("new\n", "stdout", 2 * kSec);
  done = true;
  auto got = readAll(**r);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "new\n");
}

TEST_F(LogReaderTest, DestroyedReaderNeverCallsBack) {
  LogOptions opts;
  opts.follow = true;
  auto r = JsonFileLogReader::open(io_, path_, opts, false, [] { return false; });
  ASSERT_TRUE(r.ok());
  auto wake = (*r)->waker();
  bool called = false;
  (*r)->next([&](Result<std::optional<LogEntry>>) { called = true; });
  r->reset();
  EXPECT_FALSE(wake());
  io_.restart();
  io_.poll();
  EXPECT_FALSE(called);
}

// Issue 9, point 7: a 100 MB log used to be read whole into memory for one `logs` call.
TEST_F(LogReaderTest, MemoryStaysBoundedWhateverTheLogSize) {
  {
    std::ofstream f(path_, std::ios::binary);
    std::string chunk(shim::kMaxLogChunk, 'a');
    for (int i = 0; i < 2000; ++i) f << shim::encodeLogLine(chunk, "stdout", i + 1);  // ~33 MB
  }
  LogOptions opts;
  auto r = JsonFileLogReader::open(io_, path_, opts, false, nullptr);
  ASSERT_TRUE(r.ok());
  size_t entries = 0, peak = 0;
  bool finished = false;
  std::function<void(Result<std::optional<LogEntry>>)> cb;
  cb = [&](Result<std::optional<LogEntry>> e) {
    ASSERT_TRUE(e.ok());
    peak = std::max(peak, (*r)->bufferedBytes());
    if (!e->has_value()) {
      finished = true;
      return;
    }
    ++entries;
    (*r)->next(cb);
  };
  (*r)->next(cb);
  while (!finished && io_.run_one() > 0) {
  }
  EXPECT_TRUE(finished);
  EXPECT_EQ(entries, 2000u);
  EXPECT_LE(peak, 2u << 20) << "the reader held " << peak << " bytes";
}

TEST_F(LogReaderTest, AnOverlongForeignLineIsSkippedNotHeld) {
  append("before\n", "stdout", 1 * kSec);
  {
    std::ofstream f(path_, std::ios::app | std::ios::binary);
    f << std::string(9 << 20, 'x') << "\n";
  }
  append("after\n", "stdout", 2 * kSec);
  LogOptions opts;
  auto r = JsonFileLogReader::open(io_, path_, opts, false, nullptr);
  ASSERT_TRUE(r.ok());
  auto all = readAll(**r);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].data, "before\n");
  EXPECT_EQ(all[1].data, "after\n");
}

TEST_F(LogReaderTest, WithoutFollowTheLogIsReadAsItWasAtTheRequest) {
  append("one\n", "stdout", 1 * kSec);
  LogOptions opts;
  auto r = JsonFileLogReader::open(io_, path_, opts, false, nullptr);
  ASSERT_TRUE(r.ok());
  append("two\n", "stdout", 2 * kSec);
  auto all = readAll(**r);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].data, "one\n");
}

}  // namespace
}  // namespace wharf::engine
