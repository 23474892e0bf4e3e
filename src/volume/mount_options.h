#pragma once
// mount(8)-style option strings ("size=64m,uid=1000,ro,bind") split into mount(2) flags and
// the filesystem's data string, as moby's mount.ParseOptions does for the local driver's `o`.

#include <string>
#include <string_view>

namespace wharf::volume {

struct ParsedMountOptions {
  unsigned long flags = 0;  // MS_*
  std::string data;         // what the filesystem gets ("size=64m,uid=1000")
};

ParsedMountOptions parseMountOptions(std::string_view options);

}  // namespace wharf::volume
