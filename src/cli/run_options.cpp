#include "cli/run_options.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "cli/run_network.h"
#include "common/port_spec.h"
#include "common/unique_fd.h"

namespace wharf::cli {

namespace {

// One value per occurrence: `-e A=1 busybox` must not swallow "busybox".
template <typename T>
CLI::Option* addMulti(CLI::App& app, const std::string& name, std::vector<T>& v,
                      const std::string& desc) {
  return app.add_option(name, v, desc)->allow_extra_args(false)->take_all();
}

bool takesValue(const CLI::App& app, const std::string& flag) {
  const CLI::Option* opt = app.get_option_no_throw(flag);
  return opt != nullptr && opt->get_expected_min() > 0;
}

bool validEnvName(std::string_view name) {
  return !name.empty() && name.find_first_of(" \t") == std::string_view::npos;
}

Status addEnvValue(std::string_view value, const GetEnv& getenv, std::vector<std::string>& out) {
  size_t eq = value.find('=');
  std::string name(value.substr(0, eq));
  if (eq == 0) return invalidArgument("invalid environment variable: " + std::string(value));
  if (!validEnvName(name)) return invalidArgument("variable '" + name + "' contains whitespaces");
  if (eq != std::string_view::npos) {
    out.emplace_back(value);
    return okStatus();
  }
  if (const char* v = getenv(name.c_str()); v != nullptr) out.push_back(name + "=" + v);
  return okStatus();
}

// -p and --expose as the docker CLI sends them (nat.ParsePortSpecs): every container port
// of a -p spec is exposed and bound; --expose adds exposed ports only.
Result<Json> parsePorts(const std::vector<std::string>& specs,
                        const std::vector<std::string>& expose, Json& exposed) {
  Json bindings = Json::object();
  for (const std::string& spec : specs) {
    WHARF_ASSIGN_OR_RETURN(std::vector<PortMapping> ms, parsePortSpec(spec));
    for (const auto& m : ms) {
      exposed[m.port] = Json::object();
      bindings[m.port].push_back({{"HostIp", m.binding.hostIp}, {"HostPort", m.binding.hostPort}});
    }
  }
  for (const std::string& e : expose) {
    WHARF_ASSIGN_OR_RETURN(std::vector<std::string> keys, parseExpose(e));
    for (const auto& k : keys) exposed[k] = Json::object();
  }
  return bindings;
}

}  // namespace

void addRunFlags(CLI::App& app, RunOptions& o, bool forRun) {
  if (forRun)
    app.add_flag("-d,--detach", o.detach, "Run container in background and print container ID");
  app.add_flag("--rm", o.rm, "Automatically remove the container when it exits");
  app.add_flag("-i,--interactive", o.interactive, "Keep STDIN open even if not attached");
  app.add_flag("-t,--tty", o.tty, "Allocate a pseudo-TTY");
  app.add_flag("--privileged", o.privileged, "Give extended privileges to this container");
  app.add_flag("--read-only", o.readOnly, "Mount the container's root filesystem as read only");
  app.add_flag("--init", o.init, "Run an init inside the container");
  app.add_option("--name", o.name, "Assign a name to the container");
  addMulti(app, "-e,--env", o.env, "Set environment variables");
  addMulti(app, "--env-file", o.envFiles, "Read in a file of environment variables");
  app.add_option("-w,--workdir", o.workdir, "Working directory inside the container");
  app.add_option("-u,--user", o.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  app.add_option("--entrypoint", o.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  app.add_option("-h,--hostname", o.hostname, "Container host name");
  addMulti(app, "-l,--label", o.labels, "Set meta data on a container");
  addMulti(app, "--network,--net", o.networks, "Connect a container to a network");
  app.add_option("--ip", o.ip, "IPv4 address (e.g., 172.30.100.104)");
  app.add_option("--ip6", o.ip6, "IPv6 address (e.g., 2001:db8::33)");
  app.add_option("--mac-address", o.macAddress, "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
  addMulti(app, "--network-alias", o.networkAliases, "Add network-scoped alias for the container");
  addMulti(app, "--dns", o.dns, "Set custom DNS servers");
  addMulti(app, "--dns-search", o.dnsSearch, "Set custom DNS search domains");
  addMulti(app, "--dns-option", o.dnsOptions, "Set DNS options");
  addMulti(app, "--add-host", o.addHosts, "Add a custom host-to-IP mapping (host:ip)");
  addMulti(app, "--link", o.links, "Add link to another container");
  addMulti(app, "--cap-add", o.capAdd, "Add Linux capabilities");
  addMulti(app, "--cap-drop", o.capDrop, "Drop Linux capabilities");
  addMulti(app, "--security-opt", o.securityOpt, "Security Options");
  addMulti(app, "-v,--volume", o.volumes, "Bind mount a volume");
  addMulti(app, "--mount", o.mounts, "Attach a filesystem mount to the container");
  addMulti(app, "--tmpfs", o.tmpfs, "Mount a tmpfs directory");
  addMulti(app, "--volumes-from", o.volumesFrom, "Mount volumes from the specified container(s)");
  addMulti(app, "-p,--publish", o.publish, "Publish a container's port(s) to the host");
  app.add_flag("-P,--publish-all", o.publishAll, "Publish all exposed ports to random ports");
  addMulti(app, "--expose", o.expose, "Expose a port or a range of ports");
  app.add_option("--restart", o.restart, "Restart policy to apply when a container exits");
  app.add_option("--stop-signal", o.stopSignal, "Signal to stop the container");
  app.add_option("--stop-timeout", o.stopTimeout, "Timeout (in seconds) to stop a container");
  app.add_option("--pull", o.pull,
                 "Pull image before running (\"always\", \"missing\", \"never\")");
  addResourceFlags(app, o.resources, false);
}

SplitArgs splitAtImage(const CLI::App& app, std::vector<std::string> args) {
  SplitArgs out;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    out.flags.push_back(a);
    if (a[1] == '-') {
      if (a.find('=') == std::string::npos && takesValue(app, a) && i + 1 < args.size())
        out.flags.push_back(args[++i]);
      continue;
    }
    // A cluster of short flags: the first that takes a value ends it; its value is the rest
    // of the cluster or, when nothing is left, the next argument.
    for (size_t k = 1; k < a.size(); ++k) {
      if (!takesValue(app, std::string("-") + a[k])) continue;
      if (k + 1 == a.size() && i + 1 < args.size()) out.flags.push_back(args[++i]);
      break;
    }
  }
  if (i < args.size()) {
    out.image = std::move(args[i]);
    out.cmd.assign(std::make_move_iterator(args.begin() + static_cast<std::ptrdiff_t>(i) + 1),
                   std::make_move_iterator(args.end()));
  }
  return out;
}

Result<std::vector<std::string>> parseEnv(const std::vector<std::string>& envFlags,
                                          const std::vector<std::string>& envFiles,
                                          const GetEnv& getenv) {
  std::vector<std::string> out;
  for (const std::string& file : envFiles) {
    std::ifstream in(file);
    if (!in) return Error(ErrorCategory::kNotFound, "open " + file, errno);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#') continue;
      WHARF_TRY(addEnvValue(std::string_view(line).substr(start), getenv, out));
    }
  }
  for (const std::string& e : envFlags) WHARF_TRY(addEnvValue(e, getenv, out));
  return out;
}

namespace {

// Go's os.ReadFile error text: "open p.json: no such file or directory".
Result<std::string> readProfile(const std::string& path) {
  auto goError = [&](const char* op, int err) {
    std::string text = std::strerror(err);
    if (!text.empty())
      text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return invalidArgument(std::string(op) + " " + path + ": " + text);
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return goError("open", errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return goError("read", errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> parseSecurityOpts(const std::vector<std::string>& opts) {
  std::vector<std::string> out = opts;
  for (std::string& opt : out) {
    size_t sep = opt.find('=');
    if (sep == std::string::npos && opt != "no-new-privileges") sep = opt.find(':');
    if ((sep == std::string::npos || sep + 1 == opt.size()) && opt != "no-new-privileges")
      return invalidArgument("Invalid --security-opt: \"" + opt + "\"");
    if (opt.compare(0, sep, "seccomp") != 0) continue;
    std::string value = opt.substr(sep + 1);
    if (value == "builtin" || value == "unconfined") continue;
    auto text = readProfile(value);
    if (!text.ok())
      return invalidArgument("opening seccomp profile (" + value +
                             ") failed: " + text.error().message());
    OrderedJson j;
    try {
      j = OrderedJson::parse(*text);
    } catch (const OrderedJson::exception& e) {
      return invalidArgument("compacting json for seccomp profile (" + value +
                             ") failed: " + e.what());
    }
    opt = "seccomp=" + j.dump();
  }
  return out;
}

Result<Json> buildCreateBody(const RunOptions& o, const std::vector<std::string>& env) {
  if (o.pull != "missing" && o.pull != "never" && o.pull != "always")
    return invalidArgument("invalid pull option: '" + o.pull +
                           "': must be one of \"always\", \"missing\" or \"never\"");
  bool attach = !o.detach;
  Json body = Json::object();
  body["Hostname"] = o.hostname;
  body["Domainname"] = "";
  body["User"] = o.user;
  body["AttachStdin"] = attach && o.interactive;
  body["AttachStdout"] = attach;
  body["AttachStderr"] = attach;
  body["Tty"] = o.tty;
  body["OpenStdin"] = o.interactive;
  body["StdinOnce"] = attach && o.interactive;
  body["Env"] = env;
  body["Cmd"] = o.cmd.empty() ? Json() : Json(o.cmd);
  body["Image"] = o.image;
  body["WorkingDir"] = o.workdir;
  // --entrypoint "" resets the image's entrypoint; docker sends [""] for that.
  body["Entrypoint"] = o.entrypoint ? Json::array({*o.entrypoint}) : Json();
  Json labels = Json::object();
  for (const std::string& l : o.labels) {
    size_t eq = l.find('=');
    labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  body["Labels"] = labels;
  if (!o.stopSignal.empty()) body["StopSignal"] = o.stopSignal;
  if (o.stopTimeout) body["StopTimeout"] = *o.stopTimeout;

  Json exposed = Json::object();
  WHARF_ASSIGN_OR_RETURN(Json bindings, parsePorts(o.publish, o.expose, exposed));
  body["ExposedPorts"] = exposed;

  Json host = Json::object();
  host["PortBindings"] = bindings;
  host["PublishAllPorts"] = o.publishAll;
  Json restart = {{"Name", ""}, {"MaximumRetryCount", 0}};
  if (!o.restart.empty()) {
    size_t colon = o.restart.find(':');
    std::string name = o.restart.substr(0, colon);
    if (name != "no" && name != "always" && name != "on-failure" && name != "unless-stopped")
      return invalidArgument("invalid restart policy format: " + o.restart);
    restart["Name"] = name;
    if (colon != std::string::npos) {
      if (name != "on-failure")
        return invalidArgument("maximum retry count cannot be used with restart policy '" + name +
                               "'");
      restart["MaximumRetryCount"] = std::atoi(o.restart.c_str() + colon + 1);
    }
  }
  if (o.rm && !restart["Name"].get<std::string>().empty() && restart["Name"] != "no")
    return invalidArgument("conflicting options: cannot specify both --restart and --rm");
  host["RestartPolicy"] = restart;
  host["AutoRemove"] = o.rm;
  host["CapAdd"] = o.capAdd.empty() ? Json() : Json(o.capAdd);
  host["CapDrop"] = o.capDrop.empty() ? Json() : Json(o.capDrop);
  host["Privileged"] = o.privileged;
  host["ReadonlyRootfs"] = o.readOnly;
  host["SecurityOpt"] = o.securityOpt.empty() ? Json() : Json(o.securityOpt);
  if (o.init) host["Init"] = true;
  host["Dns"] = o.dns;
  host["DnsSearch"] = o.dnsSearch;
  host["DnsOptions"] = o.dnsOptions;
  host["ExtraHosts"] = o.addHosts.empty() ? Json() : Json(o.addHosts);
  host["Links"] = o.links.empty() ? Json() : Json(o.links);
  WHARF_TRY(addVolumeFlags(o, body, host));
  WHARF_TRY(addResourceFields(o.resources, host, false));
  body["HostConfig"] = host;
  // HostConfig.NetworkMode and the endpoints, as docker's CLI sends them (cli/run_network.h).
  WHARF_TRY(addNetworkFields(o.networks, o.ip, o.ip6, o.networkAliases, o.macAddress,
                             body["HostConfig"], body));
  return body;
}

std::string normalizeImageRef(std::string_view ref) {
  if (ref.find('@') != std::string_view::npos) return std::string(ref);
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    return std::string(ref);
  return std::string(ref) + ":latest";
}

int startErrorExitCode(std::string_view message) {
  if (message.find("executable file not found") != std::string_view::npos ||
      message.find("no such file or directory") != std::string_view::npos ||
      message.find("system cannot find the file specified") != std::string_view::npos)
    return 127;
  if (message.find("permission denied") != std::string_view::npos ||
      message.find("is a directory") != std::string_view::npos)
    return 126;
  return 125;
}

}  // namespace wharf::cli
