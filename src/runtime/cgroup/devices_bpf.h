#pragma once
// cgroup v2 has no devices.allow: device access is decided by a BPF_PROG_TYPE_CGROUP_DEVICE
// program attached to the cgroup. This builds one from the OCI rules (v1 semantics: the last
// matching rule wins; no match denies) and attaches it.

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

// The program for rules, checked from the last to the first.
Result<std::vector<bpf_insn>> buildDeviceFilter(const std::vector<oci::DeviceCgroup>& rules);
// Loads the program and attaches it to the cgroup v2 directory (BPF_F_ALLOW_MULTI).
Status attachDeviceFilter(const std::string& cgroupDir, const std::vector<bpf_insn>& prog);

}  // namespace wharf::runtime
