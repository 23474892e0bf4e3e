// EventBus: replay of the recent past for `since`, live delivery, `until`, docker's filters.
#include "engine/events.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/time.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {
namespace {

using namespace std::chrono_literals;

Event ev(const std::string& type, const std::string& action, const std::string& id,
         std::map<std::string, std::string> attrs = {}) {
  Event e;
  e.type = type;
  e.action = action;
  e.actorId = id;
  e.attributes = std::move(attrs);
  return e;
}

std::vector<std::string> drain(boost::asio::io_context& io, EventStream& s, size_t max,
                               bool* ended = nullptr) {
  std::vector<std::string> out;
  bool done = false;
  std::function<void()> ask = [&] {
    s.next([&](std::optional<Event> e) {
      if (!e) {
        done = true;
        if (ended) *ended = true;
        return;
      }
      out.push_back(e->action);
      if (out.size() < max) ask();
    });
  };
  ask();
  io.restart();
  io.run_for(30ms);
  (void)done;
  return out;
}

TEST(EventBus, SinceReplaysThePastInOrderThenFollows) {
  boost::asio::io_context io;
  EventBus bus(io);
  int64_t t0 = nowNanos();
  bus.publish(ev("container", "create", "a"));
  bus.publish(ev("container", "start", "a"));
  EventQuery q;
  q.sinceNanos = t0;
  auto s = bus.subscribe(q);
  ASSERT_TRUE(s.ok());
  bus.publish(ev("container", "die", "a", {{"exitCode", "3"}}));
  EXPECT_EQ(drain(io, **s, 3), (std::vector<std::string>{"create", "start", "die"}));
  EXPECT_EQ(bus.listeners(), 1);
}

TEST(EventBus, WithoutSinceOnlyNewEvents) {
  boost::asio::io_context io;
  EventBus bus(io);
  bus.publish(ev("container", "create", "a"));
  auto s = bus.subscribe(EventQuery{});
  ASSERT_TRUE(s.ok());
  bus.publish(ev("container", "start", "a"));
  EXPECT_EQ(drain(io, **s, 5), (std::vector<std::string>{"start"}));
}

TEST(EventBus, UntilInThePastEndsAfterTheReplay) {
  boost::asio::io_context io;
  EventBus bus(io);
  int64_t t0 = nowNanos();
  bus.publish(ev("container", "create", "a"));
  int64_t t1 = nowNanos();
  bus.publish(ev("container", "start", "a"));
  EventQuery q;
  q.sinceNanos = t0;
  q.untilNanos = t1;
  auto s = bus.subscribe(q);
  ASSERT_TRUE(s.ok());
  bool ended = false;
  EXPECT_EQ(drain(io, **s, 5, &ended), (std::vector<std::string>{"create"}));
  EXPECT_TRUE(ended);
}

TEST(EventBus, UntilInTheFutureEndsTheStreamThen) {
  boost::asio::io_context io;
  EventBus bus(io);
  EventQuery q;
  q.untilNanos = nowNanos() + 50'000'000;
  auto s = bus.subscribe(q);
  ASSERT_TRUE(s.ok());
  bool ended = false;
  (*s)->next([&](std::optional<Event> e) { ended = !e; });
  io.run_for(200ms);
  EXPECT_TRUE(ended);
}

TEST(EventBus, FiltersAsDocker) {
  EventFilters f{{"type", {"container"}}, {"event", {"die"}}};
  EXPECT_TRUE(eventMatches(ev("container", "die", "abc"), f));
  EXPECT_FALSE(eventMatches(ev("container", "start", "abc"), f));
  EXPECT_FALSE(eventMatches(ev("image", "die", "abc"), f));
  EXPECT_TRUE(
      eventMatches(ev("container", "exec_start: sh -c true", "abc"), {{"event", {"exec_start"}}}));
  EXPECT_TRUE(eventMatches(ev("container", "start", "abcdef", {{"name", "web"}}),
                           {{"container", {"web"}}}));
  EXPECT_TRUE(eventMatches(ev("container", "start", "abcdef", {{"name", "web"}}),
                           {{"container", {"abc"}}}));
  EXPECT_FALSE(
      eventMatches(ev("container", "start", "abcdef", {{"name", "web"}}), {{"container", {"db"}}}));
  EXPECT_TRUE(eventMatches(ev("container", "start", "a", {{"image", "busybox"}}),
                           {{"image", {"busybox:latest"}}}));
  EXPECT_TRUE(
      eventMatches(ev("container", "start", "a", {{"com.x", "1"}}), {{"label", {"com.x=1"}}}));
  EXPECT_FALSE(
      eventMatches(ev("container", "start", "a", {{"com.x", "1"}}), {{"label", {"com.x=2"}}}));
}

TEST(EventBus, BadFiltersAreRefusedAsDockerDoes) {
  boost::asio::io_context io;
  EventBus bus(io);
  EventQuery q;
  q.filters["colour"] = {"red"};
  auto s = bus.subscribe(q);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().category(), ErrorCategory::kInvalidArgument);
  EXPECT_EQ(s.error().message(), "invalid filter 'colour'");
  q.filters = {{"type", {"spaceship"}}};
  EXPECT_EQ(bus.subscribe(q).error().message(), "invalid filter 'type=spaceship'");
}

TEST(EventBus, TheRingIsBounded) {
  boost::asio::io_context io;
  EventBus bus(io, 4);
  int64_t t0 = nowNanos();
  for (int i = 0; i < 10; ++i) bus.publish(ev("container", std::to_string(i), "a"));
  EventQuery q;
  q.sinceNanos = t0;
  auto s = bus.subscribe(q);
  EXPECT_EQ(drain(io, **s, 10), (std::vector<std::string>{"6", "7", "8", "9"}));
}

}  // namespace
}  // namespace wharf::engine
