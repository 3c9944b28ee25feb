# Fuzz targets of src/sdp (parley_fuzzer lines are also read by scripts/fuzz.sh).
parley_fuzzer(sdp_fuzzer SOURCES sdp_fuzzer.cpp DEPS parley_sdp)
