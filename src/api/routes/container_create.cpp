// POST /containers/create: the body (moby swagger ContainerConfig + HostConfig +
// NetworkingConfig) translated into engine::ContainerSpec.

#include <algorithm>

#include "api/internal/container_json.h"
#include "common/json_read.h"
#include "engine/names.h"

namespace wharf::api {

using engine::ContainerSpec;

namespace {

// Typed field readers (common/json_read.h): a wrong type is a 400 that names the field.
using json::field;
using json::read;

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
  static const char* kHost[] = {"Devices",  "Ulimits", "Sysctls",
                                "GroupAdd", "Init",    "DeviceRequests"};
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

// NetworkingConfig.EndpointsConfig: the entry of the network the container starts on
// (HostConfig.NetworkMode) gives its endpoint (`run --ip --network-alias --mac-address`);
// the others (API 1.44+: `run --network a --network b`) are more networks, joined at each
// start as `network connect` ones are (the engine resolves their names). No NetworkMode (or
// "default") and no entry for the default bridge: the first entry is the container's network,
// as docker then joins only the networks listed.
Status readEndpoints(const Json& body, bool multipleNetworks, ContainerSpec& s) {
  const Json* nc = field(body, "NetworkingConfig");
  if (!nc || !nc->is_object()) return okStatus();
  const Json* eps = field(*nc, "EndpointsConfig");
  if (!eps || !eps->is_object() || eps->empty()) return okStatus();
  if (eps->size() > 1 && !multipleNetworks) {
    // moby's container router before API 1.44, word for word.
    std::string names;
    for (const auto& [n, ep] : eps->items()) names += (names.empty() ? "" : ", ") + n;
    return invalidArgument("Container cannot be created with multiple network endpoints: " + names);
  }
  constexpr size_t kMaxEndpoints = 64;  // bounded: each one is a veth at every start
  if (eps->size() > kMaxEndpoints)
    return invalidArgument("NetworkingConfig.EndpointsConfig: more than " +
                           std::to_string(kMaxEndpoints) + " networks");
  auto isDefault = [](const std::string& n) { return n.empty() || n == "default"; };
  // "", "default" and "bridge" all name the default bridge.
  auto canon = [&](const std::string& n) { return isDefault(n) ? std::string("bridge") : n; };
  auto isOwn = [&](const std::string& n) { return canon(n) == canon(s.networkMode); };
  bool ownListed = false;
  for (const auto& [n, ep] : eps->items()) ownListed = ownListed || isOwn(n);
  if (!ownListed && isDefault(s.networkMode)) s.networkMode = eps->begin().key();
  // An entry naming NetworkMode's network another way (its id) is merged into the container's
  // own endpoint by the engine, which knows the networks.
  constexpr std::string_view kE = "NetworkingConfig.EndpointsConfig";
  for (const auto& [n, ep] : eps->items()) {
    if (ep.is_null()) continue;  // docker's `{"net": null}`: no settings
    if (!ep.is_object())
      return invalidArgument("invalid JSON: " + std::string(kE) + "." + n + " must be an object");
    std::vector<std::string> aliases;
    std::string mac, ip, ip6;
    WHARF_TRY(read(ep, "Aliases", kE, aliases));
    WHARF_TRY(read(ep, "MacAddress", kE, mac));
    if (const Json* ipam = field(ep, "IPAMConfig"); ipam && ipam->is_object()) {
      WHARF_TRY(read(*ipam, "IPv4Address", kE, ip));
      WHARF_TRY(read(*ipam, "IPv6Address", kE, ip6));
    }
    if (isOwn(n)) {
      s.networkAliases = std::move(aliases);
      if (!mac.empty()) s.macAddress = mac;
      s.ipv4Address = ip;
      s.ipv6Address = ip6;
    } else {
      // docker's --network long syntax ip6= (extra networks): not built yet.
      if (!ip6.empty())
        return notImplemented(
            "an IPv6 address for a network other than the container's first is not supported "
            "yet (docs/networking.md)");
      s.extraNetworks.push_back({n, ip, std::move(aliases), mac});
    }
  }
  return okStatus();
}

}  // namespace

Result<ContainerSpec> specFromCreateBody(const Json& body, const std::string& name,
                                         std::vector<std::string>* warnings,
                                         bool multipleNetworks) {
  if (!body.is_object()) return invalidArgument("invalid JSON: the body must be an object");
  ContainerSpec s;
  s.name = name;
  // Bounded, matched with a loop (engine/names.h): never a regex on client input.
  if (!name.empty()) {
    WHARF_ASSIGN_OR_RETURN(s.name, engine::validateName(name));
  }

  // The create body is a Config with HostConfig and NetworkingConfig beside its fields.
  constexpr std::string_view kC = "Config";
  WHARF_TRY(read(body, "Image", kC, s.image));
  if (s.image.empty()) return invalidArgument("no image specified: Config.Image is empty");
  WHARF_TRY(read(body, "Hostname", kC, s.hostname));
  WHARF_TRY(read(body, "Domainname", kC, s.domainname));
  WHARF_TRY(read(body, "User", kC, s.user));
  WHARF_TRY(read(body, "WorkingDir", kC, s.workingDir));
  WHARF_TRY(read(body, "StopSignal", kC, s.stopSignal));
  WHARF_TRY(read(body, "StopTimeout", kC, s.stopTimeout));
  WHARF_TRY(read(body, "Tty", kC, s.tty));
  WHARF_TRY(read(body, "OpenStdin", kC, s.openStdin));
  WHARF_TRY(read(body, "StdinOnce", kC, s.stdinOnce));
  WHARF_TRY(read(body, "AttachStdin", kC, s.attachStdin));
  WHARF_TRY(read(body, "AttachStdout", kC, s.attachStdout));
  WHARF_TRY(read(body, "AttachStderr", kC, s.attachStderr));
  WHARF_TRY(read(body, "Env", kC, s.env));
  std::optional<std::vector<std::string>> cmd;
  WHARF_TRY(json::readStrSlice(body, "Cmd", kC, cmd));
  if (cmd) s.cmd = std::move(*cmd);
  WHARF_TRY(json::readStrSlice(body, "Entrypoint", kC, s.entrypoint));
  WHARF_TRY(read(body, "Labels", kC, s.labels));
  for (const auto& e : s.env)
    if (e.empty() || e[0] == '=')
      return invalidArgument("invalid environment variable: \"" + e + "\"");

  WHARF_ASSIGN_OR_RETURN(const Json* hc, json::object(body, "HostConfig", kC));
  if (hc) {
    constexpr std::string_view kH = "HostConfig";
    WHARF_TRY(read(*hc, "AutoRemove", kH, s.autoRemove));
    WHARF_TRY(read(*hc, "NetworkMode", kH, s.networkMode));
    WHARF_TRY(read(*hc, "Privileged", kH, s.privileged));
    WHARF_TRY(read(*hc, "ReadonlyRootfs", kH, s.readonlyRootfs));
    WHARF_TRY(read(*hc, "CapAdd", kH, s.capAdd));
    WHARF_TRY(read(*hc, "CapDrop", kH, s.capDrop));
    WHARF_TRY(read(*hc, "SecurityOpt", kH, s.securityOpt));
    WHARF_TRY(read(*hc, "Dns", kH, s.dns));
    WHARF_TRY(read(*hc, "DnsSearch", kH, s.dnsSearch));
    WHARF_TRY(read(*hc, "DnsOptions", kH, s.dnsOptions));
    WHARF_TRY(read(*hc, "ExtraHosts", kH, s.extraHosts));
    WHARF_TRY(read(*hc, "Links", kH, s.links));
    WHARF_TRY(readResourceFields(*hc, kH, s.resources));
    WHARF_ASSIGN_OR_RETURN(const Json* rp, json::object(*hc, "RestartPolicy", kH));
    if (rp) {
      WHARF_TRY(read(*rp, "Name", "HostConfig.RestartPolicy", s.restartPolicy));
      std::optional<int> retries;
      WHARF_TRY(read(*rp, "MaximumRetryCount", "HostConfig.RestartPolicy", retries));
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
  WHARF_TRY(read(body, "MacAddress", kC, s.macAddress));  // before API 1.44
  WHARF_TRY(readEndpoints(body, multipleNetworks, s));
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
