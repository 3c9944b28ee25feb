// Writes seeds for corpus/record_fuzzer/: a final record of a whole meeting,
// a record of a meeting in progress, an excerpt, and a second meeting of the
// series. Keys are fresh each run, so the seeds are regenerated, not
// compared: run it by hand after a change to the record's format.
//
//   make_record_corpus fuzz/corpus/record_fuzzer

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "record/record_builder.h"

int main(int argc, char** argv) {
  using namespace parley::record::test;
  using parley::negotiation::Kind;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_record_corpus DIR\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  auto write = [&](const char* name, const parley::json::Json& j) {
    std::ofstream(dir / name) << j.dump(1) << "\n";
  };
  RecordBuilder b("mtg-fuzz-record");
  b.agree();
  b.add_checkpoint({"e-neg", "w-neg"});
  auto assurance = b.hold_session();
  write("in_progress.json", b.record_json(false));
  b.add_checkpoint({"e-rap", "w-rap"});
  b.act("e-lead", Kind::readout, {{"text", "Constructive talks."}});
  b.act("w-neg", Kind::joint_statement, {{"text", "Both sides will meet again."}});
  b.act("e-neg", Kind::countersign, {{"statement", b.hash_of_last()}});
  b.act("e-neg", Kind::correction, {{"entry", b.log[b.log.size() - 3].hash}, {"text", "Very constructive talks."}, {"reason", "tone"}});
  b.add_checkpoint({"e-neg", "w-rap"});
  write("final.json", b.record_json(true));
  write("excerpt.json", b.excerpt_json(b.log.size() - 4));
  auto next = b.successor("mtg-fuzz-record-2");
  next.agree();
  next.act("w-rap", Kind::assurance_status, {{"assurance", assurance}, {"meeting", b.meeting}, {"status", "fulfilled"}, {"note", "Seen"}});
  next.add_checkpoint({"e-rap", "w-rap"});
  write("successor.json", next.record_json(false));
  return 0;
}
