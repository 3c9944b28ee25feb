#!/usr/bin/env bash
# The whole test suite (called by `make test` after the release build):
#  1. ctest on the release build: unit tests, fuzz corpus replay, process-level
#     tests (parleyd and the parley CLI as processes);
#  2. unit tests and corpus replay again under ASan+UBSan;
#  3. a short libFuzzer run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

echo "== release: all tests"
ctest --test-dir build/release --output-on-failure -j"$JOBS"

echo "== asan+ubsan: unit tests and fuzz corpora"
cmake --preset asan -DPARLEY_PROCESS_TESTS=OFF >/dev/null
cmake --build build/asan -j"$JOBS" --target parley_unit_tests
ctest --test-dir build/asan --output-on-failure -j"$JOBS" -L 'unit|fuzz'

echo "== libFuzzer: short runs"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
echo "== all tests passed"
