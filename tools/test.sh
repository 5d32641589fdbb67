#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), builds everything in build/
# (Release) and runs every test with ctest. The README's test command and
# .ci/run both run this script.
#
#   LOWBIT_BUILD_DIR   build directory (default: build)
#   LOWBIT_JOBS        parallel build and test jobs (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh

build_dir=${LOWBIT_BUILD_DIR:-build}
jobs=${LOWBIT_JOBS:-$(nproc)}

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure
