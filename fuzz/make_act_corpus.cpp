// Writes the signed seed acts of corpus/act_validator_fuzzer/ (files named
// gen_*.json; hand-written seeds live beside them). With --check it
// compares instead of writing, and fails when a checked-in seed differs:
// a change to the act format or to the fixed world must regenerate them.
// Either way it fails when a seed no longer meets the rule it targets.
//
//   make_act_corpus fuzz/corpus/act_validator_fuzzer
//   make_act_corpus --check fuzz/corpus/act_validator_fuzzer

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "act_world.h"

namespace {

using namespace parley;
using json::Json;
using negotiation::Kind;

// "ok" or the code the fixed world gives `sa` at `state`: signature first,
// then the rules, as the server does.
std::string outcome(const negotiation::MeetingState& state, const negotiation::SignedAct& sa) {
  const auto& w = fuzz::world();
  if (auto s = negotiation::verify_act_signature(sa, w.dir); !s) return s.error().code;
  if (auto s = negotiation::check_act(state, sa, w.dir); !s) return s.error().code;
  return "ok";
}

// Each seed with the state it targets and the outcome it must have there,
// so that the corpus keeps reaching the rule it was written for.
std::vector<std::pair<std::string, std::string>> seeds(bool& all_as_expected) {
  const auto& w = fuzz::world();
  std::vector<std::pair<std::string, std::string>> out;
  all_as_expected = true;
  auto add = [&](const std::string& name, const negotiation::MeetingState& state,
                 const negotiation::SignedAct& sa, const std::string& expected) {
    auto got = outcome(state, sa);
    if (got != expected) {
      std::fprintf(stderr, "seed %s: expected %s, got %s\n", name.c_str(), expected.c_str(),
                   got.c_str());
      all_as_expected = false;
    }
    out.emplace_back("gen_" + name + ".json", json::canonicalize(sa.envelope()));
  };
  auto terms = w.full_terms();
  const auto& fresh = w.fresh;
  const auto& opening = w.opening;
  const auto& ready = w.ready;
  const auto& announced = w.announced;

  add("create_opening", fresh,
      w.make(fresh, "m-alice", Kind::create,
             {{"counterparty", "lemuria"}, {"proposals", w.opening_proposals()}}),
      "ok");
  add("create_full_terms", fresh,
      w.make(fresh, "m-bob", Kind::create, {{"counterparty", "atlantis"}, {"proposals", terms}}),
      "ok");
  add("accept_counter", opening,
      w.make(opening, "m-alice", Kind::accept, {{"param", "duration_minutes"}, {"rev", 2}}), "ok");
  add("accept_title", opening,
      w.make(opening, "m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}}), "ok");
  add("propose_roster", opening,
      w.make(opening, "m-alice", Kind::propose, {{"param", "roster"}, {"value", terms["roster"]}}),
      "ok");
  add("propose_languages", opening,
      w.make(opening, "m-bob", Kind::propose,
             {{"param", "languages"}, {"value", terms["languages"]}}),
      "ok");
  add("propose_announcement_at", opening,
      w.make(opening, "m-alice", Kind::propose,
             {{"param", "announcement"},
              {"value", {{"text", "Talks\nto follow"}, {"publish", "2026-01-20T09:00:00Z"}}}}),
      "ok");
  add("withdraw", opening,
      w.make(opening, "m-bob", Kind::withdraw, {{"reason", "No basis for talks."}}), "ok");
  add("stale_revision", opening,
      w.make(opening, "m-alice", Kind::accept, {{"param", "duration_minutes"}, {"rev", 1}}),
      "stale_revision");
  add("not_a_party", opening,
      w.make(opening, "m-mike", Kind::propose, {{"param", "title"}, {"value", "Mu's view"}}),
      "not_a_party");
  add("role_not_allowed", opening,
      w.make(opening, "m-anna", Kind::accept, {{"param", "duration_minutes"}, {"rev", 2}}),
      "role_not_allowed");
  add("stale_sequence", opening,
      w.make(fresh, "m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}}), "stale_sequence");
  add("sign_second", ready,
      w.make(ready, "m-bob", Kind::sign, {{"terms_hash", ready.terms_hash()}}), "ok");
  add("propose_voids_signature", ready,
      w.make(ready, "m-bob", Kind::propose, {{"param", "duration_minutes"}, {"value", 60}}), "ok");
  add("withdraw_after_announcement", announced,
      w.make(announced, "m-alice", Kind::withdraw, {{"reason", "Our minister is ill."}}), "ok");
  add("propose_after_announcement", announced,
      w.make(announced, "m-bob", Kind::propose, {{"param", "title"}, {"value", "Too late"}}),
      "meeting_announced");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  bool check = argc == 3 && std::string(argv[1]) == "--check";
  if (!(argc == 2 || check)) {
    std::fprintf(stderr, "usage: %s [--check] <corpus dir>\n", argv[0]);
    return 2;
  }
  fs::path dir = argv[argc - 1];
  bool as_expected = false;
  auto all = seeds(as_expected);
  int stale = as_expected ? 0 : 1;
  for (const auto& [name, content] : all) {
    if (check) {
      std::ifstream in(dir / name, std::ios::binary);
      std::string have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.is_open() || have != content) {
        std::fprintf(stderr, "%s is missing or out of date; rerun make_act_corpus\n", name.c_str());
        ++stale;
      }
    } else {
      fs::create_directories(dir);
      std::ofstream(dir / name, std::ios::binary) << content;
    }
  }
  return stale == 0 ? 0 : 1;
}
