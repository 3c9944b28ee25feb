#include "negotiation/act.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"
#include "negotiation/fixture.h"

namespace parley::negotiation::test {
namespace {

using ActTest = NegotiationTest;

TEST(ActNames, KindsAndRolesRoundTrip) {
  for (auto k : {Kind::create, Kind::propose, Kind::accept, Kind::sign, Kind::withdraw})
    EXPECT_EQ(parse_kind(kind_name(k)), k);
  EXPECT_EQ(kind_name(Kind::withdraw), "withdraw");
  EXPECT_FALSE(parse_kind("Create"));
  EXPECT_FALSE(parse_kind(""));
  for (auto r : {Role::negotiator, Role::leader, Role::aide, Role::interpreter, Role::observer})
    EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_EQ(role_name(Role::interpreter), "interpreter");
  EXPECT_FALSE(parse_role("admin"));
}

TEST_F(ActTest, ActToJsonHasTheWireFields) {
  Act a;
  a.meeting = meeting;
  a.base = 3;
  a.prev = std::string(64, 'a');
  a.kind = Kind::accept;
  a.body = {{"param", "title"}, {"rev", 2}};
  a.author = "m-bob";
  a.at = utc("2026-01-10T12:00:00Z");
  EXPECT_EQ(
      json::canonicalize(act_to_json(a)),
      R"({"at":"2026-01-10T12:00:00Z","author":"m-bob","base":3,"body":{"param":"title","rev":2},)"
      R"("kind":"accept","meeting":"meet-0001","prev":")" +
          std::string(64, 'a') + R"(","type":"parley.act/1"})");
}

TEST_F(ActTest, SignActSignsTheCanonicalActAndHashesTheEnvelope) {
  auto sa = make("m-alice", Kind::create,
                 {{"counterparty", kLemuria}, {"proposals", opening_proposals()}});
  auto sig = crypto::parse_signature(sa.signature);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(crypto::verify(dir.find_member("m-alice")->key,
                             as_bytes(json::canonicalize(sa.act_json)), *sig));
  EXPECT_EQ(sa.act_json, act_to_json(sa.act));
  EXPECT_EQ(sa.envelope(), Json({{"act", sa.act_json}, {"signature", sa.signature}}));
  EXPECT_EQ(sa.hash, crypto::sha256_hex(json::canonicalize(sa.envelope())));
  EXPECT_EQ(signing_bytes(sa.act_json), json::canonicalize(sa.act_json));
  EXPECT_EQ(code(verify_act_signature(sa, dir)), "ok");
}

TEST_F(ActTest, ParseSignedActRoundTripsTheWireForm) {
  ASSERT_EQ(code(create()), "ok");
  auto sa = make("m-bob", Kind::propose, {{"param", "duration_minutes"}, {"value", 120}});
  auto text = json::canonicalize(sa.envelope());
  auto j = json::parse_strict(text);
  ASSERT_TRUE(j);
  auto parsed = parse_signed_act(*j);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->act.meeting, meeting);
  EXPECT_EQ(parsed->act.base, 1);
  EXPECT_EQ(parsed->act.prev, log[0].hash);
  EXPECT_EQ(parsed->act.kind, Kind::propose);
  EXPECT_EQ(parsed->act.body, sa.act.body);
  EXPECT_EQ(parsed->act.author, "m-bob");
  EXPECT_EQ(parsed->act.at, sa.act.at);
  EXPECT_EQ(parsed->signature, sa.signature);
  EXPECT_EQ(parsed->hash, sa.hash);
  EXPECT_EQ(code(verify_act_signature(*parsed, dir)), "ok");
  EXPECT_EQ(code(submit(*parsed)), "ok");
}

class ParseSignedActTest : public NegotiationTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(code(create()), "ok");
    good_ = make("m-bob", Kind::accept, {{"param", "title"}, {"rev", 1}}).envelope();
  }
  // A valid envelope to break one field at a time.
  Json good() const { return good_; }
  std::string parse_code(const Json& env) { return code(parse_signed_act(env)); }

 private:
  Json good_;
};

TEST_F(ParseSignedActTest, AcceptsTheGoodEnvelope) {
  EXPECT_EQ(parse_code(good()), "ok");
}

TEST_F(ParseSignedActTest, RefusesMissingAndUnknownFields) {
  for (const char* f : {"type", "meeting", "base", "prev", "kind", "body", "author", "at"}) {
    auto env = good();
    env["act"].erase(f);
    EXPECT_EQ(parse_code(env), "missing_field") << f;
  }
  auto env = good();
  env.erase("signature");
  EXPECT_EQ(parse_code(env), "missing_field");
  env = good();
  env["act"]["extra"] = 1;
  EXPECT_EQ(parse_code(env), "unknown_field");
  env = good();
  env["extra"] = 1;
  EXPECT_EQ(parse_code(env), "unknown_field");
  EXPECT_EQ(parse_code(Json::array()), "invalid_field");
  EXPECT_EQ(parse_code(Json("act")), "invalid_field");
  env = good();
  env["act"] = Json::array();
  EXPECT_EQ(parse_code(env), "invalid_field");
}

TEST_F(ParseSignedActTest, RefusesWrongTypesAndFormats) {
  const std::vector<std::pair<const char*, Json>> bad = {
      {"type", "parley.act/2"},
      {"type", 1},
      {"meeting", 7},
      {"meeting", std::string(65, 'm')},
      {"base", -1},
      {"base", "1"},
      {"prev", nullptr},
      {"prev", std::string(64, 'A')},  // uppercase hex
      {"prev", std::string(63, 'a')},  // short
      {"prev", std::string(64, 'g')},  // not hex
      {"prev", ""},                    // base 1 needs a prev
      {"kind", "vote"},
      {"kind", 1},
      {"body", Json::array()},
      {"body", "x"},
      {"author", nullptr},
      {"at", "2026-01-10T12:00:00+00:00"},
      {"at", "2026-01-10 12:00:00Z"},
      {"at", 1767960000},
  };
  for (const auto& [field, value] : bad) {
    auto env = good();
    env["act"][field] = value;
    EXPECT_EQ(parse_code(env), "invalid_field") << field << " = " << value.dump();
  }
  auto env = good();
  env["signature"] = 1;
  EXPECT_EQ(parse_code(env), "invalid_field");
}

TEST_F(ParseSignedActTest, PrevIsEmptyExactlyAtBaseZero) {
  auto env = good();
  env["act"]["base"] = 0;
  EXPECT_EQ(parse_code(env), "invalid_field");  // prev set at base 0
  env["act"]["prev"] = "";
  EXPECT_EQ(parse_code(env), "ok");
}

TEST_F(ParseSignedActTest, MalformedSignatureIsABadSignatureNotACrash) {
  for (const char* sig : {"", "AAAA", "not base64!", "=="}) {
    auto env = good();
    env["signature"] = sig;
    auto parsed = parse_signed_act(env);
    ASSERT_TRUE(parsed) << sig;  // shape is fine; the signature check refuses it
    EXPECT_EQ(code(verify_act_signature(*parsed, dir)), "bad_signature") << sig;
  }
}

TEST(RequireFields, ChecksObjectRequiredAndOptional) {
  Json obj = {{"a", 1}, {"b", 2}};
  EXPECT_EQ(code(require_fields(obj, {"a"}, {"b"}, "thing")), "ok");
  EXPECT_EQ(code(require_fields(obj, {"a", "b"}, {}, "thing")), "ok");
  EXPECT_EQ(code(require_fields(obj, {"a", "c"}, {"b"}, "thing")), "missing_field");
  EXPECT_EQ(code(require_fields(obj, {"a"}, {}, "thing")), "unknown_field");
  EXPECT_EQ(code(require_fields(Json::array(), {}, {}, "thing")), "invalid_field");
  auto s = require_fields(obj, {"a"}, {}, "thing");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("\"b\""), std::string::npos);
}

}  // namespace
}  // namespace parley::negotiation::test
