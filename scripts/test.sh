#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds dream-eval and runs every test (CTest).
# Usage: scripts/test.sh [build-dir]     (default: build)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$repo_root/build}"
bash "$repo_root/scripts/setup.sh"
export CCACHE_BASEDIR="$repo_root"
cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" --parallel "$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)"
