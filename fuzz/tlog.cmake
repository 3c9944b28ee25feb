# Fuzz targets of src/tlog (parley_fuzzer lines are also read by scripts/fuzz.sh).
# tlog_proof_fuzzer checks the verifiers against the naive RFC 9162 reference
# that the unit tests use (tests/unit/tlog/rfc9162_reference.h).
parley_fuzzer(tlog_proof_fuzzer SOURCES tlog_proof_fuzzer.cpp DEPS parley_tlog)
target_include_directories(tlog_proof_fuzzer PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
parley_fuzzer(checkpoint_fuzzer SOURCES checkpoint_fuzzer.cpp DEPS parley_tlog)

# The record of the talks: its parser and verifier (record/verify.h), seeds
# from make_record_corpus (run by hand: keys are fresh each run).
parley_fuzzer(record_fuzzer SOURCES record_fuzzer.cpp DEPS parley_record)
if(NOT PARLEY_FUZZ)
  add_executable(make_record_corpus make_record_corpus.cpp)
  target_compile_options(make_record_corpus PRIVATE ${PARLEY_WARNINGS})
  target_include_directories(make_record_corpus PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  target_link_libraries(make_record_corpus PRIVATE parley_record)
endif()
