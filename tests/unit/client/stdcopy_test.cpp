#include "client/stdcopy.h"

#include <gtest/gtest.h>

namespace wharf::client {
namespace {

struct Collected {
  std::string out, err;
  StdDemuxer demux{[this](StdStream s, std::string_view d) {
    (s == StdStream::kStderr ? err : out).append(d);
    return okStatus();
  }};
};

TEST(StdcopyTest, EncodesDockersHeader) {
  std::string f = encodeFrame(StdStream::kStderr, "hi");
  ASSERT_EQ(f.size(), 10u);
  EXPECT_EQ(f[0], 2);
  EXPECT_EQ(f[1], 0);
  EXPECT_EQ(f[2], 0);
  EXPECT_EQ(f[3], 0);
  EXPECT_EQ(f[7], 2);
  EXPECT_EQ(f.substr(8), "hi");
  std::string big = encodeFrame(StdStream::kStdout, std::string(0x010203, 'x'));
  EXPECT_EQ(big[5], 1);
  EXPECT_EQ(big[6], 2);
  EXPECT_EQ(big[7], 3);
}

TEST(StdcopyTest, DemultiplexesWholeFrames) {
  Collected c;
  std::string data = encodeFrame(StdStream::kStdout, "hello\n") +
                     encodeFrame(StdStream::kStderr, "oops\n") +
                     encodeFrame(StdStream::kStdin, "in\n");
  ASSERT_TRUE(c.demux.feed(data).ok());
  EXPECT_EQ(c.out, "hello\nin\n");
  EXPECT_EQ(c.err, "oops\n");
  EXPECT_FALSE(c.demux.midFrame());
}

TEST(StdcopyTest, HandlesEverySplitPoint) {
  std::string data = encodeFrame(StdStream::kStdout, "abc") + encodeFrame(StdStream::kStderr, "") +
                     encodeFrame(StdStream::kStderr, "de");
  for (size_t i = 0; i <= data.size(); ++i) {
    for (size_t j = i; j <= data.size(); ++j) {
      Collected c;
      ASSERT_TRUE(c.demux.feed(data.substr(0, i)).ok());
      ASSERT_TRUE(c.demux.feed(data.substr(i, j - i)).ok());
      ASSERT_TRUE(c.demux.feed(data.substr(j)).ok());
      EXPECT_EQ(c.out, "abc");
      EXPECT_EQ(c.err, "de");
    }
  }
}

TEST(StdcopyTest, SystemErrorFrameIsAnError) {
  Collected c;
  Status st = c.demux.feed(encodeFrame(StdStream::kStdout, "x") +
                           encodeFrame(StdStream::kSystemErr, "container vanished"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("container vanished"), std::string::npos);
  EXPECT_EQ(c.out, "x");
}

TEST(StdcopyTest, UnknownStreamTypeIsAnError) {
  Collected c;
  std::string bad(8, '\0');
  bad[0] = 7;
  Status st = c.demux.feed(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("Unrecognized input header: 7"), std::string::npos);
}

}  // namespace
}  // namespace wharf::client
