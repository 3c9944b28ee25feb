#include "negotiation/parameters.h"

#include <gtest/gtest.h>

#include "negotiation/fixture.h"

namespace parley::negotiation::test {
namespace {

class ParametersTest : public NegotiationTest {
 protected:
  ParamContext ctx() const { return ParamContext{{kAtlantis, kLemuria}, clock, &dir}; }
  std::string check(std::string_view name, const Json& value) const {
    return code(validate_parameter(name, value, ctx()));
  }
};

TEST_F(ParametersTest, NineParameters) {
  EXPECT_EQ(kParameters.size(), 9u);
  for (auto p : kParameters) EXPECT_TRUE(is_parameter(p)) << p;
  EXPECT_FALSE(is_parameter("colour"));
  EXPECT_FALSE(is_parameter("Title"));
  EXPECT_EQ(check("colour", "blue"), "unknown_parameter");
}

TEST_F(ParametersTest, EveryValueOfTheFullTermsIsValid) {
  auto terms = full_terms();
  for (const auto& [name, value] : terms.items()) EXPECT_EQ(check(name, value), "ok") << name;
  EXPECT_EQ(terms.size(), kParameters.size());
}

TEST_F(ParametersTest, Title) {
  EXPECT_EQ(check("title", "T"), "ok");
  EXPECT_EQ(check("title", std::string(200, 't')), "ok");
  EXPECT_EQ(check("title", "Caf\xc3\xa9 talks"), "ok");
  EXPECT_EQ(check("title", ""), "invalid_title");
  EXPECT_EQ(check("title", std::string(201, 't')), "invalid_title");
  EXPECT_EQ(check("title", "two\nlines"), "invalid_title");
  EXPECT_EQ(check("title", "tab\there"), "invalid_title");
  EXPECT_EQ(check("title", "del\x7f"), "invalid_title");
  EXPECT_EQ(check("title", 5), "invalid_title");
  EXPECT_EQ(check("title", nullptr), "invalid_title");
}

TEST_F(ParametersTest, Format) {
  EXPECT_EQ(check("format", "video"), "ok");
  EXPECT_EQ(check("format", "Video"), "invalid_format");
  EXPECT_EQ(check("format", "in_person"), "invalid_format");
  EXPECT_EQ(check("format", Json::array({"video"})), "invalid_format");
}

TEST_F(ParametersTest, StartMustBeAFutureInstantWithinTwoYears) {
  // clock is 2026-01-10T12:00:00Z.
  EXPECT_EQ(check("start", "2026-01-10T12:00:01Z"), "ok");
  EXPECT_EQ(check("start", "2026-01-10T12:00:00Z"), "invalid_start");  // now is not the future
  EXPECT_EQ(check("start", "2025-12-31T00:00:00Z"), "invalid_start");
  EXPECT_EQ(check("start", format_utc(clock + Limits::kStartHorizon)), "ok");
  EXPECT_EQ(check("start", format_utc(clock + Limits::kStartHorizon + std::chrono::seconds{1})),
            "invalid_start");
  EXPECT_EQ(check("start", "2026-02-01T15:00:00+01:00"), "invalid_start");
  EXPECT_EQ(check("start", "tomorrow"), "invalid_start");
  EXPECT_EQ(check("start", 1769958000), "invalid_start");
}

TEST_F(ParametersTest, DurationMinutes) {
  EXPECT_EQ(check("duration_minutes", 5), "ok");
  EXPECT_EQ(check("duration_minutes", 720), "ok");
  EXPECT_EQ(check("duration_minutes", 4), "invalid_duration_minutes");
  EXPECT_EQ(check("duration_minutes", 721), "invalid_duration_minutes");
  EXPECT_EQ(check("duration_minutes", -60), "invalid_duration_minutes");
  EXPECT_EQ(check("duration_minutes", "90"), "invalid_duration_minutes");
  EXPECT_EQ(check("duration_minutes", 90.0), "invalid_duration_minutes");
}

TEST_F(ParametersTest, RosterEntriesMustMatchTheDirectory) {
  auto alice = roster_entry("m-alice", "negotiator");
  auto bob = roster_entry("m-bob", "negotiator");
  EXPECT_EQ(check("roster", Json::array({alice, bob})), "ok");

  EXPECT_EQ(check("roster", Json::array()), "invalid_roster");
  EXPECT_EQ(check("roster", Json::object()), "invalid_roster");
  // One delegation alone is a valid proposal: the other side adds its own.
  EXPECT_EQ(check("roster", Json::array({alice})), "ok");
  EXPECT_EQ(check("roster", Json::array({alice, bob, alice})), "invalid_roster");  // twice

  auto e = bob;
  e["party"] = kAtlantis;  // Bob is not Atlantean
  EXPECT_EQ(check("roster", Json::array({alice, e})), "invalid_roster");
  e = bob;
  e["role"] = "king";
  EXPECT_EQ(check("roster", Json::array({alice, e})), "invalid_roster");
  e = bob;
  e["member"] = "m-nobody";
  EXPECT_EQ(check("roster", Json::array({alice, e})), "invalid_roster");
  e = bob;
  e["extra"] = true;
  EXPECT_EQ(check("roster", Json::array({alice, e})), "invalid_roster");
  e = bob;
  e.erase("key");
  EXPECT_EQ(check("roster", Json::array({alice, e})), "invalid_roster");
  e = bob;
  e["role"] = 1;
  EXPECT_EQ(check("roster", Json::array({alice, e})), "invalid_roster");

  // A member of a third party cannot be put on the roster.
  EXPECT_EQ(check("roster", Json::array({alice, bob, roster_entry("m-mike", "negotiator")})),
            "invalid_roster");

  Json big = Json::array();
  for (std::size_t i = 0; i < Limits::kRosterMax + 1; ++i) big.push_back(alice);
  EXPECT_EQ(check("roster", big), "invalid_roster");
}

TEST_F(ParametersTest, RosterKeyMustBeTheRegisteredKey) {
  auto alice = roster_entry("m-alice", "negotiator");
  auto bob = roster_entry("m-bob", "negotiator");
  bob["key"] = key_of("m-alice");
  EXPECT_EQ(check("roster", Json::array({alice, bob})), "key_mismatch");
  bob["key"] = crypto::encode(crypto::SecretKey::generate().public_key());
  EXPECT_EQ(check("roster", Json::array({alice, bob})), "key_mismatch");
  bob["key"] = "not-a-key";
  EXPECT_EQ(check("roster", Json::array({alice, bob})), "key_mismatch");
}

TEST_F(ParametersTest, Languages) {
  auto langs = [](Json tags, Json interp) {
    return Json{{"languages", std::move(tags)}, {"interpretation", std::move(interp)}};
  };
  auto booth = [](const char* who, const char* a, const char* b) {
    return Json{{"interpreter", who}, {"pair", Json::array({a, b})}};
  };
  EXPECT_EQ(check("languages", langs({"en"}, Json::array())), "ok");
  EXPECT_EQ(check("languages", langs({"en", "zh-Hans", "pt-BR", "ast"}, Json::array())), "ok");
  EXPECT_EQ(check("languages", langs({"en", "ru"}, Json::array({booth("m-ivan", "en", "ru"),
                                                                booth("m-ivan", "ru", "en")}))),
            "ok");

  for (const char* tag : {"e", "EN", "engl", "en_US", "en-", "en-x", "en-abcdefghi", "en--US", ""})
    EXPECT_EQ(check("languages", langs({tag}, Json::array())), "invalid_languages") << tag;
  EXPECT_EQ(check("languages", langs(Json::array(), Json::array())), "invalid_languages");
  EXPECT_EQ(check("languages", langs({"en", "en"}, Json::array())), "invalid_languages");
  EXPECT_EQ(check("languages", langs({1}, Json::array())), "invalid_languages");
  Json many = Json::array();
  for (const char* t :
       {"aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak", "al", "am"})
    many.push_back(t);
  EXPECT_EQ(check("languages", langs(many, Json::array())), "invalid_languages");

  EXPECT_EQ(check("languages", langs({"en", "ru"}, Json::array({booth("m-ivan", "en", "en")}))),
            "invalid_languages");
  EXPECT_EQ(check("languages", langs({"en", "ru"}, Json::array({booth("m-ivan", "en", "fr")}))),
            "invalid_languages");
  EXPECT_EQ(check("languages", langs({"en", "ru"}, Json::array({booth("m-nobody", "en", "ru")}))),
            "invalid_languages");
  EXPECT_EQ(check("languages", langs({"en", "ru"}, Json::array({booth("m-mike", "en", "ru")}))),
            "invalid_languages");  // third party
  EXPECT_EQ(check("languages", langs({"en", "ru"}, Json::array({booth("m-ivan", "en", "ru"),
                                                                booth("m-ivan", "en", "ru")}))),
            "invalid_languages");
  EXPECT_EQ(check("languages", Json{{"languages", {"en"}}}), "invalid_languages");
  EXPECT_EQ(check("languages", langs({"en"}, Json::object())), "invalid_languages");
}

TEST_F(ParametersTest, Agenda) {
  EXPECT_EQ(check("agenda", Json::array({{{"title", "One"}}})), "ok");
  EXPECT_EQ(check("agenda", Json::array()), "invalid_agenda");
  EXPECT_EQ(check("agenda", Json::array({"One"})), "invalid_agenda");
  EXPECT_EQ(check("agenda", Json::array({{{"title", ""}}})), "invalid_agenda");
  EXPECT_EQ(check("agenda", Json::array({{{"title", "a\nb"}}})), "invalid_agenda");
  EXPECT_EQ(check("agenda", Json::array({{{"title", std::string(301, 'x')}}})), "invalid_agenda");
  EXPECT_EQ(check("agenda", Json::array({{{"title", "One"}, {"minutes", 10}}})), "invalid_agenda");
  Json many = Json::array();
  for (std::size_t i = 0; i < Limits::kAgendaMax + 1; ++i) many.push_back(Json{{"title", "x"}});
  EXPECT_EQ(check("agenda", many), "invalid_agenda");
}

TEST_F(ParametersTest, Announcement) {
  auto ann = [](Json text, Json publish) {
    return Json{{"text", std::move(text)}, {"publish", std::move(publish)}};
  };
  EXPECT_EQ(check("announcement", ann("Hello\n\tworld", "on_agreement")), "ok");
  EXPECT_EQ(check("announcement", ann("Hello", "2026-01-20T09:00:00Z")), "ok");
  EXPECT_EQ(check("announcement", ann(std::string(5000, 'x'), "on_agreement")), "ok");
  EXPECT_EQ(check("announcement", ann("", "on_agreement")), "invalid_announcement");
  EXPECT_EQ(check("announcement", ann(std::string(5001, 'x'), "on_agreement")),
            "invalid_announcement");
  EXPECT_EQ(check("announcement", ann("bell\x07", "on_agreement")), "invalid_announcement");
  EXPECT_EQ(check("announcement", ann("Hello", "soon")), "invalid_announcement");
  EXPECT_EQ(check("announcement", ann("Hello", nullptr)), "invalid_announcement");
  EXPECT_EQ(check("announcement", Json{{"text", "Hello"}}), "invalid_announcement");
}

TEST_F(ParametersTest, Predecessor) {
  EXPECT_EQ(check("predecessor", nullptr), "ok");
  EXPECT_EQ(check("predecessor", "meet-0000"), "ok");
  EXPECT_EQ(check("predecessor", std::string(64, 'p')), "ok");
  EXPECT_EQ(check("predecessor", ""), "invalid_predecessor");
  EXPECT_EQ(check("predecessor", std::string(65, 'p')), "invalid_predecessor");
  EXPECT_EQ(check("predecessor", 7), "invalid_predecessor");
}

TEST_F(ParametersTest, TermsConsistency) {
  auto terms = full_terms();
  terms["meeting"] = meeting;
  terms["parties"] = Json::array({kAtlantis, kLemuria});
  EXPECT_EQ(code(check_terms_consistent(terms, clock)), "ok");

  auto t = terms;
  t["roster"] = Json::array({roster_entry("m-alice", "negotiator")});
  EXPECT_EQ(code(check_terms_consistent(t, clock)), "inconsistent_terms");  // nobody from Lemuria

  t = terms;
  t["roster"] =
      Json::array({roster_entry("m-alice", "negotiator"), roster_entry("m-ivan", "observer"),
                   roster_entry("m-bob", "negotiator")});
  EXPECT_EQ(code(check_terms_consistent(t, clock)), "inconsistent_terms");  // not as interpreter

  t = terms;
  t["announcement"]["publish"] = "2026-02-01T15:00:00Z";  // at the start: allowed
  EXPECT_EQ(code(check_terms_consistent(t, clock)), "ok");
  t["announcement"]["publish"] = "2026-02-01T15:00:01Z";
  EXPECT_EQ(code(check_terms_consistent(t, clock)), "inconsistent_terms");

  t = terms;
  t["predecessor"] = meeting;
  EXPECT_EQ(code(check_terms_consistent(t, clock)), "inconsistent_terms");

  EXPECT_EQ(code(check_terms_consistent(terms, utc("2026-02-01T15:00:00Z"))), "inconsistent_terms");
}

TEST(CleanText, Bounds) {
  EXPECT_TRUE(is_clean_text(Json("abc"), 1, 3, false));
  EXPECT_FALSE(is_clean_text(Json("abcd"), 1, 3, false));
  EXPECT_FALSE(is_clean_text(Json(""), 1, 3, false));
  EXPECT_TRUE(is_clean_text(Json(""), 0, 3, false));
  EXPECT_TRUE(is_clean_text(Json("a\nb\tc"), 1, 10, true));
  EXPECT_FALSE(is_clean_text(Json("a\nb"), 1, 10, false));
  EXPECT_FALSE(is_clean_text(Json("a\rb"), 1, 10, true));
  EXPECT_FALSE(is_clean_text(Json(std::string("a\0b", 3)), 1, 10, true));
  EXPECT_FALSE(is_clean_text(Json(3), 0, 10, true));
  // Bytes, not characters: "é" is two.
  EXPECT_FALSE(is_clean_text(Json("\xc3\xa9"), 1, 1, false));
}

}  // namespace
}  // namespace parley::negotiation::test
