// Runtime::exec: another process in a running container's namespaces and cgroup.
#include "runtime/runtime.h"

namespace wharf::runtime {

Result<int> Runtime::exec(const std::string& id, const ExecOptions& opts) {
  (void)id;
  (void)opts;
  return notImplemented("exec is not implemented yet");
}

}  // namespace wharf::runtime
