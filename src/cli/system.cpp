// `wharf version` and `wharf info`, laid out like docker's.

#include <string>
#include <vector>

#include "cli/format.h"
#include "cli/go_template.h"
#include "cli/internal/command.h"
#include "oci/platform.h"

namespace wharf::cli {

namespace {

std::string s(const Json& j, const char* key, const std::string& def = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  return goValueString(*it);
}

Json clientVersion(Context& ctx) {
  return {{"Platform", {{"Name", "wharf"}}},
          {"Version", WHARF_VERSION},
          {"ApiVersion", ctx.client().apiVersion().empty() ? std::string(client::kMaxApiVersion)
                                                           : ctx.client().apiVersion()},
          {"DefaultAPIVersion", std::string(client::kMaxApiVersion)},
          {"GitCommit", "unknown"},
          {"GoVersion", "n/a (C++20, GCC " + std::to_string(__GNUC__) + ")"},
          {"Os", "linux"},
          {"Arch", oci::hostArchitecture()},
          {"BuildTime", __DATE__ " " __TIME__},
          {"Context", "default"}};
}

}  // namespace

int cmdVersion(Context& ctx, std::vector<std::string> args) {
  std::string format;
  std::vector<std::string> extra;
  CLI::App app;
  initApp(app, "wharf version", "[OPTIONS]");
  app.add_option("-f,--format", format, "Format output using a custom template");
  app.add_option("args", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf version", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf version", extra.size(), "[OPTIONS]")) return *rc;

  auto server = ctx.client().version();
  Json cv = clientVersion(ctx);
  if (!format.empty()) {
    auto t = GoTemplate::parseFormat(format);
    if (!t.ok()) {
      ctx.io.err << t.error().message() << "\n";
      return 1;
    }
    Json data = {{"Client", cv}, {"Server", server.ok() ? *server : Json()}};
    auto out = t->execute(data);
    if (!out.ok()) {
      ctx.io.err << out.error().message() << "\n";
      return 1;
    }
    ctx.io.out << *out << "\n";
    if (!server.ok()) return ctx.fail(server.error());
    return 0;
  }

  // docker writes this through tabwriter(minwidth 20, padding 1).
  TabWriter tw(20, 1);
  std::string text = "Client: " + s(cv["Platform"], "Name") + "\n";
  text += " Version:\t" + s(cv, "Version") + "\n";
  text += " API version:\t" + s(cv, "ApiVersion");
  if (cv["ApiVersion"] != cv["DefaultAPIVersion"])
    text += " (downgraded from " + s(cv, "DefaultAPIVersion") + ")";
  text += "\n";
  text += " Go version:\t" + s(cv, "GoVersion") + "\n";
  text += " Git commit:\t" + s(cv, "GitCommit") + "\n";
  text += " Built:\t" + s(cv, "BuildTime") + "\n";
  text += " OS/Arch:\t" + s(cv, "Os") + "/" + s(cv, "Arch") + "\n";
  text += " Context:\t" + s(cv, "Context") + "\n";
  if (server.ok()) {
    const Json& sv = *server;
    std::string platform = sv.contains("Platform") ? s(sv["Platform"], "Name") : "";
    text += "\nServer:" + (platform.empty() ? "" : " " + platform) + "\n";
    Json components = sv.contains("Components") && sv["Components"].is_array()
                          ? sv["Components"]
                          : Json::array({{{"Name", "Engine"}, {"Version", s(sv, "Version")}}});
    for (const Json& c : components) {
      std::string name = s(c, "Name");
      text += " " + name + ":\n";
      const Json& d = c.contains("Details") && c["Details"].is_object() ? c["Details"] : sv;
      text += "  Version:\t" + s(c, "Version") + "\n";
      if (name == "Engine") {
        text += "  API version:\t" + s(d, "ApiVersion", s(sv, "ApiVersion")) +
                " (minimum version " + s(d, "MinAPIVersion", s(sv, "MinAPIVersion")) + ")\n";
        text += "  Go version:\t" + s(d, "GoVersion", s(sv, "GoVersion")) + "\n";
        text += "  Git commit:\t" + s(d, "GitCommit", s(sv, "GitCommit")) + "\n";
        text += "  Built:\t" + s(d, "BuildTime", s(sv, "BuildTime")) + "\n";
        text += "  OS/Arch:\t" + s(d, "Os", s(sv, "Os")) + "/" + s(d, "Arch", s(sv, "Arch")) + "\n";
        text += "  Experimental:\t" + s(d, "Experimental", "false") + "\n";
      } else if (c.contains("Details") && c["Details"].is_object()) {
        for (const auto& [k, v] : c["Details"].items())
          text += "  " + k + ":\t" + goValueString(v) + "\n";
      }
    }
  }
  tw.write(text);
  ctx.io.out << tw.flush();
  if (!server.ok()) return ctx.fail(server.error());
  return 0;
}

int cmdInfo(Context& ctx, std::vector<std::string> args) {
  std::string format;
  std::vector<std::string> extra;
  CLI::App app;
  initApp(app, "wharf info", "[OPTIONS]");
  app.add_option("-f,--format", format, "Format output using a custom template");
  app.add_option("args", extra)->allow_extra_args(true)->group("");
  if (auto rc = parseArgs(ctx, app, "wharf info", std::move(args))) return *rc;
  if (auto rc = requireNoArgs(ctx, "wharf info", extra.size(), "[OPTIONS]")) return *rc;

  auto info = ctx.client().info();
  if (!format.empty()) {
    if (!info.ok()) return ctx.fail(info.error());
    auto t = GoTemplate::parseFormat(format);
    if (!t.ok()) {
      ctx.io.err << t.error().message() << "\n";
      return 1;
    }
    auto out = t->execute(*info);
    if (!out.ok()) {
      ctx.io.err << out.error().message() << "\n";
      return 1;
    }
    ctx.io.out << *out << "\n";
    return 0;
  }
  std::ostream& o = ctx.io.out;
  o << "Client:\n Version:    " << WHARF_VERSION << "\n Context:    default\n Debug Mode: false\n";
  if (!info.ok()) {
    o << "\nServer:\n";
    ctx.io.err << "ERROR: " << ctx.describe(info.error()) << "\nerrors pretty printing info\n";
    return 1;
  }
  const Json& i = *info;
  o << "\nServer:\n";
  o << " Containers: " << s(i, "Containers", "0") << "\n";
  o << "  Running: " << s(i, "ContainersRunning", "0") << "\n";
  o << "  Paused: " << s(i, "ContainersPaused", "0") << "\n";
  o << "  Stopped: " << s(i, "ContainersStopped", "0") << "\n";
  o << " Images: " << s(i, "Images", "0") << "\n";
  o << " Server Version: " << s(i, "ServerVersion") << "\n";
  o << " Storage Driver: " << s(i, "Driver") << "\n";
  o << " Logging Driver: " << s(i, "LoggingDriver") << "\n";
  o << " Cgroup Driver: " << s(i, "CgroupDriver") << "\n";
  o << " Cgroup Version: " << s(i, "CgroupVersion") << "\n";
  if (i.contains("SecurityOptions") && i["SecurityOptions"].is_array() &&
      !i["SecurityOptions"].empty()) {
    o << " Security Options:\n";
    // "name=seccomp,profile=builtin" -> "  seccomp\n   Profile: builtin"
    for (const Json& so : i["SecurityOptions"]) {
      std::string opt = so.is_string() ? so.get<std::string>() : so.dump();
      size_t start = 0;
      bool first = true;
      while (start <= opt.size()) {
        size_t comma = opt.find(',', start);
        std::string kv =
            opt.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t eq = kv.find('=');
        std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
        if (first) {
          o << "  " << (k == "name" ? v : kv) << "\n";
        } else {
          if (!k.empty()) k[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(k[0])));
          o << "   " << k << ": " << v << "\n";
        }
        first = false;
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  }
  o << " Kernel Version: " << s(i, "KernelVersion") << "\n";
  o << " Operating System: " << s(i, "OperatingSystem") << "\n";
  o << " OSType: " << s(i, "OSType") << "\n";
  o << " Architecture: " << s(i, "Architecture") << "\n";
  o << " CPUs: " << s(i, "NCPU", "0") << "\n";
  o << " Total Memory: " << bytesSize(static_cast<double>(i.value("MemTotal", int64_t{0}))) << "\n";
  o << " Name: " << s(i, "Name") << "\n";
  o << " ID: " << s(i, "ID") << "\n";
  o << " Docker Root Dir: " << s(i, "DockerRootDir") << "\n";
  o << " Debug Mode: " << s(i, "Debug", "false") << "\n";
  o << " Experimental: " << s(i, "ExperimentalBuild", "false") << "\n";
  // docker's CLI: the insecure registries (index configs that are not secure, then the
  // CIDRs), and the mirrors only when there are some.
  if (auto rc = i.find("RegistryConfig"); rc != i.end() && rc->is_object()) {
    std::vector<std::string> insecure;
    if (auto ic = rc->find("IndexConfigs"); ic != rc->end() && ic->is_object())
      for (const auto& [name, c] : ic->items())
        if (c.is_object() && c.value("Secure", true) == false) insecure.push_back(name);
    if (auto cidrs = rc->find("InsecureRegistryCIDRs"); cidrs != rc->end() && cidrs->is_array())
      for (const Json& c : *cidrs)
        if (c.is_string()) insecure.push_back(c.get<std::string>());
    if (!insecure.empty()) {
      o << " Insecure Registries:\n";
      for (const auto& r : insecure) o << "  " << r << "\n";
    }
    if (auto m = rc->find("Mirrors"); m != rc->end() && m->is_array() && !m->empty()) {
      o << " Registry Mirrors:\n";
      for (const Json& url : *m)
        if (url.is_string()) o << "  " << url.get<std::string>() << "\n";
    }
  }
  o << " Live Restore Enabled: " << s(i, "LiveRestoreEnabled", "false") << "\n";
  return 0;
}

}  // namespace wharf::cli
