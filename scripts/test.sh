#!/usr/bin/env bash
# The whole test suite (called by `make test` after the release build):
#  1. ctest on the release build: unit tests, fuzz corpus replay, process-level
#     tests (parleyd and the parley CLI as processes);
#  2. everything again on an ASan+UBSan build: parleyd itself runs sanitized
#     under the process-level tests;
#  3. a short libFuzzer run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

echo "== release: all tests"
ctest --test-dir build/release --output-on-failure -j"$JOBS"

echo "== asan+ubsan: all tests"
cmake --preset asan >/dev/null
cmake --build build/asan -j"$JOBS"
ctest --test-dir build/asan --output-on-failure -j"$JOBS"

echo "== libFuzzer: short runs"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
echo "== all tests passed"
