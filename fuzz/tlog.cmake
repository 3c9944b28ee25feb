# Fuzz targets of src/tlog (parley_fuzzer lines are also read by scripts/fuzz.sh).
# tlog_proof_fuzzer checks the verifiers against the naive RFC 9162 reference
# that the unit tests use (tests/unit/tlog/rfc9162_reference.h).
parley_fuzzer(tlog_proof_fuzzer SOURCES tlog_proof_fuzzer.cpp DEPS parley_tlog)
target_include_directories(tlog_proof_fuzzer PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
parley_fuzzer(checkpoint_fuzzer SOURCES checkpoint_fuzzer.cpp DEPS parley_tlog)
