#pragma once
// The daemon's event bus (GET /events, `docker events`): components publish (EventPublisher);
// subscribers get the recent past from a bounded ring (for `since`) and then live events,
// filtered as docker filters them. Everything on the io_context thread.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::engine {

using EventFilters = std::map<std::string, std::vector<std::string>>;

// InvalidArgument "invalid filter 'x'" for a key docker does not know (and bad values of
// "type"), as dockerd's events router answers (400).
Status validateEventFilters(const EventFilters& f);
bool eventMatches(const Event& e, const EventFilters& f);

class EventBus final : public EventPublisher {
 public:
  // Keeps the last `capacity` events for `since` (dockerd keeps 256; more is cheap here).
  explicit EventBus(boost::asio::io_context& io, size_t capacity = 1024);
  ~EventBus() override;
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  void publish(Event e) override;
  Result<std::unique_ptr<EventStream>> subscribe(const EventQuery& q);
  int listeners() const;

  struct Subscriber;  // engine/events.cpp

 private:
  boost::asio::io_context& io_;
  size_t capacity_;
  std::deque<Event> ring_;
  std::vector<std::weak_ptr<Subscriber>> subs_;
  int64_t lastNano_ = 0;  // strictly increasing timestamps keep `since` replays in order
};

// The event of a container's lifecycle, with docker's attributes: name, image, and the
// container's labels.
Event containerEvent(const ContainerInfo& c, std::string action,
                     const std::map<std::string, std::string>& extra = {});

}  // namespace wharf::engine
