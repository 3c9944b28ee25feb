#include "negotiation/log_verifier.h"

#include <gtest/gtest.h>

#include "negotiation/fixture.h"

namespace parley::negotiation::test {
namespace {

class LogVerifierTest : public NegotiationTest {
 protected:
  // A whole negotiation: opening, a counter-proposal, agreement, signatures.
  void negotiate() {
    ASSERT_EQ(code(create()), "ok");                                   // act 1
    ASSERT_EQ(code(propose("m-bob", "duration_minutes", 120)), "ok");  // act 2
    ASSERT_EQ(code(accept_current("m-alice", "duration_minutes")), "ok");
    auto terms = full_terms();
    for (const auto& [name, value] : terms.items()) {
      if (!state.params.count(name)) {
        ASSERT_EQ(code(propose("m-alice", name, value)), "ok") << name;
      }
    }
    for (const auto& [name, p] : state.params) {
      if (!p.agreed()) {
        ASSERT_EQ(code(accept_current("m-bob", name)), "ok") << name;
      }
    }
    ASSERT_EQ(code(sign("m-alice")), "ok");
    ASSERT_EQ(code(sign("m-bob")), "ok");
  }

  // The error of verify_export, or "ok"; `message` receives its message.
  std::string verify_code(const Json& x, std::string* message = nullptr) {
    auto v = verify_export(x);
    if (message) *message = v ? "" : v.error().message;
    return code(v);
  }
};

TEST_F(LogVerifierTest, ExportedLogVerifiesOffline) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto v = verify_export(export_json());
  ASSERT_TRUE(v) << v.error().code << ": " << v.error().message;
  EXPECT_EQ(v->meeting, meeting);
  EXPECT_EQ(v->acts.size(), log.size());
  EXPECT_EQ(v->state.length, state.length);
  EXPECT_EQ(v->state.head, state.head);
  EXPECT_EQ(v->state.terms_hash(), state.terms_hash());
  EXPECT_EQ(v->state.agreed_at, state.agreed_at);
  EXPECT_EQ(v->state.status(clock), MeetingStatus::announced);
  EXPECT_EQ(v->state.signatures.size(), 2u);
  EXPECT_EQ(v->directory.members.size(), dir.members.size());
  EXPECT_EQ(v->parties, export_json()["parties"]);
  for (std::size_t i = 0; i < log.size(); ++i) EXPECT_EQ(v->acts[i].hash, log[i].hash) << i;
}

TEST_F(LogVerifierTest, ExportSurvivesItsTextForm) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto text = json::canonicalize(export_json());
  auto parsed = json::parse_strict(text);
  ASSERT_TRUE(parsed);
  auto v = verify_export(*parsed);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->state.head, state.head);
  // Pretty-printed is fine too: acts are verified on their canonical form.
  auto pretty = json::parse_strict(export_json().dump(2));
  ASSERT_TRUE(pretty);
  EXPECT_EQ(verify_code(*pretty), "ok");
}

TEST_F(LogVerifierTest, WithdrawnMeetingVerifies) {
  ASSERT_EQ(code(create()), "ok");
  ASSERT_EQ(code(withdraw("m-bob", "No.")), "ok");
  auto v = verify_export(export_json());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->state.status(clock), MeetingStatus::withdrawn);
  EXPECT_EQ(v->state.withdrawal->reason, "No.");
}

TEST_F(LogVerifierTest, TamperedBodyFailsNamingTheAct) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  ASSERT_EQ(x["acts"][1]["act"]["body"]["param"], "duration_minutes");
  x["acts"][1]["act"]["body"]["value"] = 60;  // Bob proposed 120, not 60
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "bad_signature");
  EXPECT_EQ(message.rfind("act 2: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, TamperedLastActFailsNamingIt) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  auto n = x["acts"].size();
  x["acts"][n - 1]["act"]["at"] = "2026-01-10T12:00:00Z";
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "bad_signature");
  EXPECT_EQ(message.rfind("act " + std::to_string(n) + ": ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, TamperedSignatureFails) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  x["acts"][2]["signature"] = x["acts"][3]["signature"];
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "bad_signature");
  EXPECT_EQ(message.rfind("act 3: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, SubstitutedMemberKeyFails) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  for (auto& m : x["members"])
    if (m["id"] == "m-bob") m["key"] = crypto::encode(crypto::SecretKey::generate().public_key());
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "bad_signature");
  EXPECT_EQ(message.rfind("act 2: ", 0), 0u) << message;  // Bob's first act
}

TEST_F(LogVerifierTest, DroppedActBreaksTheChain) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  x["acts"].erase(2);  // the server hides Alice's acceptance
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "stale_sequence");
  EXPECT_EQ(message.rfind("act 3: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, ReorderedActsBreakTheChain) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  std::swap(x["acts"][3], x["acts"][4]);
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "stale_sequence");
  EXPECT_EQ(message.rfind("act 4: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, TruncatedLogStillVerifiesAsAPrefix) {
  // Each prefix of a log is itself a valid history; what it proves is less.
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  x["acts"].erase(x["acts"].size() - 1);
  auto v = verify_export(x);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->state.status(clock), MeetingStatus::negotiating);
  EXPECT_EQ(v->state.signatures.size(), 1u);
}

TEST_F(LogVerifierTest, ActOfAnotherMeetingRefused) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  x["meeting"] = "meet-9999";
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "wrong_meeting");
  EXPECT_EQ(message.rfind("act 1: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, FirstActMustBeCreate) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  x["acts"].erase(0);
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "invalid_field");
  EXPECT_EQ(message.rfind("act 1: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, ActByUnlistedMemberRefused) {
  ASSERT_NO_FATAL_FAILURE(negotiate());
  auto x = export_json();
  Json members = Json::array();
  for (const auto& m : x["members"])
    if (m["id"] != "m-bob") members.push_back(m);
  x["members"] = members;
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "unknown_author");
  EXPECT_EQ(message.rfind("act 2: ", 0), 0u) << message;
}

TEST_F(LogVerifierTest, MalformedExportsRefused) {
  ASSERT_EQ(code(create()), "ok");
  auto good = export_json();
  EXPECT_EQ(verify_code(good), "ok");

  auto x = good;
  x["type"] = "parley.export/2";
  EXPECT_EQ(verify_code(x), "invalid_field");
  x = good;
  x["acts"] = Json::array();
  EXPECT_EQ(verify_code(x), "invalid_field");
  x = good;
  x["acts"] = Json::object();
  EXPECT_EQ(verify_code(x), "invalid_field");
  x = good;
  x.erase("exported_at");
  EXPECT_EQ(verify_code(x), "missing_field");
  x = good;
  x["signature"] = "";
  EXPECT_EQ(verify_code(x), "unknown_field");
  x = good;
  x["parties"] = Json::array({"atlantis", "lemuria"});
  EXPECT_EQ(verify_code(x), "invalid_field");
  x = good;
  x["members"][0]["roles"] = Json::array({"emperor"});
  EXPECT_EQ(verify_code(x), "invalid_field");
  x = good;
  x["acts"][0]["act"]["base"] = "0";
  std::string message;
  EXPECT_EQ(verify_code(x, &message), "invalid_field");
  EXPECT_EQ(message.rfind("act 1: ", 0), 0u) << message;
  EXPECT_EQ(verify_code(Json::array()), "invalid_field");
}

TEST_F(LogVerifierTest, MemberJsonRoundTrips) {
  const Member& arthur = *dir.find_member("m-arthur");
  auto j = member_to_json(arthur);
  EXPECT_EQ(j["roles"], Json::array({"leader", "negotiator"}));
  EXPECT_EQ(j["key"], key_of("m-arthur"));
  auto m = member_from_json(j);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->id, arthur.id);
  EXPECT_EQ(m->party, arthur.party);
  EXPECT_EQ(m->name, arthur.name);
  EXPECT_EQ(m->roles, arthur.roles);
  EXPECT_EQ(m->key, arthur.key);

  auto bad = j;
  bad["key"] = "AAAA";
  EXPECT_EQ(code(member_from_json(bad)), "invalid_field");
  bad = j;
  bad["roles"] = Json::array({1});
  EXPECT_EQ(code(member_from_json(bad)), "invalid_field");
  bad = j;
  bad["roles"] = "negotiator";
  EXPECT_EQ(code(member_from_json(bad)), "invalid_field");
  bad = j;
  bad.erase("name");
  EXPECT_EQ(code(member_from_json(bad)), "missing_field");
}

TEST(MapDirectory, FindsMembersAndParties) {
  MapDirectory d;
  d.parties.insert("atlantis");
  d.members["m-1"] = Member{"m-1", "atlantis", "One", {Role::negotiator}, {}};
  ASSERT_NE(d.find_member("m-1"), nullptr);
  EXPECT_EQ(d.find_member("m-1")->name, "One");
  EXPECT_TRUE(d.find_member("m-1")->has_role(Role::negotiator));
  EXPECT_FALSE(d.find_member("m-1")->has_role(Role::leader));
  EXPECT_EQ(d.find_member("m-2"), nullptr);
  EXPECT_TRUE(d.party_exists("atlantis"));
  EXPECT_FALSE(d.party_exists("lemuria"));
}

}  // namespace
}  // namespace parley::negotiation::test
