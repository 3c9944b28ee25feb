#include "negotiation/meeting.h"

#include <gtest/gtest.h>

#include <functional>

#include "crypto/hash.h"
#include "negotiation/fixture.h"

namespace parley::negotiation::test {
namespace {

using MeetingTest = NegotiationTest;

// --- create ------------------------------------------------------------------

TEST_F(MeetingTest, CreateRecordsPartiesAndOpeningProposals) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(state.id, meeting);
  EXPECT_EQ(state.parties[0], kAtlantis);
  EXPECT_EQ(state.parties[1], kLemuria);
  EXPECT_EQ(state.created_by, "m-alice");
  EXPECT_EQ(state.created_at, log[0].act.at);
  EXPECT_EQ(state.length, 1);
  EXPECT_EQ(state.head, log[0].hash);
  ASSERT_EQ(state.params.size(), 4u);
  for (const auto& [name, p] : state.params) {
    EXPECT_EQ(p.rev(), 1) << name;
    EXPECT_EQ(p.current().party, kAtlantis) << name;
    EXPECT_EQ(p.current().member, "m-alice") << name;
    EXPECT_EQ(p.current().seq, 1) << name;
    // Proposing implies accepting your own proposal; the other side has not.
    EXPECT_EQ(p.accepted_by, std::set<std::string>{kAtlantis}) << name;
    EXPECT_FALSE(p.agreed()) << name;
  }
  EXPECT_EQ(state.params.at("duration_minutes").current().value, 90);
  EXPECT_FALSE(state.terms());
  EXPECT_EQ(state.terms_hash(), "");
  EXPECT_EQ(state.status(clock), MeetingStatus::negotiating);
  EXPECT_EQ(status_name(state.status(clock)), "negotiating");
}

TEST_F(MeetingTest, CreateNeedsATitle) {
  auto props = opening_proposals();
  props.erase("title");
  EXPECT_EQ(code(create("m-alice", kLemuria, props)), "missing_field");
  EXPECT_EQ(code(create("m-alice", kLemuria, {{"title", "Only a title"}})), "ok");
}

TEST_F(MeetingTest, CreateRefusesBadCounterparty) {
  EXPECT_EQ(code(create("m-alice", kAtlantis, opening_proposals())), "invalid_field");
  EXPECT_EQ(code(create("m-alice", "atlantis-2", opening_proposals())), "unknown_party");
  EXPECT_EQ(code(submit(make("m-alice", Kind::create,
                             {{"counterparty", 7}, {"proposals", opening_proposals()}}))),
            "invalid_field");
}

TEST_F(MeetingTest, CreateValidatesEachOpeningProposal) {
  auto props = opening_proposals();
  props["duration_minutes"] = 4;
  EXPECT_EQ(code(create("m-alice", kLemuria, props)), "invalid_duration_minutes");
  props = opening_proposals();
  props["colour"] = "blue";
  EXPECT_EQ(code(create("m-alice", kLemuria, props)), "unknown_parameter");
  EXPECT_EQ(code(create("m-alice", kLemuria, Json::array({"title"}))), "invalid_field");
  EXPECT_EQ(state.length, 0);
}

TEST_F(MeetingTest, CreateRefusesUnknownBodyFields) {
  EXPECT_EQ(code(submit(make(
                "m-alice", Kind::create,
                {{"counterparty", kLemuria}, {"proposals", opening_proposals()}, {"note", "hi"}}))),
            "unknown_field");
  EXPECT_EQ(code(submit(make("m-alice", Kind::create, {{"counterparty", kLemuria}}))),
            "missing_field");
}

TEST_F(MeetingTest, CreateRefusesBadMeetingIds) {
  for (const char* id : {"short", "meet 0001", "meet/0001", "meet.0001",
                         "m\xc3\xa9"
                         "et-0001"}) {
    meeting = id;
    EXPECT_EQ(code(create()), "invalid_field") << id;
  }
  meeting = std::string(64, 'x');
  EXPECT_EQ(code(create()), "ok");
}

TEST_F(MeetingTest, CreateOnlyOnce) {
  ASSERT_EQ(code(create()), "ok");
  // A second create, even chained correctly, cannot reset the meeting.
  EXPECT_EQ(code(create()), "meeting_exists");
}

TEST_F(MeetingTest, CreateMustBuildOnNothing) {
  Act a;
  a.meeting = meeting;
  a.base = 1;
  a.prev = std::string(64, '0');
  a.kind = Kind::create;
  a.body = {{"counterparty", kLemuria}, {"proposals", opening_proposals()}};
  a.author = "m-alice";
  a.at = clock;
  EXPECT_EQ(code(submit(sign_act(a, keys.at("m-alice")))), "invalid_field");
}

// --- propose / accept --------------------------------------------------------

TEST_F(MeetingTest, CounterProposalStartsANewRevision) {
  ASSERT_EQ(code(create()), "ok");
  ASSERT_EQ(code(propose("m-bob", "duration_minutes", 120)), "ok");
  const auto& d = state.params.at("duration_minutes");
  ASSERT_EQ(d.rev(), 2);
  EXPECT_EQ(d.history[0].value, 90);  // the history is kept
  EXPECT_EQ(d.current().value, 120);
  EXPECT_EQ(d.current().party, kLemuria);
  EXPECT_EQ(d.current().rev, 2);
  EXPECT_EQ(d.current().seq, 2);
  EXPECT_EQ(d.accepted_by, std::set<std::string>{kLemuria});
}

TEST_F(MeetingTest, AcceptAtStaleRevisionRefused) {
  ASSERT_EQ(code(create()), "ok");
  ASSERT_EQ(code(propose("m-bob", "duration_minutes", 120)), "ok");
  EXPECT_EQ(code(accept("m-alice", "duration_minutes", 1)), "stale_revision");
  EXPECT_EQ(code(accept("m-alice", "duration_minutes", 3)), "stale_revision");
  EXPECT_EQ(code(accept("m-alice", "duration_minutes", 0)), "stale_revision");
  ASSERT_EQ(code(accept("m-alice", "duration_minutes", 2)), "ok");
  EXPECT_TRUE(state.params.at("duration_minutes").agreed());
}

TEST_F(MeetingTest, AcceptTwiceOrOwnProposalRefused) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(accept("m-alice", "title", 1)), "already_accepted");
  ASSERT_EQ(code(accept("m-bob", "title", 1)), "ok");
  EXPECT_EQ(code(accept("m-bob", "title", 1)), "already_accepted");
}

TEST_F(MeetingTest, AcceptNeedsAProposalAndWellFormedBody) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(accept("m-bob", "agenda", 1)), "nothing_to_accept");
  EXPECT_EQ(code(submit(make("m-bob", Kind::accept, {{"param", "title"}, {"rev", "1"}}))),
            "invalid_field");
  EXPECT_EQ(code(submit(make("m-bob", Kind::accept, {{"param", "title"}}))), "missing_field");
  EXPECT_EQ(code(submit(make("m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}, {"x", 1}}))),
            "unknown_field");
}

TEST_F(MeetingTest, ProposeRefusesUnchangedUnknownOrInvalidValues) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(propose("m-bob", "duration_minutes", 90)), "unchanged_value");
  EXPECT_EQ(code(propose("m-bob", "colour", "blue")), "unknown_parameter");
  EXPECT_EQ(code(propose("m-bob", "format", "in_person")), "invalid_format");
  EXPECT_EQ(code(submit(make("m-bob", Kind::propose, {{"param", 1}, {"value", 1}}))),
            "invalid_field");
  EXPECT_EQ(code(submit(make("m-bob", Kind::propose, {{"param", "title"}}))), "missing_field");
  EXPECT_EQ(state.length, 1);  // nothing was applied
}

TEST_F(MeetingTest, ReproposingTheOriginalValueIsANewRevision) {
  ASSERT_EQ(code(create()), "ok");
  ASSERT_EQ(code(propose("m-bob", "duration_minutes", 120)), "ok");
  ASSERT_EQ(code(propose("m-alice", "duration_minutes", 90)), "ok");
  EXPECT_EQ(state.params.at("duration_minutes").rev(), 3);
  EXPECT_EQ(state.params.at("duration_minutes").accepted_by, std::set<std::string>{kAtlantis});
}

// --- sign / agree / announce ---------------------------------------------------

TEST_F(MeetingTest, AllNineParametersAgreedGiveTheTermsDocument) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  EXPECT_EQ(state.params.size(), kParameters.size());
  auto terms = state.terms();
  ASSERT_TRUE(terms);
  EXPECT_EQ((*terms)["type"], kTermsType);
  EXPECT_EQ((*terms)["meeting"], meeting);
  EXPECT_EQ((*terms)["parties"], Json::array({kAtlantis, kLemuria}));
  auto expected = full_terms();
  for (const auto& [name, value] : expected.items()) EXPECT_EQ((*terms)[name], value) << name;
  EXPECT_EQ(terms->size(), kParameters.size() + 3);
  EXPECT_EQ(state.terms_hash(), crypto::sha256_hex(json::canonicalize(*terms)));
  EXPECT_EQ(state.status(clock), MeetingStatus::negotiating);  // agreed on terms, not signed
}

TEST_F(MeetingTest, SignBeforeEverythingIsAgreedRefused) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(sign("m-alice", std::string(64, 'a'))), "not_agreed");
  auto terms = full_terms();
  for (const auto& [name, value] : terms.items()) {
    if (!state.params.count(name)) {
      ASSERT_EQ(code(propose("m-alice", name, value)), "ok") << name;
    }
  }
  // Every parameter proposed, none accepted by Lemuria yet.
  EXPECT_EQ(code(sign("m-alice")), "not_agreed");
}

TEST_F(MeetingTest, BothSignaturesMakeTheMeetingAgreed) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  auto hash = state.terms_hash();
  EXPECT_EQ(code(sign("m-alice", std::string(64, '0'))), "terms_hash_mismatch");
  EXPECT_EQ(code(submit(make("m-alice", Kind::sign, {{"terms_hash", 1}}))), "terms_hash_mismatch");
  ASSERT_EQ(code(sign("m-alice")), "ok");
  EXPECT_EQ(state.signatures.size(), 1u);
  EXPECT_EQ(state.signatures.at(kAtlantis).member, "m-alice");
  EXPECT_EQ(state.signatures.at(kAtlantis).terms_hash, hash);
  EXPECT_FALSE(state.agreed_at);
  EXPECT_EQ(state.status(clock), MeetingStatus::negotiating);

  EXPECT_EQ(code(sign("m-arthur")), "already_signed");  // one signature per party

  ASSERT_EQ(code(sign("m-bob")), "ok");
  ASSERT_TRUE(state.agreed_at);
  EXPECT_EQ(*state.agreed_at, log.back().act.at);
  EXPECT_EQ(state.signatures.size(), 2u);
}

TEST_F(MeetingTest, OnAgreementAnnouncementPublishesAtAgreement) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  ASSERT_EQ(code(sign("m-alice")), "ok");
  ASSERT_EQ(code(sign("m-bob")), "ok");
  auto agreed = *state.agreed_at;
  EXPECT_EQ(state.announce_at(), agreed);
  EXPECT_EQ(state.status(agreed - 1s), MeetingStatus::agreed);
  EXPECT_EQ(state.status(agreed), MeetingStatus::announced);
  EXPECT_EQ(status_name(state.status(agreed)), "announced");

  // After the announcement only withdrawal is possible.
  EXPECT_EQ(code(propose("m-bob", "title", "A new title")), "meeting_announced");
  EXPECT_EQ(code(accept("m-bob", "title", 1)), "meeting_announced");
  EXPECT_EQ(code(sign("m-bob")), "meeting_announced");
  ASSERT_EQ(code(withdraw("m-bob", "Our minister is unavailable.")), "ok");
  ASSERT_TRUE(state.withdrawal);
  EXPECT_TRUE(state.withdrawal->after_announcement);
  EXPECT_EQ(state.withdrawal->party, kLemuria);
  EXPECT_EQ(state.status(clock), MeetingStatus::withdrawn);
  EXPECT_TRUE(state.announced_by(Seconds{}));  // it was announced, whatever the clock says
}

TEST_F(MeetingTest, AnnouncementAtAFutureInstant) {
  auto terms = full_terms();
  terms["announcement"]["publish"] = "2026-01-20T09:00:00Z";
  ASSERT_NO_FATAL_FAILURE(agree_everything(terms));
  ASSERT_EQ(code(sign("m-alice")), "ok");
  ASSERT_EQ(code(sign("m-bob")), "ok");
  auto publish = utc("2026-01-20T09:00:00Z");
  EXPECT_EQ(state.announce_at(), publish);
  EXPECT_EQ(state.status(clock), MeetingStatus::agreed);
  EXPECT_EQ(state.status(publish - 1s), MeetingStatus::agreed);
  EXPECT_EQ(state.status(publish), MeetingStatus::announced);

  // Before the moment the terms can still change; that undoes the agreement.
  ASSERT_EQ(code(propose("m-bob", "duration_minutes", 60)), "ok");
  EXPECT_TRUE(state.signatures.empty());
  EXPECT_FALSE(state.agreed_at);
  EXPECT_FALSE(state.announce_at());
  EXPECT_EQ(state.status(publish), MeetingStatus::negotiating);

  // Agree again and let the moment pass: judged at each act's own time.
  ASSERT_EQ(code(accept_current("m-alice", "duration_minutes")), "ok");
  ASSERT_EQ(code(sign("m-alice")), "ok");
  ASSERT_EQ(code(sign("m-bob")), "ok");
  clock = publish;
  EXPECT_EQ(code(propose("m-bob", "duration_minutes", 45)), "meeting_announced");
  ASSERT_EQ(code(withdraw("m-alice", "Changed our minds")), "ok");
  EXPECT_TRUE(state.withdrawal->after_announcement);
}

TEST_F(MeetingTest, AnnouncementNeverPrecedesAgreement) {
  // A publish instant already past when the terms are signed means "at agreement".
  auto terms = full_terms();
  terms["announcement"]["publish"] = "2026-01-11T00:00:00Z";
  ASSERT_NO_FATAL_FAILURE(agree_everything(terms));
  clock = utc("2026-01-12T00:00:00Z");
  ASSERT_EQ(code(sign("m-alice")), "ok");
  EXPECT_EQ(state.status(clock), MeetingStatus::negotiating);
  ASSERT_EQ(code(sign("m-bob")), "ok");
  EXPECT_EQ(state.announce_at(), state.agreed_at);
  EXPECT_EQ(state.status(*state.agreed_at), MeetingStatus::announced);
}

TEST_F(MeetingTest, ProposalAfterASignatureVoidsSignatures) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  auto old_hash = state.terms_hash();
  ASSERT_EQ(code(sign("m-alice")), "ok");
  ASSERT_EQ(code(propose("m-bob", "title", "Fishing rights, second round")), "ok");
  EXPECT_TRUE(state.signatures.empty());
  EXPECT_FALSE(state.all_agreed());
  ASSERT_EQ(code(accept_current("m-alice", "title")), "ok");
  ASSERT_TRUE(state.all_agreed());
  EXPECT_NE(state.terms_hash(), old_hash);
  // Bob cannot complete the agreement on the old terms with Alice's void signature.
  EXPECT_EQ(code(sign("m-bob", old_hash)), "terms_hash_mismatch");
  ASSERT_EQ(code(sign("m-bob")), "ok");
  EXPECT_FALSE(state.agreed_at);  // Alice must sign again
  ASSERT_EQ(code(sign("m-alice")), "ok");
  EXPECT_TRUE(state.agreed_at);
}

TEST_F(MeetingTest, SignChecksThatTheTermsAreConsistent) {
  auto terms = full_terms();
  // Ivan interprets, but the roster does not list him.
  terms["roster"] =
      Json::array({roster_entry("m-alice", "negotiator"), roster_entry("m-bob", "negotiator")});
  ASSERT_NO_FATAL_FAILURE(agree_everything(terms));
  EXPECT_EQ(code(sign("m-alice")), "inconsistent_terms");
}

TEST_F(MeetingTest, SignRefusesAnnouncementAfterTheStart) {
  auto terms = full_terms();
  terms["announcement"]["publish"] = "2026-02-01T15:00:01Z";
  ASSERT_NO_FATAL_FAILURE(agree_everything(terms));
  EXPECT_EQ(code(sign("m-alice")), "inconsistent_terms");
}

TEST_F(MeetingTest, SignRefusesAStartThatHasPassed) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  clock = utc("2026-02-01T15:00:00Z");
  EXPECT_EQ(code(sign("m-alice")), "inconsistent_terms");
}

// --- withdraw ------------------------------------------------------------------

TEST_F(MeetingTest, WithdrawalEndsTheNegotiation) {
  ASSERT_EQ(code(create()), "ok");
  ASSERT_EQ(code(withdraw("m-bob", "We see no basis for talks.\n\tRegards")), "ok");
  ASSERT_TRUE(state.withdrawal);
  EXPECT_EQ(state.withdrawal->party, kLemuria);
  EXPECT_EQ(state.withdrawal->member, "m-bob");
  EXPECT_FALSE(state.withdrawal->after_announcement);
  EXPECT_EQ(state.status(clock), MeetingStatus::withdrawn);
  EXPECT_EQ(status_name(state.status(clock)), "withdrawn");

  EXPECT_EQ(code(accept("m-bob", "title", 1)), "meeting_withdrawn");
  EXPECT_EQ(code(propose("m-alice", "title", "Please reconsider")), "meeting_withdrawn");
  EXPECT_EQ(code(withdraw("m-alice", "Fine")), "meeting_withdrawn");
  EXPECT_EQ(code(sign("m-alice", std::string(64, 'a'))), "meeting_withdrawn");
  EXPECT_EQ(state.length, 2);
}

TEST_F(MeetingTest, WithdrawalNeedsACleanReason) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(withdraw("m-bob", "")), "invalid_field");
  EXPECT_EQ(code(withdraw("m-bob", "bell\x07")), "invalid_field");
  EXPECT_EQ(code(withdraw("m-bob", std::string(2001, 'x'))), "invalid_field");
  EXPECT_EQ(code(submit(make("m-bob", Kind::withdraw, Json::object()))), "missing_field");
  EXPECT_EQ(code(withdraw("m-bob", std::string(2000, 'x'))), "ok");
}

// --- who may act -----------------------------------------------------------------

TEST_F(MeetingTest, OnlyNegotiatorsMayAct) {
  EXPECT_EQ(code(create("m-anna", kLemuria, opening_proposals())), "role_not_allowed");
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(propose("m-anna", "title", "Leader's title")), "role_not_allowed");  // leader
  EXPECT_EQ(code(accept("m-ivan", "title", 1)), "role_not_allowed");                  // interpreter
  EXPECT_EQ(code(accept("m-olga", "title", 1)), "role_not_allowed");                  // observer
  EXPECT_EQ(code(withdraw("m-olga", "I object")), "role_not_allowed");
  // A leader who is also a negotiator may.
  EXPECT_EQ(code(propose("m-arthur", "title", "Arthur's title")), "ok");
}

TEST_F(MeetingTest, AThirdPartyMayNotAct) {
  ASSERT_EQ(code(create()), "ok");
  EXPECT_EQ(code(accept("m-mike", "title", 1)), "not_a_party");
  EXPECT_EQ(code(propose("m-mike", "title", "Mu's title")), "not_a_party");
  EXPECT_EQ(code(withdraw("m-mike", "Mu objects")), "not_a_party");
  EXPECT_EQ(state.length, 1);
}

TEST_F(MeetingTest, UnknownAuthorRefused) {
  ASSERT_EQ(code(create()), "ok");
  keys.emplace("m-ghost", crypto::SecretKey::generate());
  auto sa = make("m-ghost", Kind::accept, {{"param", "title"}, {"rev", 1}});
  EXPECT_EQ(code(verify_act_signature(sa, dir)), "unknown_author");
  EXPECT_EQ(code(check_act(state, sa, dir)), "unknown_author");
}

// --- chaining and replay -------------------------------------------------------------

TEST_F(MeetingTest, StaleBaseRefused) {
  ASSERT_EQ(code(create()), "ok");
  auto bobs = make("m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}});
  auto alices = make("m-alice", Kind::propose, {{"param", "duration_minutes"}, {"value", 60}});
  ASSERT_EQ(code(submit(alices)), "ok");
  // Bob signed at base 1; the meeting moved on to 2 meanwhile.
  EXPECT_EQ(code(submit(bobs)), "stale_sequence");
  // Replaying an applied act at a later position is the same refusal.
  EXPECT_EQ(code(submit(alices)), "stale_sequence");
  EXPECT_EQ(code(submit(log[0])), "meeting_exists");
}

TEST_F(MeetingTest, BaseAheadOrWrongPrevRefused) {
  ASSERT_EQ(code(create()), "ok");
  ASSERT_EQ(code(accept("m-bob", "title", 1)), "ok");
  auto forge = [&](std::int64_t base, std::string prev) {
    clock += 1min;
    Act a;
    a.meeting = meeting;
    a.base = base;
    a.prev = std::move(prev);
    a.kind = Kind::accept;
    a.body = {{"param", "format"}, {"rev", 1}};
    a.author = "m-bob";
    a.at = clock;
    return sign_act(a, keys.at("m-bob"));
  };
  EXPECT_EQ(code(submit(forge(3, state.head))), "stale_sequence");
  EXPECT_EQ(code(submit(forge(2, log[0].hash))), "stale_sequence");  // a fork after act 1
  EXPECT_EQ(code(submit(forge(2, std::string(64, 'f')))), "stale_sequence");
  EXPECT_EQ(code(submit(forge(1, log[0].hash))), "stale_sequence");
  EXPECT_EQ(code(submit(forge(2, state.head))), "ok");
}

// Re-parses an envelope after `edit` changed its act, as a server would see it.
SignedAct reparse(const SignedAct& sa, const std::function<void(Json&)>& edit) {
  Json env = sa.envelope();
  edit(env["act"]);
  auto again = json::parse_strict(json::canonicalize(env));
  EXPECT_TRUE(again);
  auto parsed = parse_signed_act(*again);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return std::move(parsed).value();
}

TEST_F(MeetingTest, SignatureCannotBeReplayedOntoAnotherMeeting) {
  ASSERT_EQ(code(create()), "ok");
  auto original = make("m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}});
  ASSERT_EQ(code(verify_act_signature(original, dir)), "ok");

  // A second meeting between the same parties, at the same position.
  MeetingState first = state;
  state = MeetingState{};
  meeting = "meet-0002";
  ASSERT_EQ(code(create()), "ok");
  MeetingState other = state;
  state = first;
  meeting = "meet-0001";

  // Unchanged, the act names its own meeting.
  EXPECT_EQ(code(check_act(other, original, dir)), "wrong_meeting");
  // Re-targeted to the other meeting and its chain, the signature no longer holds.
  auto moved = reparse(original, [&](Json& act) {
    act["meeting"] = other.id;
    act["prev"] = other.head;
    act["at"] = format_utc(other.last_at);  // not before the other meeting's last act
  });
  EXPECT_EQ(code(check_act(other, moved, dir)), "ok");  // the rules alone would pass it
  EXPECT_EQ(code(verify_act_signature(moved, dir)), "bad_signature");
}

TEST_F(MeetingTest, SignatureCannotBeReplayedOntoAnotherPosition) {
  ASSERT_EQ(code(create()), "ok");
  auto original = make("m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}});
  ASSERT_EQ(code(propose("m-alice", "duration_minutes", 60)), "ok");
  ASSERT_EQ(code(submit(original)), "stale_sequence");
  auto moved = reparse(original, [&](Json& act) {
    act["base"] = state.length;
    act["prev"] = state.head;
    act["at"] = format_utc(state.last_at);
  });
  EXPECT_EQ(code(check_act(state, moved, dir)), "ok");
  EXPECT_EQ(code(verify_act_signature(moved, dir)), "bad_signature");
  EXPECT_EQ(code(submit(moved)), "bad_signature");
}

TEST_F(MeetingTest, SignatureCoversEveryField) {
  ASSERT_EQ(code(create()), "ok");
  auto original = make("m-bob", Kind::propose, {{"param", "duration_minutes"}, {"value", 60}});
  ASSERT_EQ(code(verify_act_signature(original, dir)), "ok");
  const std::vector<std::function<void(Json&)>> edits = {
      [](Json& a) { a["body"]["value"] = 61; },
      [](Json& a) { a["kind"] = "withdraw"; },
      [](Json& a) { a["author"] = "m-alice"; },
      [](Json& a) { a["at"] = "2026-01-10T12:30:00Z"; },
  };
  for (std::size_t i = 0; i < edits.size(); ++i)
    EXPECT_EQ(code(verify_act_signature(reparse(original, edits[i]), dir)), "bad_signature") << i;
}

TEST_F(MeetingTest, ActSignedWithAnotherMembersKeyRefused) {
  ASSERT_EQ(code(create()), "ok");
  clock += 1min;
  Act a;
  a.meeting = meeting;
  a.base = state.length;
  a.prev = state.head;
  a.kind = Kind::accept;
  a.body = {{"param", "title"}, {"rev", 1}};
  a.author = "m-bob";
  a.at = clock;
  EXPECT_EQ(code(submit(sign_act(a, keys.at("m-alice")))), "bad_signature");
  EXPECT_EQ(code(submit(sign_act(a, keys.at("m-bob")))), "ok");
}

// A negotiator must not date a proposal before the announcement moment (within
// the server's clock-skew allowance, or without limit in an offline replay)
// to change announced terms: acts may not go back in time.
TEST_F(MeetingTest, BackdatedProposalAfterAnnouncementRefused) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  ASSERT_EQ(code(sign("m-alice")), "ok");
  ASSERT_EQ(code(sign("m-bob")), "ok");
  ASSERT_EQ(state.status(clock), MeetingStatus::announced);
  clock = state.created_at;  // the next act claims to be from the start of the talks
  EXPECT_EQ(code(propose("m-bob", "title", "Something else entirely")), "time_out_of_order");
  EXPECT_TRUE(state.agreed_at);
}

}  // namespace
}  // namespace parley::negotiation::test
