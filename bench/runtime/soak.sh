#!/usr/bin/env bash
# Soak: wharf-runtime as dockerd's default runtime and as podman's --runtime, a few hundred
# containers each (detached, attached, --rm, exit codes, exec, stop, restart policies), zero
# failures allowed. The same test CI runs with a handful of rounds
# (tests/integration/test_runtime_engines.py); here with ROUNDS rounds (default 50: about 350
# containers through dockerd, 300 through podman). Run as root:
#   sudo bench/runtime/soak.sh [ROUNDS] [BIN_DIR]      (BIN_DIR default build/dev/bin)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-50}
bin=$(cd "${2:-$repo/build/dev/bin}" && pwd)
cd "$repo/tests/integration"
WHARF_ENGINE_ROUNDS=$rounds WHARF_BIN_DIR=$bin PYTHONDONTWRITEBYTECODE=1 \
  exec python3 -m unittest -v test_runtime_engines
