#!/usr/bin/env bash
# Builds everything and runs every test: unit, integration and fuzz (short runs) in a
# Release build, then unit and integration tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer. Exits non-zero when any test fails, or when a source file
# differs from what clang-format (.clang-format) makes of it.
#   tests/run-tests.sh            everything
#   tests/run-tests.sh --quick    Release build only, no sanitizers, no fuzzing
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/install-deps.sh" --test
jobs=$(nproc)
quick=0; [ "${1:-}" = "--quick" ] && quick=1

step() { echo; echo "=== $* ==="; }

step "format check (clang-format)"
(cd "$root" && git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run -Werror)

step "release build"
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release -DEMBER_WERROR=ON >/dev/null
cmake --build "$root/build/release" -j"$jobs"
step "release tests"
(cd "$root/build/release" && ctest --output-on-failure -j1)

if [ $quick -eq 1 ]; then exit 0; fi

step "sanitizer build (ASan + UBSan)"
cmake -S "$root" -B "$root/build/asan" -DCMAKE_BUILD_TYPE=Debug -DEMBER_ASAN=ON -DEMBER_UBSAN=ON \
  -DEMBER_WERROR=ON >/dev/null
cmake --build "$root/build/asan" -j"$jobs"
step "sanitizer tests"
(cd "$root/build/asan" && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j1)

step "fuzz build (clang, libFuzzer)"
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build/fuzz" -DCMAKE_BUILD_TYPE=Debug \
  -DEMBER_FUZZ=ON >/dev/null
cmake --build "$root/build/fuzz" --target ember_fuzz -j"$jobs"
step "fuzz runs"
(cd "$root/build/fuzz" && ctest --output-on-failure -L fuzz)
