# Fuzz targets of src/sdp (parley_fuzzer lines are also read by scripts/fuzz.sh).
