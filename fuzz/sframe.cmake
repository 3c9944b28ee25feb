# Fuzz targets of src/sframe (parley_fuzzer lines are also read by scripts/fuzz.sh).
parley_fuzzer(sframe_header_fuzzer SOURCES sframe_header_fuzzer.cpp DEPS parley_sframe)
parley_fuzzer(sframe_decrypt_fuzzer SOURCES sframe_decrypt_fuzzer.cpp DEPS parley_sframe)
