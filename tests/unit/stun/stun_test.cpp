// The STUN message module: type encoding, round trips through the builders,
// the attribute rules of RFC 8489 §14, and every refusal path of parse().

#include "stun/stun.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace parley::stun {
namespace {

using testing::Bytes;
using testing::bytes_of;
using testing::hex;
using testing::raw_message;

constexpr std::string_view kKey = "a-22-char-ice-password";
constexpr std::uint16_t kBindingRequest = 0x0001;

TransactionId txid(std::uint8_t seed) {
  TransactionId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(seed + i * 17);
  return id;
}

std::string parse_error(const Bytes& b, std::size_t max_size = kDefaultMaxMessageSize) {
  auto m = parse(b, max_size);
  return m.ok() ? "ok" : m.error().code;
}

Bytes built(std::span<const std::uint8_t> out, const Expected<std::size_t>& n) {
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().code);
  if (!n.ok()) return {};
  return Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
}

// ---------------------------------------------------------------- types

TEST(StunMessageType, KnownValues) {
  // RFC 8489 §5 / §18.2: Binding request 0x0001, success 0x0101, error 0x0111.
  EXPECT_EQ(message_type(kMethodBinding, MessageClass::kRequest), 0x0001);
  EXPECT_EQ(message_type(kMethodBinding, MessageClass::kIndication), 0x0011);
  EXPECT_EQ(message_type(kMethodBinding, MessageClass::kSuccessResponse), 0x0101);
  EXPECT_EQ(message_type(kMethodBinding, MessageClass::kErrorResponse), 0x0111);
  EXPECT_EQ(message_type(0xFFF, MessageClass::kRequest), 0x3EEF);
}

TEST(StunMessageType, EveryMethodAndClassRoundTrips) {
  for (std::uint16_t method = 0; method <= 0xFFF; ++method) {
    for (auto cls : {MessageClass::kRequest, MessageClass::kIndication,
                     MessageClass::kSuccessResponse, MessageClass::kErrorResponse}) {
      const std::uint16_t type = message_type(method, cls);
      ASSERT_EQ(type & 0xC000, 0);
      ASSERT_EQ(method_of(type), method);
      ASSERT_EQ(class_of(type), cls);
    }
  }
}

// ---------------------------------------------------------------- round trips

TEST(StunBindingRequest, RoundTripAsControllingWithNomination) {
  BindingRequestParams params;
  params.transaction_id = txid(1);
  params.username = "remoteUfrag:localUfrag";
  params.key = kKey;
  params.priority = 0x7e7f00ff;
  params.role = IceRole::kControlling;
  params.tie_breaker = 0x0123456789abcdef;
  params.use_candidate = true;
  std::array<std::uint8_t, 200> out{};
  const Bytes request = built(out, build_binding_request(params, out));
  ASSERT_FALSE(request.empty());
  EXPECT_EQ(request.size() % 4, 0u);

  auto m = parse(request);
  ASSERT_TRUE(m.ok()) << m.error().code;
  EXPECT_TRUE(m->is_binding_request());
  EXPECT_EQ(m->transaction_id_array(), params.transaction_id);
  EXPECT_EQ(m->username(), "remoteUfrag:localUfrag");
  EXPECT_EQ(m->priority(), 0x7e7f00ffu);
  EXPECT_EQ(m->ice_controlling(), 0x0123456789abcdefu);
  EXPECT_FALSE(m->ice_controlled().has_value());
  EXPECT_TRUE(m->use_candidate());
  EXPECT_TRUE(verify_integrity(*m, kKey).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
  EXPECT_EQ(verify_integrity(*m, "another-password-here").error().code, "stun_bad_integrity");
  EXPECT_EQ(verify_integrity(*m, "").error().code, "stun_bad_integrity");
}

TEST(StunBindingRequest, WithoutNominationHasNoUseCandidate) {
  BindingRequestParams params;
  params.transaction_id = txid(2);
  params.username = "a:b";
  params.key = kKey;
  params.role = IceRole::kControlled;
  params.tie_breaker = 7;
  std::array<std::uint8_t, 200> out{};
  const Bytes request = built(out, build_binding_request(params, out));
  auto m = parse(request);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->use_candidate());
  EXPECT_EQ(m->ice_controlled(), 7u);
  EXPECT_FALSE(m->ice_controlling().has_value());
}

TEST(StunBindingSuccess, AnswersARequestForEachFamily) {
  BindingRequestParams params;
  params.transaction_id = txid(3);
  params.username = "server:client";
  params.key = kKey;
  std::array<std::uint8_t, 200> req_out{};
  const Bytes request = built(req_out, build_binding_request(params, req_out));
  auto req = parse(request);
  ASSERT_TRUE(req.ok());

  const SocketAddress v4 = SocketAddress::ipv4({203, 0, 113, 7}, 50000);
  const SocketAddress v6 = SocketAddress::ipv6(
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xdc, 0xba, 0x98}, 1);
  for (const SocketAddress& mapped : {v4, v6}) {
    std::array<std::uint8_t, 200> out{};
    const Bytes response = built(out, build_binding_success(*req, mapped, kKey, out));
    auto m = parse(response);
    ASSERT_TRUE(m.ok()) << m.error().code;
    EXPECT_EQ(m->type(), 0x0101);
    EXPECT_EQ(m->transaction_id_array(), params.transaction_id);
    EXPECT_EQ(m->xor_mapped_address(), mapped);
    EXPECT_TRUE(verify_integrity(*m, kKey).ok());
    EXPECT_TRUE(verify_fingerprint(*m).ok());
    // Exactly XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY, FINGERPRINT (RFC 8445 §7.3).
    std::vector<std::uint16_t> types;
    for (const Attribute& a : m->attributes()) types.push_back(a.type);
    EXPECT_EQ(types, (std::vector<std::uint16_t>{attr::kXorMappedAddress, attr::kMessageIntegrity,
                                                 attr::kFingerprint}));
  }
}

TEST(StunBindingSuccess, RefusesWhatIsNotABindingRequest) {
  std::array<std::uint8_t, 200> out{};
  const Bytes indication = raw_message(0x0011, {});
  auto m = parse(indication);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(build_binding_success(*m, SocketAddress(), kKey, out).error().code, "stun_not_request");
  const Bytes other_method = raw_message(message_type(0x003, MessageClass::kRequest), {});
  m = parse(other_method);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(build_binding_success(*m, SocketAddress(), kKey, out).error().code, "stun_not_request");
}

// ---------------------------------------------------------------- error responses

TEST(StunErrorResponse, UnauthenticatedGoesOutWithoutIntegrity) {
  const Bytes request = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("x:y")}});
  auto req = parse(request);
  ASSERT_TRUE(req.ok());
  std::array<std::uint8_t, 200> out{};
  const Bytes response =
      built(out, build_error_response(*req, kErrorUnauthenticated, "", {}, "", out));
  auto m = parse(response);
  ASSERT_TRUE(m.ok()) << m.error().code;
  EXPECT_EQ(m->type(), 0x0111);
  EXPECT_EQ(m->transaction_id_array(), req->transaction_id_array());
  ASSERT_TRUE(m->error_code().has_value());
  EXPECT_EQ(m->error_code()->code, 401);
  EXPECT_EQ(m->error_code()->reason, "Unauthenticated");
  EXPECT_FALSE(m->has_integrity());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
  EXPECT_EQ(verify_integrity(*m, kKey).error().code, "stun_missing_integrity");
}

TEST(StunErrorResponse, StandardReasonsAndACustomOne) {
  const Bytes request = raw_message(kBindingRequest, {});
  auto req = parse(request);
  ASSERT_TRUE(req.ok());
  const std::pair<int, std::string_view> standard[] = {
      {400, "Bad Request"}, {401, "Unauthenticated"}, {487, "Role Conflict"}};
  for (const auto& [code, reason] : standard) {
    std::array<std::uint8_t, 200> out{};
    const Bytes response = built(out, build_error_response(*req, code, "", {}, kKey, out));
    auto m = parse(response);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->error_code()->code, code);
    EXPECT_EQ(m->error_code()->reason, reason);
    EXPECT_TRUE(verify_integrity(*m, kKey).ok());
    EXPECT_TRUE(verify_fingerprint(*m).ok());
  }
  std::array<std::uint8_t, 200> out{};
  const Bytes response =
      built(out, build_error_response(*req, 400, "USERNAME missing", {}, "", out));
  auto m = parse(response);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->error_code()->code, 400);
  EXPECT_EQ(m->error_code()->reason, "USERNAME missing");
}

TEST(StunErrorResponse, UnknownAttributeListsTheTypes) {
  const Bytes request =
      raw_message(kBindingRequest, {{0x0003, hex("00000000")}, {0x7ABC, {}}, {0x0011, hex("01")}});
  auto req = parse(request);
  ASSERT_TRUE(req.ok());
  const auto unknown = req->unknown_comprehension_required();
  ASSERT_EQ(unknown.size(), 3u);
  std::array<std::uint8_t, 200> out{};
  const Bytes response =
      built(out, build_error_response(*req, kErrorUnknownAttribute, "", unknown, kKey, out));
  auto m = parse(response);
  ASSERT_TRUE(m.ok()) << m.error().code;
  EXPECT_EQ(m->error_code()->code, 420);
  EXPECT_EQ(m->error_code()->reason, "Unknown Attribute");
  EXPECT_TRUE(verify_integrity(*m, kKey).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
  bool found = false;
  for (const Attribute& a : m->attributes()) {
    if (a.type != attr::kUnknownAttributes) continue;
    found = true;
    EXPECT_EQ(Bytes(a.value.begin(), a.value.end()), hex("0003 7abc 0011"));
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(m->unknown_comprehension_required().empty());  // UNKNOWN-ATTRIBUTES is known
}

TEST(StunErrorResponse, RefusesWhatTheWireCannotCarry) {
  const Bytes request = raw_message(kBindingRequest, {});
  auto req = parse(request);
  ASSERT_TRUE(req.ok());
  std::array<std::uint8_t, 2000> out{};
  const std::uint16_t one[] = {0x0003};
  auto code = [&](int c, std::string_view reason, std::span<const std::uint16_t> unknown) {
    auto n = build_error_response(*req, c, reason, unknown, "", out);
    return n.ok() ? std::string("ok") : n.error().code;
  };
  EXPECT_EQ(code(299, "", {}), "stun_bad_argument");
  EXPECT_EQ(code(700, "", {}), "stun_bad_argument");
  EXPECT_EQ(code(420, "", {}), "stun_bad_argument");   // 420 needs the list
  EXPECT_EQ(code(401, "", one), "stun_bad_argument");  // the list needs 420
  EXPECT_EQ(code(400, std::string(510, 'r'), {}), "stun_bad_argument");
  EXPECT_EQ(code(400, std::string(509, 'r'), {}), "ok");
  EXPECT_EQ(code(699, "", {}), "ok");

  const Bytes response = raw_message(0x0101, {});
  auto resp = parse(response);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(build_error_response(*resp, 400, "", {}, "", out).error().code, "stun_not_request");
}

// ---------------------------------------------------------------- builder limits

TEST(StunBuilders, EveryTooSmallBufferIsRefused) {
  BindingRequestParams params;
  params.transaction_id = txid(4);
  params.username = "abcd:efgh";
  params.key = kKey;
  params.use_candidate = true;
  std::array<std::uint8_t, 200> big{};
  auto full = build_binding_request(params, big);
  ASSERT_TRUE(full.ok());
  auto req = parse(std::span<const std::uint8_t>(big.data(), *full));
  ASSERT_TRUE(req.ok());
  Bytes scratch(200);
  auto success_size =
      build_binding_success(*req, SocketAddress::ipv4({1, 2, 3, 4}, 5), kKey, scratch);
  ASSERT_TRUE(success_size.ok());
  const std::uint16_t unknown[] = {0x0003};
  auto error_size = build_error_response(*req, 420, "", unknown, kKey, scratch);
  ASSERT_TRUE(error_size.ok());

  for (std::size_t size = 0; size < *full; ++size) {
    Bytes out(size);
    EXPECT_EQ(build_binding_request(params, out).error().code, "stun_buffer_too_small") << size;
  }
  for (std::size_t size = 0; size < *success_size; ++size) {
    Bytes out(size);
    EXPECT_EQ(
        build_binding_success(*req, SocketAddress::ipv4({1, 2, 3, 4}, 5), kKey, out).error().code,
        "stun_buffer_too_small")
        << size;
  }
  for (std::size_t size = 0; size < *error_size; ++size) {
    Bytes out(size);
    EXPECT_EQ(build_error_response(*req, 420, "", unknown, kKey, out).error().code,
              "stun_buffer_too_small")
        << size;
  }
  Bytes exact(*full);
  EXPECT_EQ(*build_binding_request(params, exact), *full);
}

TEST(StunBuilders, UsernameLimit) {
  BindingRequestParams params;
  params.key = kKey;
  std::array<std::uint8_t, 1000> out{};
  const std::string longest(508, 'u');
  params.username = longest;
  EXPECT_TRUE(build_binding_request(params, out).ok());
  const std::string too_long(509, 'u');
  params.username = too_long;
  EXPECT_EQ(build_binding_request(params, out).error().code, "stun_bad_argument");
}

// ---------------------------------------------------------------- attribute rules

TEST(StunParse, EmptyMessageIsValid) {
  const Bytes b = raw_message(kBindingRequest, {});
  auto m = parse(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attributes().begin(), m->attributes().end());
  EXPECT_FALSE(m->username().has_value());
  EXPECT_FALSE(m->priority().has_value());
  EXPECT_FALSE(m->error_code().has_value());
  EXPECT_EQ(verify_integrity(*m, kKey).error().code, "stun_missing_integrity");
  EXPECT_EQ(verify_fingerprint(*m).error().code, "stun_missing_fingerprint");
}

TEST(StunParse, FirstOccurrenceCounts) {
  const Bytes b = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("first")},
                                                {attr::kUsername, bytes_of("second")},
                                                {attr::kPriority, hex("00000001")},
                                                {attr::kPriority, hex("0002")}});
  auto m = parse(b);
  ASSERT_TRUE(m.ok()) << m.error().code;  // the malformed duplicate is never looked at
  EXPECT_EQ(m->username(), "first");
  EXPECT_EQ(m->priority(), 1u);
}

TEST(StunParse, AttributesAfterIntegrityAreIgnored) {
  // RFC 8489 §14.5: only FINGERPRINT (and MESSAGE-INTEGRITY-SHA256) count after it.
  const Bytes b =
      raw_message(kBindingRequest, {{attr::kUsername, bytes_of("u:v")},
                                    {attr::kMessageIntegrity, Bytes(20, 0xAA)},
                                    {attr::kPriority, hex("00000001")},
                                    {attr::kUseCandidate, {}},
                                    {0x0003, {}},
                                    {attr::kPriority, hex("01")},  // malformed, but ignored
                                    {attr::kMessageIntegritySha256, Bytes(32, 0xBB)},
                                    {attr::kFingerprint, hex("00000000")}});
  auto m = parse(b);
  ASSERT_TRUE(m.ok()) << m.error().code;
  EXPECT_EQ(m->username(), "u:v");
  EXPECT_FALSE(m->priority().has_value());
  EXPECT_FALSE(m->use_candidate());
  EXPECT_TRUE(m->unknown_comprehension_required().empty());
  EXPECT_TRUE(m->has_integrity());
  EXPECT_TRUE(m->has_fingerprint());
  std::size_t count = 0;
  for (const Attribute& a : m->attributes()) {
    (void)a;
    ++count;
  }
  EXPECT_EQ(count, 8u);  // iteration shows them all
}

TEST(StunParse, UnknownComprehensionRequiredAreReportedOptionalOnesNot) {
  const Bytes b = raw_message(kBindingRequest, {{0x0003, {}},
                                                {0x8055, bytes_of("optional")},
                                                {0x7FFF, {}},
                                                {0x0003, {}},
                                                {attr::kSoftware, bytes_of("x")},
                                                {0xC057, hex("0001")}});
  auto m = parse(b);
  ASSERT_TRUE(m.ok());
  const auto unknown = m->unknown_comprehension_required();
  EXPECT_EQ(std::vector<std::uint16_t>(unknown.begin(), unknown.end()),
            (std::vector<std::uint16_t>{0x0003, 0x7FFF}));
}

TEST(StunParse, UnknownListIsCapped) {
  Bytes b = raw_message(kBindingRequest, {});
  for (std::uint16_t t = 0x0100; t < 0x0110; ++t) {
    testing::append16(b, t);
    testing::append16(b, 0);
  }
  testing::put16(b, 2, static_cast<std::uint16_t>(b.size() - 20));
  auto m = parse(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->unknown_comprehension_required().size(), Message::kMaxUnknownReported);
  EXPECT_EQ(m->unknown_comprehension_required()[0], 0x0100);
}

TEST(StunParse, NonZeroPaddingIsIgnored) {
  // RFC 8489 §14: the receiver ignores the padding bits.
  const Bytes b = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("abcde")}},
                              testing::kTestTransactionId, 0xFF);
  auto m = parse(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->username(), "abcde");
}

TEST(StunParse, ErrorCodeValues) {
  const Bytes b = raw_message(0x0111, {{attr::kErrorCode, hex("0000 0614 6e6f")}});
  auto m = parse(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->error_code()->code, 620);
  EXPECT_EQ(m->error_code()->reason, "no");
  const Bytes reserved_bits = raw_message(0x0111, {{attr::kErrorCode, hex("ffff fb00")}});
  m = parse(reserved_bits);
  ASSERT_TRUE(m.ok());  // reserved bits ignored
  EXPECT_EQ(m->error_code()->code, 300);
  EXPECT_EQ(m->error_code()->reason, "");
}

// ---------------------------------------------------------------- refusals

TEST(StunRefusal, Oversize) {
  const Bytes b = raw_message(kBindingRequest, {{attr::kSoftware, Bytes(100, 'x')}});
  EXPECT_EQ(parse_error(b, b.size()), "ok");
  EXPECT_EQ(parse_error(b, b.size() - 1), "stun_oversize");
  const Bytes huge = raw_message(kBindingRequest, {{attr::kSoftware, Bytes(2000, 'x')}});
  EXPECT_EQ(parse_error(huge), "stun_oversize");
  EXPECT_EQ(parse_error(huge, 65535 + 20), "ok");
}

TEST(StunRefusal, Truncated) {
  const Bytes b = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("user")}});
  EXPECT_EQ(parse_error(Bytes{}), "stun_truncated");
  for (std::size_t n = 1; n < b.size(); ++n) {
    const std::string code = parse_error(Bytes(b.begin(), b.begin() + static_cast<long>(n)));
    EXPECT_TRUE(code == "stun_truncated") << n << " " << code;
  }
}

TEST(StunRefusal, BadHeaderBits) {
  Bytes b = raw_message(kBindingRequest, {});
  b[0] |= 0x40;
  EXPECT_EQ(parse_error(b), "stun_bad_header");
  b[0] = 0x80;
  EXPECT_EQ(parse_error(b), "stun_bad_header");
  // Methods 0x100..0xFFF are reserved so that STUN's first byte stays 0..3
  // (RFC 8489 §18.2, RFC 7983 §7); 0x16 would read as a DTLS handshake.
  const Bytes reserved_method = raw_message(message_type(0x100, MessageClass::kRequest), {});
  EXPECT_EQ(reserved_method[0], 0x04);
  EXPECT_EQ(parse_error(reserved_method), "stun_bad_header");
  b[0] = 0x16;
  EXPECT_EQ(parse_error(b), "stun_bad_header");
  for (std::uint8_t first : {0, 1, 2, 3}) {
    b[0] = first;
    EXPECT_EQ(parse_error(b), "ok") << int{first};
  }
}

TEST(StunRefusal, LengthNotAMultipleOfFour) {
  Bytes b = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("user")}});
  testing::put16(b, 2, 7);
  b.resize(27);
  EXPECT_EQ(parse_error(b), "stun_bad_length");
}

TEST(StunRefusal, OddPaddingMissing) {
  // A 5-byte USERNAME sent without its 3 padding bytes: length 9.
  Bytes b = raw_message(kBindingRequest, {});
  testing::append16(b, attr::kUsername);
  testing::append16(b, 5);
  for (char c : std::string_view("abcde")) b.push_back(static_cast<std::uint8_t>(c));
  testing::put16(b, 2, static_cast<std::uint16_t>(b.size() - 20));
  EXPECT_EQ(parse_error(b), "stun_bad_length");
}

TEST(StunRefusal, BytesAfterTheMessage) {
  Bytes b = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("user")}});
  b.insert(b.end(), {0, 0, 0, 0});
  EXPECT_EQ(parse_error(b), "stun_bad_length");
}

TEST(StunRefusal, WrongCookie) {
  Bytes b = raw_message(kBindingRequest, {});
  b[7] ^= 0x01;
  EXPECT_EQ(parse_error(b), "stun_bad_cookie");
  // An RFC 3489 message: 16-byte transaction id where the cookie would be.
  Bytes classic = hex("0001 0000 0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(parse_error(classic), "stun_bad_cookie");
}

TEST(StunRefusal, AttributeOverrunningTheMessage) {
  Bytes b = raw_message(kBindingRequest, {{attr::kUsername, bytes_of("userXXXX")}});
  testing::put16(b, 22, 9);  // USERNAME claims 9 bytes, 8 are there
  EXPECT_EQ(parse_error(b), "stun_bad_attribute");
  testing::put16(b, 22, 0xFFFF);
  EXPECT_EQ(parse_error(b), "stun_bad_attribute");
  // An unknown optional attribute is walked too.
  Bytes c = raw_message(kBindingRequest, {{0x8123, Bytes(4, 0)}});
  testing::put16(c, 22, 5);
  EXPECT_EQ(parse_error(c), "stun_bad_attribute");
}

TEST(StunRefusal, FingerprintNotLast) {
  const Bytes b = raw_message(kBindingRequest, {{attr::kFingerprint, hex("00000000")},
                                                {attr::kSoftware, bytes_of("late")}});
  EXPECT_EQ(parse_error(b), "stun_bad_fingerprint");
  const Bytes integrity_after =
      raw_message(kBindingRequest,
                  {{attr::kFingerprint, hex("00000000")}, {attr::kMessageIntegrity, Bytes(20, 0)}});
  EXPECT_EQ(parse_error(integrity_after), "stun_bad_fingerprint");
  const Bytes two = raw_message(kBindingRequest, {{attr::kFingerprint, hex("00000000")},
                                                  {attr::kFingerprint, hex("00000000")}});
  EXPECT_EQ(parse_error(two), "stun_bad_fingerprint");
}

TEST(StunRefusal, MalformedKnownAttributes) {
  const std::pair<std::uint16_t, Bytes> bad[] = {
      {attr::kMessageIntegrity, Bytes(19, 0)},
      {attr::kMessageIntegrity, Bytes(32, 0)},
      {attr::kFingerprint, hex("000000")},
      {attr::kFingerprint, hex("0000000000")},
      {attr::kPriority, hex("000001")},
      {attr::kPriority, hex("0000000001")},
      {attr::kUseCandidate, hex("00000000")},
      {attr::kIceControlling, hex("00000001")},
      {attr::kIceControlled, Bytes(9, 0)},
      {attr::kXorMappedAddress, hex("0001a1")},
      {attr::kXorMappedAddress, hex("0003a147e112a643")},          // family 3
      {attr::kXorMappedAddress, hex("0001a147e112a64300000000")},  // IPv4, 12 bytes
      {attr::kXorMappedAddress, hex("0002a147e112a643")},          // IPv6, 8 bytes
      {attr::kErrorCode, hex("000004")},                           // too short
      {attr::kErrorCode, hex("00000700")},                         // class 7
      {attr::kErrorCode, hex("00000200")},                         // class 2
      {attr::kErrorCode, hex("00000464")},                         // number 100
      {attr::kErrorCode,
       [] {
         Bytes v = hex("00000400");
         v.resize(4 + 764, 'x');
         return v;
       }()},
  };
  for (const auto& [type, value] : bad) {
    const Bytes b = raw_message(kBindingRequest, {{type, value}});
    EXPECT_EQ(parse_error(b), "stun_bad_attribute") << std::hex << type << " " << value.size();
  }
}

TEST(StunRefusal, LargestMessageParsesUnderARaisedLimit) {
  // The largest length that is a multiple of 4: 0xFFFC.
  Bytes b = raw_message(kBindingRequest, {{attr::kSoftware, Bytes(0xFFFC - 4, 's')}});
  ASSERT_EQ(b.size(), 0xFFFCu + 20);
  EXPECT_EQ(parse_error(b), "stun_oversize");
  EXPECT_EQ(parse_error(b, b.size()), "ok");
  testing::put16(b, 2, 0xFFF8);
  EXPECT_EQ(parse_error(b, b.size()), "stun_bad_length");  // 4 bytes left over
}

TEST(StunIntegrity, MissingUsernameStillVerifiesWhatIsThere) {
  // verify_integrity() checks the HMAC only; which attributes a request needs
  // (USERNAME too, RFC 8489 §9.1.3) is the caller's rule.
  const Bytes sealed = testing::seal(raw_message(kBindingRequest, {}), kKey);
  auto m = parse(sealed);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(verify_integrity(*m, kKey).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
  EXPECT_FALSE(m->username().has_value());
}

TEST(StunIntegrity, EmptyKeyWorksBothWays) {
  const Bytes sealed = testing::seal(raw_message(kBindingRequest, {}), "");
  auto m = parse(sealed);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(verify_integrity(*m, "").ok());
  EXPECT_EQ(verify_integrity(*m, kKey).error().code, "stun_bad_integrity");
}

}  // namespace
}  // namespace parley::stun
