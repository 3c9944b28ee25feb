// record_bench: the time `parley verify` takes over a record of N entries
// (default 100 000), next to the raw Ed25519 verification rate of libsodium
// on the same N signed messages, measured in the same run. The target
// (issue 6) is a record verified within 1.5x of the raw signature rate:
// whatever verification adds to the signatures (parsing, canonical JSON,
// the rules, the Merkle tree, the checkpoints) must stay below half of them.
//
// The record is built in memory as the server would hold it (the two
// delegations agree and sign the terms, a session is opened, then minutes,
// statements, assurances and acknowledgements, checkpoints every 10 000
// entries cosigned by both parties, the session closed), written as the
// JSON text `parley record export` produces, and verified from that text:
// parse, every act's signature and rules, every checkpoint. Rounds
// alternate the reference and the verifier; each figure is the median.
// Time is the thread's CPU time.
//
//   record_bench [--entries N] [--rounds R]

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cpu_rate.h"
#include "record/record_builder.h"
#include "record/verify.h"

namespace {

using namespace parley;
using namespace parley::record;
using parley::bench::cpu_seconds;
using parley::bench::median;

struct Options {
  std::size_t entries = 100000;
  int rounds = 3;
};

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    char* end = nullptr;
    const long long v = std::strtoll(argv[++i], &end, 10);
    if (*end != '\0' || v < 1) return false;
    if (arg == "--entries") o.entries = static_cast<std::size_t>(v);
    else if (arg == "--rounds") o.rounds = static_cast<int>(v);
    else return false;
  }
  return o.entries >= 10;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr, "usage: record_bench [--entries N >= 10] [--rounds R]\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;

  // --- the record
  std::fprintf(stderr, "building a record of %zu entries...\n", o.entries);
  test::RecordBuilder b("mtg-bench-record");
  b.agree();
  b.act("e-rap", negotiation::Kind::session_open, {{"present", json::Json::array({"e-lead", "e-rap", "w-lead", "w-rap"})}});
  std::string assurance;
  for (std::size_t i = 1; i + 1 < o.entries; ++i) {
    using negotiation::Kind;
    switch (i % 10) {
      case 0:
        b.act("e-lead", Kind::assurance, {{"to", test::kWest}, {"item", 1}, {"text", "The East will notify every test launch " + std::to_string(i) + " days ahead."},
                                         {"scope", "Test launches"}, {"until", nullptr}, {"draft", nullptr}});
        assurance = b.hash_of_last();
        break;
      case 1:
        if (!assurance.empty()) {
          b.act("w-rap", Kind::acknowledge, {{"assurance", assurance}});
          break;
        }
        [[fallthrough]];
      case 2: case 4: case 6: case 8:
        b.act(i % 4 ? "e-rap" : "w-rap", Kind::minute,
              {{"item", static_cast<int>(i % 2)}, {"text", "The delegations discussed verification measures, point " + std::to_string(i) +
                                                               ", and agreed to return to it after the break."}});
        break;
      default:
        b.act("w-rap", Kind::statement, {{"speaker", "w-lead"}, {"item", 0},
                                         {"text", "We note the proposal and will study it with our partners (" + std::to_string(i) + ")."}});
    }
    if (i % 10000 == 0) b.add_checkpoint({"e-rap", "w-rap"});
  }
  b.act("e-rap", negotiation::Kind::session_close, {{"present", json::Json::array({"e-lead", "e-rap", "w-lead", "w-rap"})}});
  b.add_checkpoint({"e-neg", "w-neg"});
  const std::string text = b.record_json(true).dump();
  const std::size_t acts = b.log.size();

  // The reference: the same acts' signatures, raw libsodium, no parsing.
  struct Signed {
    std::string message;
    std::array<unsigned char, 64> sig;
    const unsigned char* key;
  };
  std::vector<Signed> raw;
  raw.reserve(acts);
  for (const auto& sa : b.log) {
    Signed s;
    s.message = json::canonicalize(sa.act_json);
    auto sig = crypto::parse_signature(sa.signature);
    std::copy(sig->begin(), sig->end(), s.sig.begin());
    s.key = b.dir.find_member(sa.act.author)->key.data();
    raw.push_back(std::move(s));
  }
  std::fprintf(stderr, "record: %zu acts, %.1f MB of JSON; measuring %d rounds...\n", acts,
               static_cast<double>(text.size()) / 1e6, o.rounds);

  std::vector<double> raw_s, verify_s;
  const auto trust = b.trust();
  for (int r = 0; r < o.rounds; ++r) {
    double t0 = cpu_seconds();
    for (const auto& s : raw)
      if (crypto_sign_verify_detached(s.sig.data(), reinterpret_cast<const unsigned char*>(s.message.data()),
                                      s.message.size(), s.key) != 0)
        return 1;
    raw_s.push_back(cpu_seconds() - t0);

    t0 = cpu_seconds();
    auto doc = json::parse_strict(text, json::ParseLimits{64, 1u << 30});
    if (!doc) return std::fprintf(stderr, "parse: %s\n", doc.error().message.c_str()), 1;
    auto v = verify_record(*doc, VerifyOptions{trust, true});
    if (!v) return std::fprintf(stderr, "verify: %s\n", v.error().message.c_str()), 1;
    verify_s.push_back(cpu_seconds() - t0);
  }
  const double raw_t = median(raw_s), verify_t = median(verify_s);
  std::printf("record_bench: %zu acts (%.1f MB), medians of %d rounds of CPU time, load %.2f\n", acts,
              static_cast<double>(text.size()) / 1e6, o.rounds, parley::bench::load_average());
  std::printf("  %-46s %9.2f s  %9.0f entries/s\n", "verify the record (parse, rules, tree, checkpoints)", verify_t,
              static_cast<double>(acts) / verify_t);
  std::printf("  %-46s %9.2f s  %9.0f signatures/s\n", "raw Ed25519 verification (libsodium)", raw_t,
              static_cast<double>(acts) / raw_t);
  std::printf("  ratio verify / raw: %.2fx (target <= 1.5x)\n", verify_t / raw_t);
  return 0;
}
