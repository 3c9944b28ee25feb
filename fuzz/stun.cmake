# Fuzz targets of src/stun (parley_fuzzer lines are also read by scripts/fuzz.sh).
