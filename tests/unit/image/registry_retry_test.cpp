// The registry client's retry, resume and mirror rules (image/internal/registry_retry.h,
// normalizeMirror, registryEndpoints): pure functions, no network.

#include "image/internal/registry_retry.h"

#include <gtest/gtest.h>

#include "image/registry_client.h"

namespace wharf::image {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RegistryRetry, TransientStatuses) {
  for (long s : {429, 500, 502, 503, 504}) EXPECT_TRUE(internal::isTransientStatus(s)) << s;
  for (long s : {200, 201, 206, 400, 401, 403, 404, 405, 416, 501, 505})
    EXPECT_FALSE(internal::isTransientStatus(s)) << s;
}

TEST(RegistryRetry, BackoffDoublesUpToTheCap) {
  RetryPolicy p;
  p.initialBackoff = milliseconds(500);
  p.maxBackoff = milliseconds(3000);
  EXPECT_EQ(internal::backoffDelay(p, 0), milliseconds(500));
  EXPECT_EQ(internal::backoffDelay(p, 1), milliseconds(1000));
  EXPECT_EQ(internal::backoffDelay(p, 2), milliseconds(2000));
  EXPECT_EQ(internal::backoffDelay(p, 3), milliseconds(3000));
  EXPECT_EQ(internal::backoffDelay(p, 60), milliseconds(3000));  // no overflow
}

TEST(RegistryRetry, RetryAfterSecondsAndDates) {
  // 1994-11-06 08:49:37 UTC
  const std::time_t now = 784111777;
  EXPECT_EQ(internal::parseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(internal::parseRetryAfter(" 0 ", now), seconds(0));
  EXPECT_EQ(internal::parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), seconds(10));
  EXPECT_EQ(internal::parseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", now), seconds(60));
  EXPECT_EQ(internal::parseRetryAfter("Sun Nov  6 08:49:57 1994", now), seconds(20));
  EXPECT_EQ(internal::parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), seconds(0));
  EXPECT_FALSE(internal::parseRetryAfter("", now));
  EXPECT_FALSE(internal::parseRetryAfter("-5", now));
  EXPECT_FALSE(internal::parseRetryAfter("soon", now));
  EXPECT_FALSE(internal::parseRetryAfter("99999999999999999999", now));
}

TEST(RegistryRetry, DelayForAnswers) {
  RetryPolicy p;
  p.initialBackoff = milliseconds(100);
  p.maxRetryAfter = seconds(30);
  const std::time_t now = 1000;
  EXPECT_FALSE(internal::retryDelayFor(p, 0, 404, "", now));
  EXPECT_FALSE(internal::retryDelayFor(p, 0, 401, "1", now));
  EXPECT_EQ(internal::retryDelayFor(p, 0, 500, "", now), milliseconds(100));
  EXPECT_EQ(internal::retryDelayFor(p, 2, 502, "", now), milliseconds(400));
  // Retry-After wins when longer than the backoff, for 429 and 503.
  EXPECT_EQ(internal::retryDelayFor(p, 0, 429, "2", now), milliseconds(2000));
  EXPECT_EQ(internal::retryDelayFor(p, 0, 503, "1", now), milliseconds(1000));
  EXPECT_EQ(internal::retryDelayFor(p, 3, 429, "0", now), milliseconds(800));
  EXPECT_EQ(internal::retryDelayFor(p, 0, 429, "junk", now), milliseconds(100));
  // Longer than the policy allows: not retried at all.
  EXPECT_FALSE(internal::retryDelayFor(p, 0, 429, "31", now));
}

TEST(RegistryResume, ContentRange) {
  auto r = internal::parseContentRange("bytes 100-199/200");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 100);
  EXPECT_EQ(r->last, 199);
  EXPECT_EQ(r->total, 200);
  r = internal::parseContentRange("bytes 0-9/*");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->total, -1);
  EXPECT_FALSE(internal::parseContentRange("bytes 10-9/20"));
  EXPECT_FALSE(internal::parseContentRange("bytes 0-19/20x"));
  EXPECT_FALSE(internal::parseContentRange("bytes 0-20/20"));
  EXPECT_FALSE(internal::parseContentRange("items 0-1/2"));
  EXPECT_FALSE(internal::parseContentRange("bytes -1/2"));
}

TEST(RegistryResume, WhatToDoWithTheAnswer) {
  using internal::ResumeAction;
  EXPECT_EQ(internal::resumeActionFor(206, "bytes 100-199/200", 100, 200), ResumeAction::kAppend);
  EXPECT_EQ(internal::resumeActionFor(206, "bytes 100-199/*", 100, 200), ResumeAction::kAppend);
  // The Range ignored: the whole blob again.
  EXPECT_EQ(internal::resumeActionFor(200, "", 100, 200), ResumeAction::kRestart);
  // Another range, another size, garbage, another status.
  EXPECT_EQ(internal::resumeActionFor(206, "bytes 50-199/200", 100, 200), ResumeAction::kFail);
  EXPECT_EQ(internal::resumeActionFor(206, "bytes 100-299/300", 100, 200), ResumeAction::kFail);
  EXPECT_EQ(internal::resumeActionFor(206, "nonsense", 100, 200), ResumeAction::kFail);
  EXPECT_EQ(internal::resumeActionFor(416, "", 100, 200), ResumeAction::kFail);
}

TEST(RegistryMirrors, NormalizeLikeDockerd) {
  EXPECT_EQ(normalizeMirror("https://mirror.example").value(), "https://mirror.example/");
  EXPECT_EQ(normalizeMirror("http://127.0.0.1:5001/").value(), "http://127.0.0.1:5001/");
  EXPECT_EQ(normalizeMirror("https://[::1]:5000").value(), "https://[::1]:5000/");
  EXPECT_FALSE(normalizeMirror("mirror.example").ok());
  EXPECT_FALSE(normalizeMirror("ftp://mirror.example").ok());
  EXPECT_FALSE(normalizeMirror("https://").ok());
  EXPECT_FALSE(normalizeMirror("https://mirror.example/v2/").ok());
  EXPECT_FALSE(normalizeMirror("https://mirror.example/?x=1").ok());
  EXPECT_FALSE(normalizeMirror("https://user:pw@mirror.example").ok());
  EXPECT_NE(normalizeMirror("https://mirror.example/path").error().message().find("path"),
            std::string::npos);
}

TEST(RegistryMirrors, OnlyDockerHubPullsUseThem) {
  RegistryOptions o;
  o.mirrors = {"http://127.0.0.1:5001/", "https://mirror.example/"};
  auto eps = registryEndpoints("docker.io", o);
  ASSERT_EQ(eps.size(), 3u);
  EXPECT_EQ(eps[0].bases, std::vector<std::string>{"http://127.0.0.1:5001"});
  EXPECT_TRUE(eps[0].mirror);
  EXPECT_TRUE(eps[0].insecure);  // loopback
  EXPECT_EQ(eps[1].bases, std::vector<std::string>{"https://mirror.example"});
  EXPECT_TRUE(eps[1].mirror);
  EXPECT_FALSE(eps[1].insecure);
  EXPECT_EQ(eps[2].bases, std::vector<std::string>{"https://registry-1.docker.io"});
  EXPECT_FALSE(eps[2].mirror);

  // Another registry: never a mirror; an insecure one is tried over HTTPS then HTTP.
  auto other = registryEndpoints("127.0.0.1:5000", o);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].bases,
            (std::vector<std::string>{"https://127.0.0.1:5000", "http://127.0.0.1:5000"}));
  EXPECT_FALSE(other[0].mirror);

  // Push never uses mirrors.
  o.push = true;
  auto push = registryEndpoints("docker.io", o);
  ASSERT_EQ(push.size(), 1u);
  EXPECT_EQ(push[0].bases, std::vector<std::string>{"https://registry-1.docker.io"});

  // A pinned endpoint (a pull's layer workers) is the only one.
  o.push = false;
  o.endpoint = "http://127.0.0.1:5001";
  auto pinned = registryEndpoints("docker.io", o);
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].bases, std::vector<std::string>{"http://127.0.0.1:5001"});
  EXPECT_FALSE(pinned[0].mirror);
}

}  // namespace
}  // namespace wharf::image
