// The record of the talks: the rules of every entry kind, and the offline
// verifier's answers to whole records, excerpts and series, including every
// tampering the issue lists (docs/record.md).

#include <gtest/gtest.h>

#include "record/record_builder.h"
#include "record/verify.h"

namespace parley::record::test {
namespace {

template <class T>
std::string code(const Expected<T>& e) {
  return e ? "ok" : e.error().code;
}

class RecordTest : public ::testing::Test {
 protected:
  void SetUp() override { b.agree(); }

  // The code check_act gives an entry, without applying it.
  std::string try_entry(const std::string& author, Kind kind, Json body, const std::string* as_key = nullptr) {
    auto sa = b.sign(author, kind, std::move(body), as_key);
    auto s = b.submit(sa);
    return s ? "ok" : s.error().code;
  }

  Expected<VerifiedRecord> verify(const Json& doc, bool require_final = false) {
    return verify_record(doc, VerifyOptions{b.trust(), require_final});
  }

  // A finished meeting: session, assurance, close, both cosign; readouts.
  std::string finish() {
    auto assurance = b.hold_session();
    b.add_checkpoint({"e-rap", "w-rap"});
    b.act("e-lead", Kind::readout, {{"text", "Constructive talks."}});
    b.act("w-neg", Kind::joint_statement, {{"text", "Both sides will meet again."}});
    b.act("e-neg", Kind::countersign, {{"statement", b.hash_of_last()}});
    b.add_checkpoint({"e-neg"});
    return assurance;
  }

  RecordBuilder b;
};

TEST_F(RecordTest, EntriesNeedTheSignedAndAnnouncedTerms) {
  RecordBuilder fresh;
  fresh.act("e-neg", Kind::create, {{"counterparty", kWest}, {"proposals", {{"title", "Talks"}}}});
  auto s = fresh.submit(fresh.sign("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "not_announced");
}

TEST_F(RecordTest, SessionRulesAndRights) {
  EXPECT_EQ(try_entry("e-rap", Kind::minute, {{"item", 0}, {"text", "Too early"}}), "no_session");
  EXPECT_EQ(try_entry("e-aide", Kind::session_open, {{"present", Json::array({"e-rap"})}}), "role_not_allowed");
  EXPECT_EQ(try_entry("w-off", Kind::session_open, {{"present", Json::array({"e-rap"})}}), "not_on_roster");
  EXPECT_EQ(try_entry("e-rap", Kind::session_open, {{"present", Json::array({"w-off"})}}), "not_on_roster");
  EXPECT_EQ(try_entry("e-rap", Kind::session_open, {{"present", Json::array({"e-rap", "e-rap"})}}), "invalid_field");
  EXPECT_EQ(try_entry("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}}), "ok");
  EXPECT_EQ(try_entry("w-rap", Kind::session_open, {{"present", Json::array({"w-rap"})}}), "session_open");
  EXPECT_EQ(try_entry("e-rap", Kind::minute, {{"item", 2}, {"text", "No such item"}}), "invalid_item");
  EXPECT_EQ(try_entry("e-rap", Kind::minute, {{"item", nullptr}, {"text", "General"}, {"x", 1}}), "unknown_field");
  EXPECT_EQ(try_entry("e-lead", Kind::minute, {{"item", nullptr}, {"text", "Leaders keep no minutes"}}), "role_not_allowed");
  EXPECT_EQ(try_entry("e-rap", Kind::minute, {{"item", nullptr}, {"text", "bell\x07"}}), "invalid_field");
  EXPECT_EQ(try_entry("e-rap", Kind::statement, {{"speaker", "w-lead"}, {"item", 0}, {"text", "Not my party"}}),
            "role_not_allowed");
  EXPECT_EQ(try_entry("e-lead", Kind::statement, {{"speaker", "e-lead"}, {"item", 0}, {"text", "In my own words"}}), "ok");
  EXPECT_EQ(try_entry("e-rap", Kind::session_close, {{"present", Json::array({"e-rap"})}}), "ok");
  EXPECT_EQ(try_entry("e-rap", Kind::session_close, {{"present", Json::array({"e-rap"})}}), "no_session");
}

TEST_F(RecordTest, AssuranceRules) {
  b.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  auto session = b.hash_of_last();
  Json body = {{"to", kWest}, {"item", 0}, {"text", "We will."}, {"scope", "All"}, {"until", nullptr}, {"draft", nullptr}};
  EXPECT_EQ(try_entry("e-aide", Kind::assurance, body), "role_not_allowed");      // an aide
  EXPECT_EQ(try_entry("e-rap", Kind::assurance, body), "role_not_allowed");       // a rapporteur
  auto to_self = body;
  to_self["to"] = kEast;
  EXPECT_EQ(try_entry("e-lead", Kind::assurance, to_self), "invalid_field");
  auto past = body;
  past["until"] = "2020-01-01T00:00:00Z";
  EXPECT_EQ(try_entry("e-lead", Kind::assurance, past), "invalid_field");
  EXPECT_EQ(try_entry("e-lead", Kind::assurance, body), "ok");
  auto assurance = b.hash_of_last();
  EXPECT_EQ(try_entry("e-lead", Kind::acknowledge, {{"assurance", assurance}}), "role_not_allowed");  // the giver
  EXPECT_EQ(try_entry("w-lead", Kind::acknowledge, {{"assurance", session}}), "wrong_entry_kind");
  EXPECT_EQ(try_entry("w-lead", Kind::acknowledge, {{"assurance", b.log[3].hash}}), "unknown_entry");  // a negotiation act
  EXPECT_EQ(try_entry("w-lead", Kind::acknowledge, {{"assurance", std::string(64, 'a')}}), "unknown_entry");
  EXPECT_EQ(try_entry("w-rap", Kind::acknowledge, {{"assurance", assurance}}), "ok");
  EXPECT_EQ(try_entry("w-lead", Kind::acknowledge, {{"assurance", assurance}}), "already_acknowledged");
  // A draft for the West, signed by the East, is refused; and used once only.
  EXPECT_EQ(try_entry("e-rap", Kind::assurance_draft,
                      {{"giver", kWest}, {"item", nullptr}, {"text", "T"}, {"scope", "S"}, {"until", nullptr}}), "ok");
  auto draft = b.hash_of_last();
  auto signed_draft = body;
  signed_draft["draft"] = draft;
  EXPECT_EQ(try_entry("e-lead", Kind::assurance, signed_draft), "invalid_field");
  signed_draft["to"] = kEast;
  EXPECT_EQ(try_entry("w-lead", Kind::assurance, signed_draft), "ok");
  EXPECT_EQ(try_entry("w-neg", Kind::assurance, signed_draft), "draft_used");
  // Statuses: only the giver withdraws.
  Json status = {{"assurance", assurance}, {"meeting", b.meeting}, {"status", "withdrawn"}, {"note", ""}};
  EXPECT_EQ(try_entry("w-lead", Kind::assurance_status, status), "role_not_allowed");
  EXPECT_EQ(try_entry("e-neg", Kind::assurance_status, status), "ok");
  status["meeting"] = "mtg-unrelated";
  EXPECT_EQ(try_entry("e-neg", Kind::assurance_status, status), "invalid_field");
}

TEST_F(RecordTest, ReadoutsJointStatementsAndCorrections) {
  EXPECT_EQ(try_entry("e-rap", Kind::readout, {{"text", "Rapporteurs do not publish"}}), "role_not_allowed");
  EXPECT_EQ(try_entry("e-lead", Kind::readout, {{"text", "Useful talks."}}), "ok");
  auto readout = b.hash_of_last();
  EXPECT_EQ(try_entry("e-neg", Kind::readout, {{"text", "Again"}}), "readout_exists");
  EXPECT_EQ(try_entry("w-lead", Kind::correction, {{"entry", readout}, {"text", "Theirs"}, {"reason", "r"}}), "role_not_allowed");
  EXPECT_EQ(try_entry("e-neg", Kind::correction, {{"entry", readout}, {"text", "Very useful talks."}, {"reason", "typo"}}), "ok");
  EXPECT_EQ(b.state.record.current_text(readout), "Very useful talks.");
  EXPECT_EQ(try_entry("w-neg", Kind::joint_statement, {{"text", "Together."}}), "ok");
  auto joint = b.hash_of_last();
  EXPECT_EQ(try_entry("w-lead", Kind::joint_statement, {{"text", "Another."}}), "joint_statement_open");
  EXPECT_EQ(try_entry("w-lead", Kind::countersign, {{"statement", joint}}), "role_not_allowed");  // same party
  EXPECT_EQ(try_entry("e-lead", Kind::countersign, {{"statement", joint}}), "ok");
  EXPECT_EQ(try_entry("e-neg", Kind::countersign, {{"statement", joint}}), "already_countersigned");
}

TEST_F(RecordTest, EntriesMayBuildOnAnEarlierAct) {
  b.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  // Both rapporteurs sign on the same head; the second is still accepted.
  auto first = b.sign("e-rap", Kind::minute, {{"item", 0}, {"text", "One"}});
  auto second = b.sign("w-rap", Kind::minute, {{"item", 0}, {"text", "Two"}});
  EXPECT_TRUE(b.submit(first));
  EXPECT_TRUE(b.submit(second));
  // The same signed entry again (a replay, or a retry appended twice).
  EXPECT_EQ(b.submit(first).error().code, "stale_sequence");
  // But not on a prev that is not the act its base names.
  auto bad = b.sign("w-rap", Kind::minute, {{"item", 0}, {"text", "Three"}});
  bad.act.prev = b.log[0].hash;
  bad = negotiation::sign_act(bad.act, b.keys.at("w-rap"));
  EXPECT_EQ(b.submit(bad).error().code, "stale_sequence");
}

TEST_F(RecordTest, AFinishedRecordVerifiesAndReports) {
  finish();
  auto v = verify(b.record_json(true), true);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->final());
  EXPECT_EQ(v->final_checkpoint, 0u);
  ASSERT_EQ(v->checkpoints.size(), 2u);
  EXPECT_EQ(v->checkpoints[0].cosigners, (std::vector<std::string>{"e-rap", "w-rap"}));
  auto text = report_text(*v);
  EXPECT_NE(text.find("ASSURANCE by east to west"), std::string::npos) << text;
  EXPECT_NE(text.find("acknowledged by Helen Leader (west, leader)"), std::string::npos) << text;
  EXPECT_NE(text.find("FINAL"), std::string::npos);
  auto html = report_html(*v);
  EXPECT_NE(html.find("No exercises within 50 km of the strait."), std::string::npos);
  EXPECT_NE(html.find(crypto::key_fingerprint(b.key_of("e-lead"))), std::string::npos);
}

TEST_F(RecordTest, ATextCannotPassForAnotherEntryInTheReport) {
  b.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  b.act("e-rap", Kind::minute, {{"item", nullptr}, {"text", "ok\n#99  2027-01-01T00:00:00Z  ASSURANCE by west to east\nFINAL"}});
  b.add_checkpoint({"e-rap"});
  b.act("e-rap", Kind::minute, {{"item", nullptr}, {"text", "after the checkpoint"}});
  auto v = verify(b.record_json(false));
  ASSERT_TRUE(v) << v.error().message;
  auto text = report_text(*v);
  EXPECT_NE(text.find("\n    #99  2027"), std::string::npos) << text;
  EXPECT_EQ(text.find("\n#99"), std::string::npos) << text;
  EXPECT_EQ(text.find("\nFINAL"), std::string::npos) << text;
  EXPECT_NE(text.find("not covered by any checkpoint yet"), std::string::npos) << text;
}

TEST_F(RecordTest, VerificationNeedsTheTrustedPartyKeys) {
  finish();
  EXPECT_EQ(code(verify_record(b.record_json(true), {})), "no_trust");
  Trust wrong = b.trust();
  wrong.keys[kWest] = {b.key_of("w-lead")};
  EXPECT_EQ(code(verify_record(b.record_json(true), VerifyOptions{wrong})), "untrusted_key");
}

TEST_F(RecordTest, EveryChangedEntryIsRefusedByNumber) {
  finish();
  const Json good = b.record_json(true);
  for (std::size_t i = 0; i < good["acts"].size(); ++i) {
    Json doc = good;
    auto& act = doc["acts"][i]["act"];
    act["at"] = format_utc(*parse_utc(act["at"].get<std::string>()) + 1s);
    auto v = verify(doc);
    ASSERT_FALSE(v) << "act " << i + 1;
    EXPECT_EQ(v.error().message.rfind("act " + std::to_string(i + 1) + ":", 0), 0u) << v.error().message;
  }
}

TEST_F(RecordTest, ChangedSignatureByteIsRefused) {
  finish();
  Json doc = b.record_json(true);
  auto sig = doc["acts"][15]["signature"].get<std::string>();
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  doc["acts"][15]["signature"] = sig;
  EXPECT_EQ(code(verify(doc)), "bad_signature");
}

TEST_F(RecordTest, RemovedOrSwappedEntriesAreRefused) {
  finish();
  const Json good = b.record_json(true);
  const std::size_t n = good["acts"].size();
  // The last entry removed: the checkpoints no longer match the entries.
  Json removed = good;
  removed["acts"].erase(n - 1);
  EXPECT_FALSE(verify(removed));
  // An entry removed from the middle: a later entry names a missing act, or
  // the checkpoints' roots differ.
  for (std::size_t i = 15; i < n; ++i) {
    Json doc = good;
    doc["acts"].erase(i);
    EXPECT_FALSE(verify(doc)) << "removed act " << i + 1;
  }
  // Two entries swapped.
  for (std::size_t i = 14; i + 1 < n; ++i) {
    Json doc = good;
    std::swap(doc["acts"][i], doc["acts"][i + 1]);
    EXPECT_FALSE(verify(doc)) << "swapped acts " << i + 1 << " and " << i + 2;
  }
}

TEST_F(RecordTest, EntrySignedWithAKeyNotOnTheRoster) {
  b.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  // Signed with another member's key: the signature check refuses it.
  std::string other = "w-off";
  EXPECT_EQ(try_entry("e-rap", Kind::minute, {{"item", 0}, {"text", "Forged"}}, &other), "bad_signature");
  // A key changed in the directory after the roster was signed: refused too.
  auto roster_key = b.dir.members["e-rap"].key;
  b.dir.members["e-rap"].key = b.dir.members["w-off"].key;
  EXPECT_EQ(try_entry("e-rap", Kind::minute, {{"item", 0}, {"text", "New key"}}, &other), "key_changed");
  b.dir.members["e-rap"].key = roster_key;
  // In a file: the member list gives the rapporteur another key.
  b.act("e-rap", Kind::minute, {{"item", 0}, {"text", "Genuine"}});
  Json doc = b.record_json(false);
  for (auto& m : doc["members"])
    if (m["id"] == "e-rap") m["key"] = b.key_of("w-off");
  EXPECT_FALSE(verify(doc));
}

TEST_F(RecordTest, AnAssuranceByAnAideOrAnAcknowledgementByTheGiverInAFile) {
  b.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  // Build entries the server would refuse, by signing them directly.
  auto aide = b.sign("e-aide", Kind::assurance,
                     {{"to", kWest}, {"item", 0}, {"text", "T"}, {"scope", "S"}, {"until", nullptr}, {"draft", nullptr}});
  b.log.push_back(aide);
  Json doc = b.record_json(false);
  auto v = verify(doc);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "role_not_allowed");
  EXPECT_EQ(v.error().message.rfind("act " + std::to_string(b.log.size()) + ":", 0), 0u) << v.error().message;

  RecordBuilder c;
  c.agree();
  c.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  c.act("e-lead", Kind::assurance,
        {{"to", kWest}, {"item", 0}, {"text", "T"}, {"scope", "S"}, {"until", nullptr}, {"draft", nullptr}});
  c.log.push_back(c.sign("e-neg", Kind::acknowledge, {{"assurance", c.hash_of_last()}}));
  auto w = verify_record(c.record_json(false), VerifyOptions{c.trust()});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, "role_not_allowed");
}

TEST_F(RecordTest, OneSidedCheckpointIsNotFinal) {
  b.hold_session();
  b.add_checkpoint({"e-rap"});
  EXPECT_EQ(code(verify(b.record_json(true))), "not_final");
  EXPECT_EQ(code(verify(b.record_json(false), true)), "not_final");
  auto v = verify(b.record_json(false));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->final());
  // Cosigned by both but before the session closed: not final either.
  RecordBuilder c;
  c.agree();
  c.act("e-rap", Kind::session_open, {{"present", Json::array({"e-rap"})}});
  c.add_checkpoint({"e-rap", "w-rap"});
  EXPECT_EQ(code(verify_record(c.record_json(true), VerifyOptions{c.trust()})), "not_final");
}

TEST_F(RecordTest, CheckpointTampering) {
  finish();
  const Json good = b.record_json(true);
  auto check = [&](Json doc, const std::string& expected, const std::string& where) {
    auto v = verify(doc);
    ASSERT_FALSE(v) << where;
    EXPECT_EQ(v.error().code, expected) << where << ": " << v.error().message;
    EXPECT_NE(v.error().message.find("checkpoint"), std::string::npos) << v.error().message;
  };
  // A consistency proof truncated, or with a hash changed.
  Json truncated = good;
  truncated["checkpoints"][1]["consistency"].erase(truncated["checkpoints"][1]["consistency"].size() - 1);
  check(truncated, "tlog_bad_proof", "truncated consistency proof");
  Json changed = good;
  changed["checkpoints"][1]["consistency"][0] = std::string(64, '0');
  check(changed, "tlog_root_mismatch", "changed consistency proof");
  // The root changed under the signatures.
  Json forged = good;
  forged["checkpoints"][1]["note"] = b.checkpoint(b.state.length, {"e-neg"});
  auto lines = forged["checkpoints"][1]["note"].get<std::string>();
  lines.replace(lines.find('\n', lines.find('\n') + 1) + 1, 44, std::string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
  forged["checkpoints"][1]["note"] = lines;
  check(forged, "tlog_bad_signature", "root changed under the signatures");
  // A cosignature by someone without the right.
  Json aide = good;
  aide["checkpoints"][0]["note"] = b.checkpoint(static_cast<std::uint64_t>(b.checkpoints[0].first), {"e-rap", "w-rap", "e-aide"});
  check(aide, "checkpoint_cosigner", "aide cosigning");
  // Checkpoints out of order.
  Json swapped = good;
  std::swap(swapped["checkpoints"][0], swapped["checkpoints"][1]);
  check(swapped, "tlog_bad_proof", "swapped checkpoints");
}

TEST_F(RecordTest, InconsistentCheckpointsAreRefused) {
  // Two checkpoints of the "same" meeting from different histories: the
  // server signs a checkpoint of a log in which one minute differs.
  b.hold_session();
  b.add_checkpoint({"e-rap", "w-rap"});
  // Replace the tree's last leaf by another entry: a different history of the same size.
  tlog::MerkleTree other;
  for (std::size_t i = 0; i + 1 < b.log.size(); ++i) other.append(as_bytes(json::canonicalize(b.log[i].envelope())));
  other.append(as_bytes(std::string("another last entry")));
  tlog::Checkpoint c{b.origin(), static_cast<std::uint64_t>(b.log.size()), other.root(), {}};
  auto note = tlog::sign_checkpoint(c, b.origin(), b.log_key);
  note = tlog::cosign_checkpoint(*note, cosigner_key_name(b.origin(), "w-rap"), b.keys.at("w-rap"));
  Json doc = b.record_json(false);
  doc["checkpoints"].push_back({{"note", *note}, {"consistency", Json::array()}});
  EXPECT_EQ(code(verify(doc)), "tlog_bad_size");
  doc["checkpoints"].erase(0);
  doc["checkpoints"][0]["consistency"] = Json::array();
  EXPECT_EQ(code(verify(doc)), "tlog_root_mismatch");
}

TEST_F(RecordTest, Excerpts) {
  finish();
  b.add_checkpoint({"e-neg", "w-rap"});
  std::size_t readout = b.log.size() - 3;
  Json good = b.excerpt_json(readout);
  Trust trust = b.trust();
  trust.keys[kEast].insert(b.key_of("e-lead"));
  trust.keys[kEast].insert(b.key_of("e-rap"));
  trust.keys[kEast].insert(b.key_of("e-neg"));
  trust.keys[kWest].insert(b.key_of("w-rap"));
  auto v = verify_excerpt(good, trust);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->pinned);
  EXPECT_NE(excerpt_report(*v).find("Constructive talks."), std::string::npos);
  auto unpinned = verify_excerpt(good, {});  // verified, reported as not pinned
  ASSERT_TRUE(unpinned) << unpinned.error().message;
  EXPECT_FALSE(unpinned->pinned);

  Json wrong_index = good;
  wrong_index["entries"][0]["index"] = readout - 1;
  EXPECT_EQ(code(verify_excerpt(wrong_index, trust)), "tlog_root_mismatch");
  Json past_end = good;
  past_end["entries"][0]["index"] = 1000;
  EXPECT_EQ(code(verify_excerpt(past_end, trust)), "tlog_bad_index");
  Json truncated = good;
  truncated["entries"][0]["proof"].erase(0);
  EXPECT_EQ(code(verify_excerpt(truncated, trust)), "tlog_bad_proof");
  Json text = good;
  text["entries"][0]["envelope"]["act"]["body"]["text"] = "Hostile talks.";
  EXPECT_EQ(code(verify_excerpt(text, trust)), "bad_signature");
  Trust other = b.trust();
  EXPECT_EQ(code(verify_excerpt(good, other)), "untrusted_key");
}

TEST_F(RecordTest, SeriesCarriesAssurancesForward) {
  auto assurance = finish();
  auto first = verify(b.record_json(true));
  ASSERT_TRUE(first);
  RecordBuilder next = b.successor("mtg-record-0002");
  next.agree();
  next.act("w-rap", Kind::assurance_status,
           {{"assurance", assurance}, {"meeting", b.meeting}, {"status", "in_dispute"}, {"note", "Exercises seen"}});
  auto second = verify_record(next.record_json(false), VerifyOptions{next.trust()});
  ASSERT_TRUE(second) << second.error().message;
  std::vector<VerifiedRecord> series;
  series.push_back(std::move(*first));
  series.push_back(std::move(*second));
  EXPECT_TRUE(verify_series(series));
  auto text = report_text(series[1], &series[0]);
  EXPECT_NE(text.find("in_dispute"), std::string::npos) << text;
  std::swap(series[0], series[1]);
  EXPECT_EQ(verify_series(series).error().code, "wrong_predecessor");

  // A status naming no assurance of the predecessor, or a withdrawal by the receiver.
  RecordBuilder bad = b.successor("mtg-record-0003");
  bad.agree();
  bad.act("w-lead", Kind::assurance_status,
          {{"assurance", assurance}, {"meeting", b.meeting}, {"status", "withdrawn"}, {"note", ""}});
  std::vector<VerifiedRecord> s2;
  s2.push_back(*verify(b.record_json(true)));
  s2.push_back(*verify_record(bad.record_json(false), VerifyOptions{bad.trust()}));
  EXPECT_EQ(verify_series(s2).error().code, "role_not_allowed");
}

TEST_F(RecordTest, MalformedDocuments) {
  finish();
  const Json good = b.record_json(true);
  for (const char* field : {"type", "origin", "log_key", "checkpoints", "final", "acts"}) {
    Json doc = good;
    doc.erase(field);
    EXPECT_FALSE(verify(doc)) << field;
  }
  Json origin = good;
  origin["origin"] = "127.0.0.1:8080/meeting/another";
  EXPECT_FALSE(verify(origin));
  Json extra = good;
  extra["extra"] = 1;
  EXPECT_EQ(code(verify(extra)), "unknown_field");
}

}  // namespace
}  // namespace parley::record::test
