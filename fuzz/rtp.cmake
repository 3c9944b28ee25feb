# Fuzz targets of src/rtp (parley_fuzzer lines are also read by scripts/fuzz.sh).
parley_fuzzer(rtp_fuzzer SOURCES rtp_fuzzer.cpp DEPS parley_rtp)
parley_fuzzer(rtcp_fuzzer SOURCES rtcp_fuzzer.cpp DEPS parley_rtp)
