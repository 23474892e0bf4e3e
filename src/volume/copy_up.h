#pragma once
// Populating a volume from the image ("copy-up", docker's copyExistingContents): the first
// time an empty volume is mounted where the image has a directory, that directory's content
// is copied in, owners, modes, times, symlinks, hard links, devices and fifos kept (xattrs are
// not copied). Also the `:U` option's recursive chown.
//
// The source is inside a container's rootfs, which an image controls: it is opened with
// openat2(RESOLVE_IN_ROOT) and walked with O_NOFOLLOW and RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS,
// so no symlink in the image can make the copy read or write outside the two trees. The walk is
// a loop with an explicit stack (no recursion on image-controlled depth).

#include <sys/types.h>

#include <string>

#include "common/error.h"

namespace wharf::volume {

// Whether dir has no entries (besides . and ..).
Result<bool> isEmptyDir(const std::string& dir);

// If `pathInRoot` names a directory inside `rootfs` (resolved as the container would see it)
// and `volumeDir` is empty, copies its content into volumeDir and gives volumeDir the source
// directory's owner and mode. Returns whether anything was copied. A path the image does not
// have is not an error (nothing to copy).
Result<bool> copyUp(const std::string& rootfs, const std::string& pathInRoot,
                    const std::string& volumeDir);

// chown -R uid:gid dir, never following symlinks (lchown semantics).
Status chownTree(const std::string& dir, uid_t uid, gid_t gid);

}  // namespace wharf::volume
