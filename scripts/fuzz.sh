#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer (ASan+UBSan) and runs each for
# $1 seconds (default 60) from its checked-in corpus. Any crash fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
targets=$(sed -n 's/^parley_fuzzer(\([a-z_]*\).*/\1/p' fuzz/CMakeLists.txt fuzz/*.cmake)
cmake --build build/fuzz -j"${JOBS:-2}" --target $targets
for t in $targets; do
  work=$(mktemp -d)
  cp -r "fuzz/corpus/$t/." "$work/"
  echo "fuzz: $t for ${seconds}s"
  build/fuzz/fuzz/"$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" "$work" 2>&1 | tail -3
  rm -rf "$work"
done
