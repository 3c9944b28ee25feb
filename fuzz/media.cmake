# Fuzz targets of src/media's forwarding rules (parley_fuzzer lines are also read by scripts/fuzz.sh).
parley_fuzzer(media_track_fuzzer SOURCES media_track_fuzzer.cpp DEPS parley_media)
# Interpretation routing: channel sources, slots, subscriptions and packets in any order.
parley_fuzzer(media_channels_fuzzer SOURCES media_channels_fuzzer.cpp DEPS parley_media)
# SRTP and SRTCP unprotect (and protect) under fixed keys, both profiles.
parley_fuzzer(srtp_fuzzer SOURCES srtp_fuzzer.cpp DEPS parley_media)
# Regenerates the seeds of corpus/srtp_fuzzer (packets protected under the
# fuzzer's keys); the test fails when the checked-in ones no longer match.
if(NOT PARLEY_FUZZ)
  add_executable(make_srtp_corpus make_srtp_corpus.cpp)
  target_compile_options(make_srtp_corpus PRIVATE ${PARLEY_WARNINGS})
  target_link_libraries(make_srtp_corpus PRIVATE parley_media)
  if(BUILD_TESTING)
    add_test(NAME fuzz_srtp_corpus_current
             COMMAND make_srtp_corpus --check ${CMAKE_CURRENT_SOURCE_DIR}/corpus/srtp_fuzzer)
    set_tests_properties(fuzz_srtp_corpus_current PROPERTIES LABELS fuzz)
  endif()
  if(TARGET parley_unit_tests)
    add_dependencies(parley_unit_tests make_srtp_corpus)
  endif()
endif()
