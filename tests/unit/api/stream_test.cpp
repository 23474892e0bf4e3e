#include "api/stream.h"

#include <gtest/gtest.h>

namespace wharf::api {
namespace {

TEST(Stream, FrameHeaderIsTypeZerosAndBigEndianLength) {
  std::string f = frame(StreamType::kStderr, "hello");
  ASSERT_EQ(f.size(), 13u);
  EXPECT_EQ(f.substr(0, 8), std::string("\x02\x00\x00\x00\x00\x00\x00\x05", 8));
  EXPECT_EQ(f.substr(8), "hello");

  std::string big(0x10203, 'x');
  f = frame(StreamType::kStdout, big);
  EXPECT_EQ(f.substr(0, 8), std::string("\x01\x00\x00\x00\x00\x01\x02\x03", 8));

  f = frame(StreamType::kSystemError, "boom");
  EXPECT_EQ(f[0], 3);
}

TEST(Stream, EmptyPayloadStillWritesAHeader) {
  EXPECT_EQ(frame(StreamType::kStdout, ""), std::string("\x01\0\0\0\0\0\0\0", 8));
}

TEST(Stream, TakeFrameWaitsForACompleteFrame) {
  std::string buf = frame(StreamType::kStdout, "ab") + frame(StreamType::kStderr, "cde");
  std::string partial = buf.substr(0, 9);
  EXPECT_FALSE(takeFrame(partial).has_value());
  auto a = takeFrame(buf);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, StreamType::kStdout);
  EXPECT_EQ(a->payload, "ab");
  auto b = takeFrame(buf);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->type, StreamType::kStderr);
  EXPECT_EQ(b->payload, "cde");
  EXPECT_TRUE(buf.empty());
}

}  // namespace
}  // namespace wharf::api
