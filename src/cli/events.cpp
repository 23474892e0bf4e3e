// `wharf events`: docker's default line, or --format.
#include <ctime>

#include "cli/go_template.h"
#include "cli/internal/command.h"

namespace wharf::cli {

namespace {

// docker's RFC3339NanoFixed in local time: "2026-11-30T16:45:00.123456789Z" (or "+01:00").
std::string fixedNano(int64_t nanos) {
  time_t sec = static_cast<time_t>(nanos / 1000000000);
  struct tm tm {};
  localtime_r(&sec, &tm);
  char date[40];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  long off = tm.tm_gmtoff;
  if (off == 0) {
    std::snprintf(out, sizeof out, "%s.%09lldZ", date, static_cast<long long>(nanos % 1000000000));
  } else {
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    std::snprintf(out, sizeof out, "%s.%09lld%c%02ld:%02ld", date,
                  static_cast<long long>(nanos % 1000000000), sign, off / 3600, (off % 3600) / 60);
  }
  return out;
}

// docker's default line: "<time> <type> <action> <actor id> (k=v, k=v)", keys sorted.
std::string defaultLine(const Json& e) {
  int64_t nanos = e.value("timeNano", int64_t{0});
  if (nanos == 0) nanos = e.value("time", int64_t{0}) * 1000000000;
  std::string line = fixedNano(nanos) + " " + e.value("Type", "") + " " + e.value("Action", "");
  const Json actor = e.value("Actor", Json::object());
  line += " " + actor.value("ID", "");
  const Json attrs = actor.value("Attributes", Json::object());
  if (attrs.is_object() && !attrs.empty()) {
    line += " (";
    bool first = true;
    for (const auto& [k, v] : attrs.items()) {  // nlohmann's object keeps keys sorted
      line += (first ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
      first = false;
    }
    line += ")";
  }
  return line;
}

}  // namespace

int cmdEvents(Context& ctx, std::vector<std::string> args) {
  client::Client::EventsOptions eo;
  std::string format;
  std::vector<std::string> filters, extra;
  CLI::App app;
  const char* usage = "[OPTIONS]";
  initApp(app, "wharf events", usage);
  app.add_option("--since", eo.since, "Show all events created since timestamp");
  app.add_option("--until", eo.until, "Stream events until this timestamp");
  app.add_option("-f,--filter", filters, "Filter output based on conditions provided")
      ->allow_extra_args(false)
      ->take_all();
  app.add_option("--format", format, "Format output using a custom template");
  app.add_option("args", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf events", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf events", extra.size(), usage)) return *rc;
  for (const std::string& f : filters) {
    size_t eq = f.find('=');
    if (eq == std::string::npos) {
      ctx.io.err << "bad format of filter (expected name=value)\n";
      return 1;
    }
    eo.filters[f.substr(0, eq)].push_back(f.substr(eq + 1));
  }
  std::optional<GoTemplate> tmpl;
  if (!format.empty()) {
    auto t = GoTemplate::parseFormat(format);
    if (!t.ok()) {
      ctx.io.err << t.error().message() << "\n";
      return 1;
    }
    tmpl = std::move(*t);
  }
  int rc = 0;
  Status st = ctx.client().events(eo, [&](const Json& e) {
    if (!tmpl) {
      ctx.io.out << defaultLine(e) << "\n";
    } else {
      // The template sees docker's field names (Type, Action, Actor, ID, Status, From, Time).
      Json view = e;
      view["ID"] = e.value("id", "");
      view["Status"] = e.value("status", "");
      view["From"] = e.value("from", "");
      view["Time"] = e.value("time", int64_t{0});
      view["TimeNano"] = e.value("timeNano", int64_t{0});
      view["Scope"] = e.value("scope", "");
      auto out = tmpl->execute(view);
      if (!out.ok()) {
        ctx.io.err << out.error().message() << "\n";
        rc = 1;
        return false;
      }
      ctx.io.out << *out << "\n";
    }
    ctx.io.out.flush();
    return true;
  });
  if (!st.ok()) return ctx.fail(st.error());
  return rc;
}

}  // namespace wharf::cli
