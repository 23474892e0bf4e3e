#pragma once
// The pty of a container process with process.terminal (the init or an exec'd process).

#include "common/error.h"
#include "oci/runtime_spec.h"

namespace wharf::runtime {

// Opens a new pty from the container's /dev/ptmx (resolved by fd inside rootFd, the
// container's "/", and checked to be the ptmx device: a container cannot hand us another
// file), sends the master over consoleFd (SCM_RIGHTS), makes the slave the controlling
// terminal and stdin/stdout/stderr. With makeConsole (the init, as runc) the slave is also
// bind-mounted on /dev/console. procFd is the runtime's procfs (procfs.h).
Status setupTerminal(int consoleFd, const oci::Process& process, int rootFd, int procFd,
                     bool makeConsole);

}  // namespace wharf::runtime
