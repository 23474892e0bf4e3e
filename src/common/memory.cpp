#include "common/memory.h"

#include <malloc.h>

namespace wharf {

void returnFreedMemory() { ::malloc_trim(0); }

}  // namespace wharf
