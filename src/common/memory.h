#pragma once
// Keeping the daemon's idle footprint small (DESIGN.md: <= 15 MB resident).

namespace wharf {

// Gives memory that malloc keeps after a burst of work (an image unpacked or built on a worker
// thread leaves megabytes in that thread's arena) back to the kernel. Call it on the thread
// that did the work, after the work; it costs a walk over the arenas, never blocks on I/O.
void returnFreedMemory();

}  // namespace wharf
