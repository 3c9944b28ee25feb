#include "json/canonical.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "json/json_printer.h"

namespace parley::json {
namespace {

// parse_strict() then canonicalize(); fails the test if the parse fails.
std::string canon(std::string_view text) {
  auto v = parse_strict(text);
  EXPECT_TRUE(v) << text << ": " << v.error().code << " " << v.error().message;
  return v ? canonicalize(*v) : std::string();
}

// The error code of a refused text, or "ok".
std::string code_of(std::string_view text, const ParseLimits& limits = {}) {
  auto v = parse_strict(text, limits);
  return v ? "ok" : v.error().code;
}

// --- RFC 8785 output -------------------------------------------------------

TEST(Canonicalize, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(canon(R"( { "b" : 1 , "a" : [ true , false , null ] , "c" : "x" } )"),
            R"({"a":[true,false,null],"b":1,"c":"x"})");
}

TEST(Canonicalize, SortsKeysByCodeUnitNotByNumberOrCase) {
  // RFC 8785 §3.2.3: UTF-16 code unit order, which for ASCII is byte order.
  EXPECT_EQ(canon(R"({"a":1,"_":2,"B":3,"10":4,"9":5,"":6,"aa":7,"a ":8})"),
            R"({"":6,"10":4,"9":5,"B":3,"_":2,"a":1,"a ":8,"aa":7})");
}

TEST(Canonicalize, SortsNestedObjectsButKeepsArrayOrder) {
  EXPECT_EQ(canon(R"({"z":{"y":[3,1,2],"x":{"b":0,"a":0}},"a":[]})"),
            R"({"a":[],"z":{"x":{"a":0,"b":0},"y":[3,1,2]}})");
}

TEST(Canonicalize, EscapesNamedControlsByName) {
  EXPECT_EQ(canon(R"("\b\t\n\f\r")"), R"("\b\t\n\f\r")");
}

TEST(Canonicalize, EscapesOtherControlsAsLowercaseU00xx) {
  EXPECT_EQ(canon(R"("\u0000\u0001\u000B\u000e\u001F")"), R"("\u0000\u0001\u000b\u000e\u001f")");
}

TEST(Canonicalize, EscapesQuoteAndBackslashOnly) {
  EXPECT_EQ(canon(R"("a\"b\\c")"), R"("a\"b\\c")");
  // '/' may be escaped on input but is never escaped on output.
  EXPECT_EQ(canon(R"("\/a/b")"), R"("/a/b")");
  // DEL and printable ASCII written as is, even when escaped on input.
  EXPECT_EQ(canon(R"("\u007f\u0041\u0020")"),
            "\"\x7f"
            "A \"");
}

TEST(Canonicalize, WritesNonAsciiVerbatimAsUtf8) {
  // é (U+00E9), € (U+20AC), 😀 (U+1F600 from a surrogate pair), U+2028.
  EXPECT_EQ(canon(R"("\u00e9\u20AC\ud83d\ude00\u2028")"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\"");
  EXPECT_EQ(canon("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

TEST(Canonicalize, WritesIntegersInPlainDecimal) {
  EXPECT_EQ(canon("[0,-1,42,9007199254740991,-9007199254740991]"),
            "[0,-1,42,9007199254740991,-9007199254740991]");
}

TEST(Canonicalize, WritesLiteralsAndEmptyContainers) {
  EXPECT_EQ(canon("[true,false,null,{},[],\"\"]"), "[true,false,null,{},[],\"\"]");
  EXPECT_EQ(canon("\t\r\n null \n"), "null");
}

TEST(Canonicalize, BuiltValuesMatchParsedValues) {
  Json v = {{"kind", "propose"}, {"base", 3}, {"body", {{"param", "title"}, {"value", "T\n"}}}};
  EXPECT_EQ(canonicalize(v),
            R"({"base":3,"body":{"param":"title","value":"T\n"},"kind":"propose"})");
  EXPECT_EQ(canonicalize(Json(std::uint64_t{9007199254740991ULL})), "9007199254740991");
}

TEST(Canonicalize, ThrowsOutsideTheSafeSubset) {
  EXPECT_THROW(canonicalize(Json(1.5)), std::logic_error);
  EXPECT_THROW(canonicalize(Json(std::int64_t{1} << 53)), std::logic_error);
  EXPECT_THROW(canonicalize(Json(-(std::int64_t{1} << 53))), std::logic_error);
  EXPECT_THROW(canonicalize(Json(std::uint64_t{1} << 63)), std::logic_error);
  EXPECT_THROW(canonicalize(Json::binary(std::vector<std::uint8_t>{1, 2})), std::logic_error);
  EXPECT_THROW(canonicalize(Json{{"\xc3\xa9", 1}}), std::logic_error);
}

// --- Round trip ------------------------------------------------------------

TEST(ParseStrict, RoundTripsThroughCanonicalForm) {
  for (const char* text : {
           R"({"act":{"base":0,"body":{},"kind":"create"},"signature":"abc"})",
           R"([1,[2,[3,[4]]],{"a":{"b":{"c":null}}}])",
           R"("\u0000 \" \\ / \b\f\n\r\t \u00e9 \ud83d\ude00")",
           R"({"z":-9007199254740991,"y":9007199254740991,"x":0})",
       }) {
    auto v = parse_strict(text);
    ASSERT_TRUE(v) << text;
    auto c = canonicalize(*v);
    auto again = parse_strict(c);
    ASSERT_TRUE(again) << c;
    EXPECT_EQ(*again, *v) << text;
    EXPECT_EQ(canonicalize(*again), c) << "canonicalize is not idempotent for " << text;
  }
}

TEST(ParseStrict, ProducesTheExpectedValues) {
  auto v = parse_strict(R"({"n":-7,"s":"\u0041\n","a":[true,null]})");
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["n"].get<std::int64_t>(), -7);
  EXPECT_EQ((*v)["s"].get<std::string>(), "A\n");
  EXPECT_EQ((*v)["a"], Json::array({true, nullptr}));
}

// --- Refusals --------------------------------------------------------------

TEST(ParseStrict, RefusesDuplicateKeys) {
  EXPECT_EQ(code_of(R"({"a":1,"a":2})"), "duplicate_key");
  EXPECT_EQ(code_of(R"({"a":1,"a":1})"), "duplicate_key");
  // Same key once unescaped.
  EXPECT_EQ(code_of(R"({"a":1,"\u0061":2})"), "duplicate_key");
  EXPECT_EQ(code_of(R"({"x":{"k":1,"k":2}})"), "duplicate_key");
  EXPECT_EQ(code_of(R"({"x":{"k":1},"y":{"k":2}})"), "ok");  // same key, different objects
}

TEST(ParseStrict, RefusesNonAsciiKeys) {
  EXPECT_EQ(code_of("{\"\xc3\xa9\":1}"), "non_ascii_key");
  EXPECT_EQ(code_of(R"({"\u00e9":1})"), "non_ascii_key");
  EXPECT_EQ(code_of(R"({"a":{"\ud83d\ude00":1}})"), "non_ascii_key");
  // Non-ASCII values are fine.
  EXPECT_EQ(code_of("{\"e\":\"\xc3\xa9\"}"), "ok");
}

TEST(ParseStrict, RefusesFloats) {
  for (const char* t : {"1.0", "1.", "0.5", "-0.0", "1e2", "1E2", "1e-2", "[0.1]", R"({"a":3.14})"})
    EXPECT_EQ(code_of(t), "unsafe_number") << t;
}

TEST(ParseStrict, RefusesIntegersOutsideSafeRange) {
  EXPECT_EQ(code_of("9007199254740991"), "ok");
  EXPECT_EQ(code_of("-9007199254740991"), "ok");
  EXPECT_EQ(code_of("9007199254740992"), "unsafe_number");
  EXPECT_EQ(code_of("-9007199254740992"), "unsafe_number");
  EXPECT_EQ(code_of("99999999999999999"), "unsafe_number");
  EXPECT_EQ(code_of("18446744073709551616"), "unsafe_number");
  EXPECT_EQ(code_of("-99999999999999999999999"), "unsafe_number");
  // -0 would canonicalize to 0: two texts for one value.
  EXPECT_EQ(code_of("-0"), "unsafe_number");
}

TEST(ParseStrict, RefusesMalformedNumbers) {
  for (const char* t : {"01", "-", "-a", "+1", "[1,]", "0x10", ".5", "--1", "[-]"})
    EXPECT_EQ(code_of(t), "invalid_json") << t;
}

TEST(ParseStrict, RefusesLoneSurrogates) {
  for (const char* t : {
           R"("\ud800")",
           R"("\udbff")",
           R"("\udc00")",
           R"("\udfff")",
           R"("\ud800x")",
           R"("\ud800\u0041")",
           R"("\ud800\ud800")",
           R"("\ude00\ud83d")",
           R"("\ud800\n")",
       })
    EXPECT_EQ(code_of(t), "invalid_json") << t;
}

TEST(ParseStrict, RefusesInvalidUtf8) {
  for (const char* t : {
           "\"\x80\"",              // continuation byte alone
           "\"\xc3\"",              // truncated
           "\"\xc3\x28\"",          // bad continuation
           "\"\xc0\xaf\"",          // overlong '/'
           "\"\xe0\x80\xaf\"",      // overlong
           "\"\xed\xa0\x80\"",      // encoded surrogate U+D800
           "\"\xf4\x90\x80\x80\"",  // above U+10FFFF
           "\"\xf8\x88\x80\x80\x80\"",
           "\"\xff\"",
       })
    EXPECT_EQ(code_of(t), "invalid_json") << t;
}

TEST(ParseStrict, RefusesMalformedStrings) {
  for (const char* t : {
           "\"abc",
           R"("\x")",
           R"("\u12")",
           R"("\u12g4")",
           R"("\)",
           "\"a\nb\"",
           "\"a\tb\"",
           "\"\x01\"",
           "'a'",
       })
    EXPECT_EQ(code_of(t), "invalid_json") << t;
}

TEST(ParseStrict, RefusesMalformedStructure) {
  for (const char* t : {
           "",         " ",
           "{",        "}",
           "[",        "[1",
           "[1,2",     "{\"a\"}",
           "{\"a\":}", "{\"a\":1,}",
           "{a:1}",    "{1:1}",
           "[1 2]",    "{\"a\":1 \"b\":2}",
           "1 2",      "nul",
           "truex",    "True",
           "NaN",      "Infinity",
           "[1]]",     "{}{}",
           "/* */1",   "\xef\xbb\xbf{}",  // BOM
           "\f1",                         // form feed is not JSON whitespace
       })
    EXPECT_EQ(code_of(t), "invalid_json") << t;
}

TEST(ParseStrict, ErrorMessagesNameTheByteOffset) {
  auto v = parse_strict(R"({"a":1,"a":2})");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("at byte"), std::string::npos) << v.error().message;
}

TEST(ParseStrict, EnforcesTheDepthLimit) {
  ParseLimits limits;
  limits.max_depth = 3;
  // The top-level value is at depth 0; a value nested inside k containers is at depth k.
  EXPECT_EQ(code_of("[[[1]]]", limits), "ok");
  EXPECT_EQ(code_of("[[[[1]]]]", limits), "too_deep");
  EXPECT_EQ(code_of(R"({"a":{"b":{"c":1}}})", limits), "ok");
  EXPECT_EQ(code_of(R"({"a":{"b":{"c":{"d":1}}}})", limits), "too_deep");

  // Default limit of 32, and no stack overflow on hostile nesting.
  EXPECT_EQ(code_of(std::string(32, '[') + "1" + std::string(32, ']')), "ok");
  EXPECT_EQ(code_of(std::string(33, '[') + "1" + std::string(33, ']')), "too_deep");
  EXPECT_EQ(code_of(std::string(100000, '[')), "too_deep");
}

TEST(ParseStrict, EnforcesTheSizeLimitBeforeParsing) {
  ParseLimits limits;
  limits.max_bytes = 8;
  EXPECT_EQ(code_of("\"123456\"", limits), "ok");
  EXPECT_EQ(code_of("\"1234567\"", limits), "payload_too_large");
  // Checked on the raw size, before any syntax error could be reported.
  EXPECT_EQ(code_of("{{{{{{{{{", limits), "payload_too_large");
  EXPECT_EQ(code_of(std::string((1 << 20) + 1, ' ')), "payload_too_large");
}

}  // namespace
}  // namespace parley::json
