# Every third-party library comes from Debian packages listed in scripts/install-deps.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET libcrypto)
# libcrypto's archive too (libssl-dev ships it): a binary with the target property
# WHARF_STATIC_CRYPTO links it instead of the shared library (tools/CMakeLists.txt says which).
find_library(WHARF_LIBCRYPTO_STATIC NAMES libcrypto.a)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBSECCOMP REQUIRED IMPORTED_TARGET libseccomp)
pkg_check_modules(LIBCAP REQUIRED IMPORTED_TARGET libcap)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
# ISA-L's inflate decompresses gzip layers (several times zlib's speed; store/internal/layer_decode).
pkg_check_modules(LIBISAL REQUIRED IMPORTED_TARGET libisal)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(LIBMNL REQUIRED IMPORTED_TARGET libmnl)
pkg_check_modules(LIBNFTABLES REQUIRED IMPORTED_TARGET libnftables)
