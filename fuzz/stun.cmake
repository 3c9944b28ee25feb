# Fuzz targets of src/stun (parley_fuzzer lines are also read by scripts/fuzz.sh).
parley_fuzzer(stun_fuzzer SOURCES stun_fuzzer.cpp DEPS parley_stun)
