#include "cli/internal/command.h"

#include <unistd.h>

#include <algorithm>

#include "cli/format.h"
#include "cli/go_template.h"

namespace wharf::cli {

std::string Context::describe(const Error& e) const {
  // At most one period at the end, whoever wrote the message and whatever was appended.
  std::string msg = e.message();
  while (msg.size() >= 2 && msg.ends_with("..") && !msg.ends_with("...")) msg.pop_back();
  if (client_.lastStatus() >= 400) return "Error response from daemon: " + msg;
  return msg;
}

int Context::fail(const Error& e) {
  io.err << describe(e) << "\n";
  return 1;
}

namespace {

// docker's help starts with "Usage:  wharf run [OPTIONS] IMAGE [COMMAND] [ARG...]".
class UsageFormatter : public CLI::Formatter {
 public:
  explicit UsageFormatter(std::string usage) : usage_(std::move(usage)) {}
  std::string make_usage(const CLI::App*, std::string) const override {
    return "\nUsage:  " + usage_ + "\n";
  }

 private:
  std::string usage_;
};

}  // namespace

void initApp(CLI::App& app, const std::string& path, const std::string& usage) {
  app.name(path);
  app.formatter(std::make_shared<UsageFormatter>(path + " " + usage));
  app.allow_extras();
  app.set_help_flag("-h,--help", "Print usage");
}

std::optional<int> parseArgs(Context& ctx, CLI::App& app, const std::string& path,
                             std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 consumes the vector from the back
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    ctx.io.out << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    ctx.io.err << e.what() << "\nSee '" << path << " --help'.\n";
    return kExitDaemonError;
  }
  for (const std::string& extra : app.remaining()) {
    if (extra.size() < 2 || extra[0] != '-') continue;
    if (extra[1] == '-')
      ctx.io.err << "unknown flag: " << extra.substr(0, extra.find('=')) << "\n";
    else
      ctx.io.err << "unknown shorthand flag: '" << extra[1] << "' in " << extra << "\n";
    ctx.io.err << "See '" << path << " --help'.\n";
    return kExitDaemonError;
  }
  return std::nullopt;
}

std::optional<int> requireMinArgs(Context& ctx, const std::string& path, size_t have, size_t min,
                                  const std::string& usage) {
  if (have >= min) return std::nullopt;
  ctx.io.err << "\"" << path << "\" requires at least " << min << " argument"
             << (min == 1 ? "" : "s") << ".\nSee '" << path << " --help'.\n\nUsage:  " << path
             << " " << usage << "\n";
  return 1;
}

std::optional<int> requireNoArgs(Context& ctx, const std::string& path, size_t have,
                                 const std::string& usage) {
  if (have == 0) return std::nullopt;
  ctx.io.err << "\"" << path << "\" accepts no arguments.\nSee '" << path
             << " --help'.\n\nUsage:  " << path << " " << usage << "\n";
  return 1;
}

bool confirmPrune(Context& ctx, const std::string& warning) {
  ctx.io.out << "WARNING! " << warning << "\nAre you sure you want to continue? [y/N] "
             << std::flush;
  std::string answer;
  char c;
  while (answer.size() < 64 && ::read(ctx.io.inFd, &c, 1) == 1 && c != '\n') answer.push_back(c);
  return answer == "y" || answer == "Y";
}

namespace {

// docker's formatter.Context.preFormat: "\t" and "\n" typed literally mean tab and newline.
std::string unescapeFormat(std::string f) {
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '\\' && i + 1 < f.size() && (f[i + 1] == 't' || f[i + 1] == 'n')) {
      out += f[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += f[i];
    }
  }
  return out;
}

std::string trimSpaces(const std::string& s) {
  size_t a = s.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

}  // namespace

int writeFormatted(Context& ctx, const std::string& format, const std::string& defaultFormat,
                   const Json& header, const std::vector<Json>& rows) {
  std::string f = format.empty() ? defaultFormat : format;
  if (f == "json") f = "{{json .}}";
  bool table = f.starts_with("table");
  if (table) f = f.substr(5);
  f = unescapeFormat(trimSpaces(f));
  auto tmpl = GoTemplate::parse(f);
  if (!tmpl.ok()) {
    ctx.io.err << tmpl.error().message() << "\n";
    return 1;
  }
  std::string body;
  for (const Json& row : rows) {
    auto line = tmpl->execute(row);
    if (!line.ok()) {
      ctx.io.err << line.error().message() << "\n";
      return 1;
    }
    body += *line + "\n";
  }
  if (!table) {
    ctx.io.out << body;
    return 0;
  }
  // The header row is the same template run over the column titles.
  const Json& titles = header;
  auto head = tmpl->execute(titles, true);
  TabWriter tw(10, 3);
  tw.write((head.ok() ? *head : std::string()) + "\n");
  tw.write(body);
  ctx.io.out << tw.flush();
  return 0;
}

}  // namespace wharf::cli
