# Fuzz targets of src/rtp (parley_fuzzer lines are also read by scripts/fuzz.sh).
