// POST /containers/create: the body (moby swagger ContainerConfig + HostConfig +
// NetworkingConfig) translated into engine::ContainerSpec.

#include <algorithm>
#include <climits>

#include "api/internal/container_json.h"
#include "engine/names.h"

namespace wharf::api {

using engine::ContainerSpec;

namespace {

// Typed field readers: a wrong type is a 400 that names the field, not an exception.
Error typeError(std::string_view where, const char* key, const char* want, const Json& got) {
  return invalidArgument("invalid JSON: " + std::string(where) + "." + key + ": expected " + want +
                         ", got " + got.type_name());
}

const Json* field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status readString(const Json& obj, const char* key, std::string_view where, std::string& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_string()) return typeError(where, key, "a string", *v);
  out = v->get<std::string>();
  return okStatus();
}

Status readBool(const Json& obj, const char* key, std::string_view where, bool& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_boolean()) return typeError(where, key, "a boolean", *v);
  out = v->get<bool>();
  return okStatus();
}

Status readInt(const Json& obj, const char* key, std::string_view where, std::optional<int>& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_number_integer()) return typeError(where, key, "an integer", *v);
  // Go's decoder refuses a number that does not fit the field; truncating it would turn
  // StopTimeout 4294967297 into 1.
  bool fits = v->is_number_unsigned()
                  ? v->get<uint64_t>() <= static_cast<uint64_t>(INT_MAX)
                  : v->get<int64_t>() >= INT_MIN && v->get<int64_t>() <= INT_MAX;
  if (!fits) {
    return invalidArgument("invalid JSON: " + std::string(where) + "." + key + ": " + v->dump() +
                           " does not fit in a 32-bit integer");
  }
  out = v->get<int>();
  return okStatus();
}

// A list of strings; docker's strslice also takes a single string (Cmd, Entrypoint).
Status readStrings(const Json& obj, const char* key, std::string_view where,
                   std::optional<std::vector<std::string>>& out, bool allowString) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (allowString && v->is_string()) {
    out = std::vector<std::string>{v->get<std::string>()};
    return okStatus();
  }
  if (!v->is_array()) return typeError(where, key, "an array of strings", *v);
  std::vector<std::string> list;
  for (const auto& e : *v) {
    if (!e.is_string()) return typeError(where, key, "an array of strings", *v);
    list.push_back(e.get<std::string>());
  }
  out = std::move(list);
  return okStatus();
}

Status readStrings(const Json& obj, const char* key, std::string_view where,
                   std::vector<std::string>& out) {
  std::optional<std::vector<std::string>> v;
  WHARF_TRY(readStrings(obj, key, where, v, false));
  if (v) out = std::move(*v);
  return okStatus();
}

Status readLabels(const Json& obj, const char* key, std::string_view where,
                  std::map<std::string, std::string>& out) {
  const Json* v = field(obj, key);
  if (!v) return okStatus();
  if (!v->is_object()) return typeError(where, key, "an object of strings", *v);
  for (const auto& [k, e] : v->items()) {
    if (!e.is_string()) return typeError(where, key, "an object of strings", *v);
    out[k] = e.get<std::string>();
  }
  return okStatus();
}

// Whether a field carries a choice (not docker's zero value: null, "", 0, false, [], {}).
bool meaningful(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v != 0;
  for (const auto& e : v)
    if (meaningful(e)) return true;
  return false;
}

// Fields the engine does not apply yet. Saying so in Warnings (the CLI prints them) beats
// silently running a container without the ports or mounts the user asked for.
void noteIgnored(const Json& body, std::vector<std::string>& warnings) {
  static const char* kConfig[] = {"Healthcheck", "Shell", "OnBuild"};
  static const char* kHost[] = {"Memory",         "MemorySwap",  "MemoryReservation", "NanoCpus",
                                "CpuShares",      "CpuQuota",    "CpuPeriod",         "CpusetCpus",
                                "CpusetMems",     "PidsLimit",   "Devices",           "Links",
                                "Ulimits",        "Sysctls",     "GroupAdd",          "Init",
                                "OomKillDisable", "BlkioWeight", "DeviceRequests"};
  auto note = [&](const std::string& what) {
    warnings.push_back("wharf does not support " + what + " yet; it was ignored");
  };
  for (const char* k : kConfig)
    if (auto it = body.find(k); it != body.end() && meaningful(*it))
      note("Config." + std::string(k));
  if (auto hc = body.find("HostConfig"); hc != body.end() && hc->is_object()) {
    for (const char* k : kHost)
      if (auto it = hc->find(k); it != hc->end() && meaningful(*it))
        note("HostConfig." + std::string(k));
    if (auto lc = hc->find("LogConfig"); lc != hc->end() && lc->is_object()) {
      auto type = lc->find("Type");
      if (type != lc->end() && type->is_string() && !type->get<std::string>().empty() &&
          type->get<std::string>() != "json-file")
        note("the " + type->get<std::string>() + " log driver");
    }
  }
}

}  // namespace

Result<ContainerSpec> specFromCreateBody(const Json& body, const std::string& name,
                                         std::vector<std::string>* warnings) {
  if (!body.is_object()) return invalidArgument("invalid JSON: the body must be an object");
  ContainerSpec s;
  s.name = name;
  // Bounded, matched with a loop (engine/names.h): never a regex on client input.
  if (!name.empty()) {
    WHARF_ASSIGN_OR_RETURN(s.name, engine::validateName(name));
  }

  // The create body is a Config with HostConfig and NetworkingConfig beside its fields.
  constexpr std::string_view kC = "Config";
  WHARF_TRY(readString(body, "Image", kC, s.image));
  if (s.image.empty()) return invalidArgument("no image specified: Config.Image is empty");
  WHARF_TRY(readString(body, "Hostname", kC, s.hostname));
  WHARF_TRY(readString(body, "Domainname", kC, s.domainname));
  WHARF_TRY(readString(body, "User", kC, s.user));
  WHARF_TRY(readString(body, "WorkingDir", kC, s.workingDir));
  WHARF_TRY(readString(body, "StopSignal", kC, s.stopSignal));
  WHARF_TRY(readInt(body, "StopTimeout", kC, s.stopTimeout));
  WHARF_TRY(readBool(body, "Tty", kC, s.tty));
  WHARF_TRY(readBool(body, "OpenStdin", kC, s.openStdin));
  WHARF_TRY(readBool(body, "StdinOnce", kC, s.stdinOnce));
  WHARF_TRY(readBool(body, "AttachStdin", kC, s.attachStdin));
  WHARF_TRY(readBool(body, "AttachStdout", kC, s.attachStdout));
  WHARF_TRY(readBool(body, "AttachStderr", kC, s.attachStderr));
  WHARF_TRY(readStrings(body, "Env", kC, s.env));
  std::optional<std::vector<std::string>> cmd;
  WHARF_TRY(readStrings(body, "Cmd", kC, cmd, true));
  if (cmd) s.cmd = std::move(*cmd);
  WHARF_TRY(readStrings(body, "Entrypoint", kC, s.entrypoint, true));
  WHARF_TRY(readLabels(body, "Labels", kC, s.labels));
  for (const auto& e : s.env)
    if (e.empty() || e[0] == '=')
      return invalidArgument("invalid environment variable: \"" + e + "\"");

  if (const Json* hc = field(body, "HostConfig")) {
    constexpr std::string_view kH = "HostConfig";
    if (!hc->is_object()) return typeError(kC, "HostConfig", "an object", *hc);
    WHARF_TRY(readBool(*hc, "AutoRemove", kH, s.autoRemove));
    WHARF_TRY(readString(*hc, "NetworkMode", kH, s.networkMode));
    WHARF_TRY(readBool(*hc, "Privileged", kH, s.privileged));
    WHARF_TRY(readBool(*hc, "ReadonlyRootfs", kH, s.readonlyRootfs));
    WHARF_TRY(readStrings(*hc, "CapAdd", kH, s.capAdd));
    WHARF_TRY(readStrings(*hc, "CapDrop", kH, s.capDrop));
    WHARF_TRY(readStrings(*hc, "SecurityOpt", kH, s.securityOpt));
    WHARF_TRY(readStrings(*hc, "Dns", kH, s.dns));
    WHARF_TRY(readStrings(*hc, "DnsSearch", kH, s.dnsSearch));
    WHARF_TRY(readStrings(*hc, "DnsOptions", kH, s.dnsOptions));
    WHARF_TRY(readStrings(*hc, "ExtraHosts", kH, s.extraHosts));
    if (const Json* rp = field(*hc, "RestartPolicy")) {
      if (!rp->is_object()) return typeError(kH, "RestartPolicy", "an object", *rp);
      WHARF_TRY(readString(*rp, "Name", "HostConfig.RestartPolicy", s.restartPolicy));
      std::optional<int> retries;
      WHARF_TRY(readInt(*rp, "MaximumRetryCount", "HostConfig.RestartPolicy", retries));
      s.restartMaxRetries = retries.value_or(0);
      static const char* kPolicies[] = {"", "no", "always", "on-failure", "unless-stopped"};
      if (std::find(std::begin(kPolicies), std::end(kPolicies), s.restartPolicy) ==
          std::end(kPolicies))
        return invalidArgument("invalid restart policy: unknown policy '" + s.restartPolicy +
                               "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
      if (s.autoRemove && s.restartPolicy != "" && s.restartPolicy != "no")
        return invalidArgument("can't create 'AutoRemove' container with restart policy");
    }
  }
  WHARF_TRY(readString(body, "MacAddress", kC, s.macAddress));  // before API 1.44
  // The endpoint of the network the container starts on (docker run --ip --network-alias
  // --mac-address); other entries are for `network connect`, not built yet.
  if (const Json* nc = field(body, "NetworkingConfig"); nc && nc->is_object()) {
    if (const Json* eps = field(*nc, "EndpointsConfig"); eps && eps->is_object()) {
      auto isDefault = [](const std::string& n) { return n.empty() || n == "default"; };
      for (const auto& [name, ep] : eps->items()) {
        bool same = name == s.networkMode || (isDefault(name) && isDefault(s.networkMode)) ||
                    (name == "bridge" && isDefault(s.networkMode));
        if (!ep.is_object() || (!same && eps->size() > 1)) continue;
        constexpr std::string_view kE = "NetworkingConfig.EndpointsConfig";
        WHARF_TRY(readStrings(ep, "Aliases", kE, s.networkAliases));
        std::string mac;
        WHARF_TRY(readString(ep, "MacAddress", kE, mac));
        if (!mac.empty()) s.macAddress = mac;
        if (const Json* ipam = field(ep, "IPAMConfig"); ipam && ipam->is_object())
          WHARF_TRY(readString(*ipam, "IPv4Address", kE, s.ipv4Address));
      }
    }
  }
  WHARF_TRY(readMountFields(body, s));
  WHARF_TRY(readPortFields(body, s));
  bool publishes = s.publishAllPorts;
  for (const auto& [key, list] : s.portBindings) publishes = publishes || !list.empty();
  if (warnings && publishes && s.networkMode == "host")
    warnings->push_back("Published ports are discarded when using host network mode");
  if (warnings) noteIgnored(body, *warnings);
  return s;
}

}  // namespace wharf::api
