#include "runtime/cgroup/devices_bpf.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "common/unique_fd.h"

namespace wharf::runtime {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}
bpf_insn loadCtx(uint8_t dst, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, 1, off, 0);
}
bpf_insn jneImm(uint8_t reg, int32_t imm) {
  return insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, imm);
}
bpf_insn jneReg(uint8_t a, uint8_t b) { return insn(BPF_JMP | BPF_JNE | BPF_X, a, b, 0, 0); }

}  // namespace

Result<std::vector<bpf_insn>> buildDeviceFilter(const std::vector<oci::DeviceCgroup>& rules) {
  // r2 = device type, r3 = requested access, r4 = major, r5 = minor (bpf_cgroup_dev_ctx).
  std::vector<bpf_insn> p = {
      loadCtx(2, 0), insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xFFFF),
      loadCtx(3, 0), insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16),
      loadCtx(4, 4), loadCtx(5, 8),
  };
  for (size_t n = rules.size(); n-- > 0;) {
    const auto& r = rules[n];
    std::string where = "linux.resources.devices[" + std::to_string(n) + "]";
    std::vector<bpf_insn> block;
    std::vector<size_t> jumps;  // indexes of "goto next rule" jumps to patch
    if (!r.type.empty() && r.type != "a") {
      int type = r.type == "b" ? BPF_DEVCG_DEV_BLOCK : r.type == "c" ? BPF_DEVCG_DEV_CHAR : -1;
      if (type < 0) return invalidArgument(where + ".type: unknown \"" + r.type + "\"");
      jumps.push_back(block.size());
      block.push_back(jneImm(2, type));
    }
    int access = 0;
    for (char c : r.access.empty() ? std::string("rwm") : r.access) {
      if (c == 'r')
        access |= BPF_DEVCG_ACC_READ;
      else if (c == 'w')
        access |= BPF_DEVCG_ACC_WRITE;
      else if (c == 'm')
        access |= BPF_DEVCG_ACC_MKNOD;
      else
        return invalidArgument(where + ".access: unknown \"" + r.access + "\"");
    }
    if (access != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
      // The request must be a subset of what the rule names: (r3 & access) == r3.
      block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 3, 0, 0));
      block.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, access));
      jumps.push_back(block.size());
      block.push_back(jneReg(1, 3));
    }
    if (r.major && *r.major >= 0) {
      jumps.push_back(block.size());
      block.push_back(jneImm(4, static_cast<int32_t>(*r.major)));
    }
    if (r.minor && *r.minor >= 0) {
      jumps.push_back(block.size());
      block.push_back(jneImm(5, static_cast<int32_t>(*r.minor)));
    }
    block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r.allow ? 1 : 0));
    block.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    for (size_t j : jumps) block[j].off = static_cast<int16_t>(block.size() - j - 1);
    p.insert(p.end(), block.begin(), block.end());
    // A rule matching everything ends the program: the verifier refuses unreachable code.
    if (jumps.empty()) return p;
  }
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));  // no rule matched: deny
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

Status attachDeviceFilter(const std::string& cgroupDir, const std::vector<bpf_insn>& prog) {
  static const char kLicense[] = "Apache";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(prog.data());
  load.insn_cnt = static_cast<uint32_t>(prog.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  UniqueFd progFd(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load)));
  if (!progFd && errno == EINVAL) {
    // Ask the verifier why, for the error message.
    std::string log(4096, '\0');
    load.log_buf = reinterpret_cast<uint64_t>(log.data());
    load.log_size = static_cast<uint32_t>(log.size());
    load.log_level = 1;
    progFd.reset(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load)));
    if (!progFd)
      return sysError("load the cgroup device filter: " + std::string(log.c_str()), EINVAL);
  }
  if (!progFd) return sysError("load the cgroup device filter");
  UniqueFd dir(::open(cgroupDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return sysError("open \"" + cgroupDir + "\"");
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(dir.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(progFd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) < 0)
    return sysError("attach the device filter to \"" + cgroupDir + "\"");
  return okStatus();
}

}  // namespace wharf::runtime
