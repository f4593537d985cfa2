#!/usr/bin/env bash
# Sets up (packages, build) and runs every test: the full suite on the normal build, then the
# unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

scripts/setup.sh build
(cd build && ctest --output-on-failure -j "$jobs")

scripts/setup.sh build-asan -DWSE_SANITIZE=ON -DWSE_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j "$jobs" -L unit)
echo "test.sh: all tests passed (normal and sanitizer builds)"
