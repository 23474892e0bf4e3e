#pragma once
// Who may read the data root. Containers' files, their logs and the database (env values such
// as DB_PASSWORD=... are in wharf.db and its -wal) are root's alone, as dockerd's are:
//
//   <data-root>/                    0710   (and content/, snapshots/, containers/)
//   <data-root>/wharf.db{,-wal,-shm} 0600
//   <data-root>/containers/<id>/    0710   the parent that keeps upper/ and merged/ private
//   <data-root>/containers/<id>/merged/ 0710 while unmounted (mounted, it shows the rootfs)
//   <data-root>/containers/<id>/upper/  0755: overlayfs gives the container's "/" the upper
//                                   dir's mode, so a private upper would lock a non-root
//                                   container user out of its own root directory; the 0710
//                                   parent is what keeps other host users out.
//   <exec-root>/containers/         0710   bundles (config.json holds the environment)

#include <filesystem>

#include "common/error.h"

namespace wharf::engine {

inline constexpr unsigned kPrivateDirMode = 0710;
inline constexpr unsigned kPrivateFileMode = 0600;

// mkdir -p, then the exact mode on `dir` itself (whatever the umask).
Status makeDirWithMode(const std::filesystem::path& dir, unsigned mode);

// Sets the modes above on an existing data root and exec root (a data root made by an older
// wharfd had 0755 dirs and a 0644 database). Mount points are left alone: chmod there would
// change a running container's root directory.
Status securePrivateTree(const std::filesystem::path& dataRoot,
                         const std::filesystem::path& execRoot);

// Creates the database file 0600 before SQLite opens it, so that the -wal and -shm files,
// which SQLite creates with the database's mode, are private too.
Status prepareDatabaseFile(const std::filesystem::path& dbFile);

}  // namespace wharf::engine
