// The event bus: a bounded ring of recent events and the live subscribers (engine/events.h).
#include "engine/events.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <set>

#include "common/time.h"
#include "engine/shim/json_log.h"

namespace wharf::engine {

namespace asio = boost::asio;

namespace {

// dockerd's accepted keys (daemon/events/filter.go and the events router).
const std::set<std::string> kEventFilterKeys = {
    "container", "event", "image",  "label", "network", "volume", "type",
    "daemon",    "scope", "plugin", "node",  "service", "secret", "config"};
const std::set<std::string> kEventTypes = {"builder", "config",  "container", "daemon",
                                           "image",   "network", "node",      "plugin",
                                           "secret",  "service", "volume"};

bool anyOf(const std::vector<std::string>& values,
           const std::function<bool(const std::string&)>& f) {
  for (const auto& v : values)
    if (f(v)) return true;
  return false;
}

std::string attr(const Event& e, const std::string& k) {
  auto it = e.attributes.find(k);
  return it == e.attributes.end() ? "" : it->second;
}

// "exec_start: sh -c true" filters as "exec_start" (docker matches the action's first word).
std::string actionWord(const std::string& action) { return action.substr(0, action.find(':')); }

}  // namespace

Status validateEventFilters(const EventFilters& f) {
  for (const auto& [key, values] : f) {
    if (!kEventFilterKeys.count(key)) return invalidArgument("invalid filter '" + key + "'");
    if (key == "type") {
      for (const auto& v : values)
        if (!kEventTypes.count(v)) return invalidArgument("invalid filter 'type=" + v + "'");
    }
  }
  return okStatus();
}

bool eventMatches(const Event& e, const EventFilters& f) {
  for (const auto& [key, values] : f) {
    if (values.empty()) continue;
    bool ok = true;
    if (key == "type") {
      ok = anyOf(values, [&](const std::string& v) { return v == e.type; });
    } else if (key == "event") {
      ok = anyOf(values,
                 [&](const std::string& v) { return v == e.action || v == actionWord(e.action); });
    } else if (key == "container") {
      // By id, id prefix or name; only container events carry them.
      ok = e.type == "container" && anyOf(values, [&](const std::string& v) {
             return v == attr(e, "name") || (!v.empty() && e.actorId.rfind(v, 0) == 0);
           });
    } else if (key == "image") {
      // Container events by their image, image events by id or name.
      ok = anyOf(values, [&](const std::string& v) {
        std::string img = e.type == "container" ? attr(e, "image") : e.actorId;
        std::string name = attr(e, "name");
        auto bare = [](const std::string& s) {
          return s.size() > 7 && s.rfind(":latest") == s.size() - 7 ? s.substr(0, s.size() - 7) : s;
        };
        return bare(v) == bare(img) || (e.type == "image" && bare(v) == bare(name)) ||
               (!v.empty() && e.actorId.rfind(v, 0) == 0 && e.type == "image");
      });
    } else if (key == "label") {
      ok = anyOf(values, [&](const std::string& v) {
        auto eq = v.find('=');
        if (eq == std::string::npos) return e.attributes.count(v) > 0;
        return attr(e, v.substr(0, eq)) == v.substr(eq + 1) &&
               e.attributes.count(v.substr(0, eq)) > 0;
      });
    } else if (key == "network" || key == "volume" || key == "plugin" || key == "node" ||
               key == "service" || key == "secret" || key == "config") {
      ok = e.type == key && anyOf(values, [&](const std::string& v) {
             return v == e.actorId || v == attr(e, "name");
           });
    } else if (key == "daemon") {
      ok = e.type == "daemon" && anyOf(values, [&](const std::string& v) {
             return v == e.actorId || v == attr(e, "name");
           });
    } else if (key == "scope") {
      ok = anyOf(values, [&](const std::string& v) { return v == e.scope; });
    }
    if (!ok) return false;
  }
  return true;
}

Event containerEvent(const ContainerInfo& c, std::string action,
                     const std::map<std::string, std::string>& extra) {
  Event e;
  e.type = "container";
  e.action = std::move(action);
  e.actorId = c.id;
  // The labels first: name and image win over a label of the same key (as dockerd).
  e.attributes = c.spec.labels;
  e.attributes["name"] = c.name;
  e.attributes["image"] = c.imageRef;
  for (const auto& [k, v] : extra) e.attributes[k] = v;
  return e;
}

// One subscriber: a queue of matching events and at most one pending `next`.
struct EventBus::Subscriber {
  EventQuery q;
  std::deque<Event> queue;
  std::function<void(std::optional<Event>)> pending;
  std::unique_ptr<asio::steady_timer> untilTimer;
  bool ended = false;

  void deliver(asio::io_context& io) {
    if (!pending) return;
    if (!queue.empty()) {
      auto cb = std::move(pending);
      pending = nullptr;
      Event e = std::move(queue.front());
      queue.pop_front();
      asio::post(io, [cb = std::move(cb), e = std::move(e)]() mutable { cb(std::move(e)); });
    } else if (ended) {
      auto cb = std::move(pending);
      pending = nullptr;
      asio::post(io, [cb = std::move(cb)] { cb(std::nullopt); });
    }
  }
};

namespace {

class BusStream final : public EventStream {
 public:
  BusStream(asio::io_context& io, std::shared_ptr<EventBus::Subscriber> s)
      : io_(io), s_(std::move(s)) {}
  ~BusStream() override {
    s_->pending = nullptr;
    if (s_->untilTimer) s_->untilTimer->cancel();
    s_->ended = true;
  }
  void next(std::function<void(std::optional<Event>)> cb) override {
    // The callback must not outlive the stream: it checks a token the destructor drops.
    std::weak_ptr<EventBus::Subscriber> weak = s_;
    s_->pending = [weak, cb = std::move(cb)](std::optional<Event> e) {
      if (weak.expired()) return;
      cb(std::move(e));
    };
    s_->deliver(io_);
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<EventBus::Subscriber> s_;
};

}  // namespace

EventBus::EventBus(asio::io_context& io, size_t capacity) : io_(io), capacity_(capacity) {}

EventBus::~EventBus() = default;

void EventBus::publish(Event e) {
  if (e.timeNano == 0) e.timeNano = nowNanos();
  if (e.timeNano <= lastNano_) e.timeNano = lastNano_ + 1;
  lastNano_ = e.timeNano;
  ring_.push_back(e);
  while (ring_.size() > capacity_) ring_.pop_front();
  auto& subs = subs_;
  for (auto it = subs.begin(); it != subs.end();) {
    auto s = it->lock();
    if (!s) {
      it = subs.erase(it);
      continue;
    }
    ++it;
    if (s->ended) continue;
    if (s->q.untilNanos >= 0 && e.timeNano > s->q.untilNanos) continue;
    if (!eventMatches(e, s->q.filters)) continue;
    s->queue.push_back(e);
    s->deliver(io_);
  }
}

Result<std::unique_ptr<EventStream>> EventBus::subscribe(const EventQuery& q) {
  WHARF_TRY(validateEventFilters(q.filters));
  auto s = std::make_shared<Subscriber>();
  s->q = q;
  int64_t now = nowNanos();
  if (q.sinceNanos >= 0) {
    for (const auto& e : ring_) {
      if (e.timeNano < q.sinceNanos) continue;
      if (q.untilNanos >= 0 && e.timeNano > q.untilNanos) continue;
      if (eventMatches(e, q.filters)) s->queue.push_back(e);
    }
  }
  if (q.untilNanos >= 0) {
    if (q.untilNanos <= now) {
      s->ended = true;
    } else {
      s->untilTimer = std::make_unique<asio::steady_timer>(io_);
      s->untilTimer->expires_after(std::chrono::nanoseconds(q.untilNanos - now));
      std::weak_ptr<Subscriber> weak = s;
      s->untilTimer->async_wait([this, weak](const boost::system::error_code& ec) {
        auto s = weak.lock();
        if (ec || !s) return;
        s->ended = true;
        s->deliver(io_);
      });
    }
  }
  subs_.push_back(s);
  return std::unique_ptr<EventStream>(new BusStream(io_, std::move(s)));
}

int EventBus::listeners() const {
  int n = 0;
  for (const auto& w : subs_)
    if (auto s = w.lock(); s && !s->ended) ++n;
  return n;
}

}  // namespace wharf::engine
