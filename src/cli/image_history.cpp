// `wharf history` / `wharf image history`: docker's flags (--no-trunc, -q, -H, --format) and
// docker's columns (cli/command/formatter/history.go).

#include <algorithm>
#include <ctime>

#include "cli/format.h"
#include "cli/internal/command.h"

namespace wharf::cli {

namespace {

Json historyHeader() {
  return {{"ID", "IMAGE"},
          {"CreatedSince", "CREATED"},
          {"CreatedAt", "CREATED AT"},
          {"CreatedBy", "CREATED BY"},
          {"Size", "SIZE"},
          {"Comment", "COMMENT"}};
}

std::string jsonString(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t jsonInt(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// RFC 3339 in UTC, as Go's time.Unix(s, 0).UTC().Format(time.RFC3339).
std::string rfc3339Utc(int64_t unixSeconds) {
  auto t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

// One row per history entry, with the fields docker's template sees.
Json historyRow(const Json& entry, bool trunc, bool human, int64_t now) {
  std::string id = jsonString(entry, "Id");
  int64_t created = jsonInt(entry, "Created"), size = jsonInt(entry, "Size");
  std::string createdBy = jsonString(entry, "CreatedBy");
  std::replace(createdBy.begin(), createdBy.end(), '\t', ' ');
  Json row;
  row["ID"] = trunc ? truncateId(id) : id;
  row["CreatedAt"] = rfc3339Utc(created);
  row["CreatedSince"] = human ? humanDuration(now - created) + " ago" : rfc3339Utc(created);
  row["CreatedBy"] = trunc ? ellipsis(createdBy, 45) : createdBy;
  row["Size"] = human ? humanSize(static_cast<double>(size), 3) : std::to_string(size);
  row["Comment"] = jsonString(entry, "Comment");
  return row;
}

int cmdHistory(Context& ctx, std::vector<std::string> args) {
  bool noTrunc = false, quiet = false;
  std::string human = "true", format;
  std::vector<std::string> names;
  CLI::App app;
  const char* usage = "[OPTIONS] IMAGE";
  initApp(app, "wharf history", usage);
  app.add_option("--format", format, "Format output using a custom template");
  // docker's -H is a boolean flag that defaults to true: `-H=false` turns it off.
  app.add_option("-H,--human", human, "Print sizes and dates in human readable format")
      ->expected(0, 1)
      ->default_str("true");
  app.add_flag("--no-trunc", noTrunc, "Don't truncate output");
  app.add_flag("-q,--quiet", quiet, "Only show image IDs");
  app.add_option("image", names)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf history", std::move(args))) return *rc;
  if (names.size() != 1) {
    ctx.io.err << "\"wharf history\" requires exactly 1 argument.\nSee 'wharf history "
                  "--help'.\n\nUsage:  wharf history "
               << usage << "\n\nShow the history of an image\n";
    return 1;
  }
  // pflag takes `-H=false`; CLI11 hands the short option "=false".
  if (!human.empty() && human[0] == '=') human.erase(0, 1);
  bool isHuman = true;
  if (human == "false" || human == "0" || human == "f" || human == "F" || human == "FALSE" ||
      human == "False") {
    isHuman = false;
  } else if (!human.empty() && human != "true" && human != "1" && human != "t" && human != "T" &&
             human != "TRUE" && human != "True") {
    ctx.io.err << "invalid argument \"" << human
               << "\" for \"-H, --human\" flag: strconv.ParseBool: parsing \"" << human
               << "\": invalid syntax\nSee 'wharf history --help'.\n";
    return 125;
  }
  auto list = ctx.client().imageHistory(names[0]);
  if (!list.ok()) return ctx.fail(list.error());
  auto now = static_cast<int64_t>(std::time(nullptr));
  std::vector<Json> rows;
  if (list->is_array())
    for (const Json& e : *list) rows.push_back(historyRow(e, !noTrunc, isHuman, now));
  // docker: --format wins over -q; -q alone (or with `--format table`) lists the ids.
  if (quiet && (format.empty() || format == "table")) format = "{{.ID}}";
  std::string def =
      isHuman ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
              : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
  if (format == "table") format = def;
  return writeFormatted(ctx, format, def, historyHeader(), rows);
}

}  // namespace wharf::cli
