# Fuzz targets of src/media's forwarding rules (parley_fuzzer lines are also read by scripts/fuzz.sh).
parley_fuzzer(media_track_fuzzer SOURCES media_track_fuzzer.cpp DEPS parley_media)
