#pragma once
// Seccomp profiles in Docker's JSON format (`docker run --security-opt seccomp=profile.json`,
// moby's profiles/seccomp): an OCI linux.seccomp whose rules may apply only to some
// containers, and an architecture map chosen by the host's architecture.
//
//   {
//     "defaultAction": "SCMP_ACT_ERRNO",          required when there are rules
//     "defaultErrnoRet": 1,
//     "architectures": ["SCMP_ARCH_X86_64", ...],  or, not both:
//     "archMap": [{"architecture": "SCMP_ARCH_X86_64",
//                  "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}, ...],
//     "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "", "listenerMetadata": "",
//     "syscalls": [{
//       "names": ["clone"],                        or, not both, "name": "clone"
//       "action": "SCMP_ACT_ALLOW", "errnoRet": 38,
//       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
//       "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "4.8"},
//       "excludes": {...same members...},
//       "comment": "free text"
//     }]
//   }
//
// A rule applies when the container holds *every* capability of includes.caps, the host's
// architecture is one of includes.arches and its kernel is at least includes.minKernel, and
// it holds *none* of excludes.caps, the host is none of excludes.arches and its kernel is
// older than excludes.minKernel (each only when given). Arches are Go's names: amd64 x86
// x32 arm64 arm riscv64 s390x ppc64le... Unknown members are ignored, as Docker does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"

namespace wharf::oci {

struct SeccompFilter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::string minKernel;  // "<major>.<minor>", empty: any
  bool operator==(const SeccompFilter&) const = default;
};

struct SeccompProfileRule {
  SeccompSyscall syscall;  // names, action, errnoRet, args
  SeccompFilter includes;
  SeccompFilter excludes;
  std::string comment;
  bool operator==(const SeccompProfileRule&) const = default;
};

struct SeccompArchMap {
  std::string arch;  // SCMP_ARCH_X86_64
  std::vector<std::string> subArches;
  bool operator==(const SeccompArchMap&) const = default;
};

struct SeccompProfile {
  std::string defaultAction;
  std::optional<uint32_t> defaultErrnoRet;
  std::vector<std::string> architectures;
  std::vector<SeccompArchMap> archMap;
  std::vector<std::string> flags;
  std::string listenerPath;
  std::string listenerMetadata;
  std::vector<SeccompProfileRule> syscalls;
  bool operator==(const SeccompProfile&) const = default;
};

// What a profile's conditions are evaluated against, besides the capabilities.
struct SeccompHost {
  std::string arch;    // Go's name of the native architecture: "amd64", "arm64"...
  std::string kernel;  // uname's release: "6.1.0-18-amd64"
  // The machine this binary runs on (its compile-time architecture, uname(2)).
  static SeccompHost current();
};

// Parses and validates a profile: wrong types, unknown actions, operators, architectures or
// flags, an argument index above 5, "name" with "names", "architectures" with "archMap" and a
// malformed minKernel are InvalidArgument errors whose message starts with the JSON path of
// the offending member: `syscalls[2].args[0].op: unknown operator "SCMP_CMP_FOO"`.
Result<SeccompProfile> parseSeccompProfile(std::string_view json);

// The OCI linux.seccomp of a profile for a container holding `caps` (its bounding set) on
// `host`: the rules whose conditions hold, the architectures of the host's archMap entry.
// nullopt for a profile without defaultAction and rules (Docker: seccomp disabled).
std::optional<Seccomp> resolveSeccompProfile(const SeccompProfile& profile,
                                             const std::vector<std::string>& caps,
                                             const SeccompHost& host);

// parseSeccompProfile + resolveSeccompProfile; errors start with "Decoding seccomp profile
// failed: " as Docker's.
Result<std::optional<Seccomp>> loadSeccompProfile(std::string_view json,
                                                  const std::vector<std::string>& caps,
                                                  const SeccompHost& host);

// "SCMP_ARCH_X86_64" for "amd64"...; empty for an architecture without one.
std::string_view seccompArchOfNative(std::string_view goArch);

}  // namespace wharf::oci
