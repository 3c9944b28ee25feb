// RFC 5769 test vectors with short-term credentials (§2.1 request, §2.2 IPv4
// response, §2.3 IPv6 response): parsed, checked, and built again from the
// same inputs. The §2.4 vector uses long-term credentials, which ICE does not.

#include <gtest/gtest.h>

#include "stun/stun.h"
#include "test_util.h"

namespace parley::stun {
namespace {

using testing::Bytes;
using testing::hex;

// RFC 5769 §2: the short-term password of all three messages.
constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";

// §2.1: Binding request with SOFTWARE "STUN test client", PRIORITY,
// ICE-CONTROLLED, USERNAME "evtj:h6vY" (padded with spaces), MESSAGE-INTEGRITY
// and FINGERPRINT.
const Bytes kSampleRequest =
    hex("0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae"
        "8022 0010 5354554e 20746573 7420636c 69656e74"
        "0024 0004 6e0001ff"
        "8029 0008 932ff9b1 51263b36"
        "0006 0009 6576746a 3a683676 59202020"
        "0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2"
        "8028 0004 e57a3bcf");

// §2.2: Binding success, SOFTWARE "test vector", XOR-MAPPED-ADDRESS
// 192.0.2.1:32853, MESSAGE-INTEGRITY, FINGERPRINT.
const Bytes kSampleIpv4Response =
    hex("0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae"
        "8022 000b 74657374 20766563 746f7220"
        "0020 0008 0001a147 e112a643"
        "0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7"
        "8028 0004 c07d4c96");

// §2.3: as §2.2 with XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const Bytes kSampleIpv6Response =
    hex("0101 0048 2112a442 b7e7a701 bc34d686 fa87dfae"
        "8022 000b 74657374 20766563 746f7220"
        "0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9"
        "0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41"
        "8028 0004 c8fb0b4c");

const SocketAddress kIpv4Mapped = SocketAddress::ipv4({192, 0, 2, 1}, 32853);
const SocketAddress kIpv6Mapped =
    SocketAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33,
                         0x44, 0x55, 0x66, 0x77},
                        32853);

Bytes slice(const Bytes& b, std::size_t from, std::size_t size) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
               b.begin() + static_cast<std::ptrdiff_t>(from + size));
}

std::string_view text(std::span<const std::uint8_t> v) {
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

TEST(StunRfc5769, SampleRequestParsesAndVerifies) {
  auto m = parse(kSampleRequest);
  ASSERT_TRUE(m.ok()) << m.error().code;
  EXPECT_TRUE(m->is_binding_request());
  EXPECT_EQ(m->method(), kMethodBinding);
  EXPECT_EQ(m->message_class(), MessageClass::kRequest);
  EXPECT_EQ(Bytes(m->transaction_id().begin(), m->transaction_id().end()),
            testing::kTestTransactionId);
  EXPECT_EQ(m->username(), "evtj:h6vY");
  EXPECT_EQ(m->priority(), 0x6e0001ffu);
  EXPECT_EQ(m->ice_controlled(), 0x932ff9b151263b36u);
  EXPECT_FALSE(m->ice_controlling().has_value());
  EXPECT_FALSE(m->use_candidate());
  EXPECT_FALSE(m->xor_mapped_address().has_value());
  EXPECT_TRUE(m->unknown_comprehension_required().empty());
  EXPECT_TRUE(m->has_integrity());
  EXPECT_TRUE(m->has_fingerprint());

  EXPECT_TRUE(verify_integrity(*m, kPassword).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
  auto wrong = verify_integrity(*m, "VOkJxbRl1RmTxUk/WvJxBT");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "stun_bad_integrity");
}

TEST(StunRfc5769, SampleRequestAttributesInOrder) {
  auto m = parse(kSampleRequest);
  ASSERT_TRUE(m.ok());
  std::vector<std::uint16_t> types;
  std::vector<std::size_t> sizes;
  for (const Attribute& a : m->attributes()) {
    types.push_back(a.type);
    sizes.push_back(a.value.size());
    if (a.type == attr::kSoftware) {
      EXPECT_EQ(text(a.value), "STUN test client");
    }
  }
  EXPECT_EQ(types, (std::vector<std::uint16_t>{attr::kSoftware, attr::kPriority,
                                               attr::kIceControlled, attr::kUsername,
                                               attr::kMessageIntegrity, attr::kFingerprint}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{16, 4, 8, 9, 20, 4}));
}

TEST(StunRfc5769, SampleIpv4ResponseParsesAndVerifies) {
  auto m = parse(kSampleIpv4Response);
  ASSERT_TRUE(m.ok()) << m.error().code;
  EXPECT_EQ(m->type(), 0x0101);
  EXPECT_EQ(m->message_class(), MessageClass::kSuccessResponse);
  ASSERT_TRUE(m->xor_mapped_address().has_value());
  EXPECT_EQ(*m->xor_mapped_address(), kIpv4Mapped);
  EXPECT_EQ(m->xor_mapped_address()->to_string(), "192.0.2.1:32853");
  EXPECT_TRUE(verify_integrity(*m, kPassword).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
}

TEST(StunRfc5769, SampleIpv6ResponseParsesAndVerifies) {
  auto m = parse(kSampleIpv6Response);
  ASSERT_TRUE(m.ok()) << m.error().code;
  ASSERT_TRUE(m->xor_mapped_address().has_value());
  EXPECT_EQ(*m->xor_mapped_address(), kIpv6Mapped);
  EXPECT_EQ(m->xor_mapped_address()->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  EXPECT_TRUE(verify_integrity(*m, kPassword).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
}

// The test's own reference sealing reproduces the vectors byte for byte, so
// it can stand for the RFC in the building tests below.
TEST(StunRfc5769, ReferenceSealReproducesTheVectors) {
  for (const Bytes* v : {&kSampleRequest, &kSampleIpv4Response, &kSampleIpv6Response}) {
    const Bytes body = slice(*v, 0, v->size() - 24 - 8);  // without MI and FINGERPRINT
    EXPECT_EQ(testing::seal(body, kPassword), *v);
  }
}

// §2.2 built from its inputs (the request's transaction id, the mapped
// address, the password). Our response carries no SOFTWARE, so it is the
// vector without that attribute, its integrity and fingerprint recomputed.
TEST(StunRfc5769, BuildingTheIpv4ResponseReproducesTheVector) {
  auto request = parse(kSampleRequest);
  ASSERT_TRUE(request.ok());
  std::array<std::uint8_t, 256> out{};
  auto n = build_binding_success(*request, kIpv4Mapped, kPassword, out);
  ASSERT_TRUE(n.ok()) << n.error().code;
  const Bytes built(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));

  Bytes body = slice(kSampleIpv4Response, 0, 20);
  const Bytes xor_mapped = slice(kSampleIpv4Response, 36, 12);
  body.insert(body.end(), xor_mapped.begin(), xor_mapped.end());
  EXPECT_EQ(built, testing::seal(body, kPassword));
  EXPECT_EQ(slice(built, 20, 12), xor_mapped);
}

TEST(StunRfc5769, BuildingTheIpv6ResponseReproducesTheVector) {
  auto request = parse(kSampleRequest);
  ASSERT_TRUE(request.ok());
  std::array<std::uint8_t, 256> out{};
  auto n = build_binding_success(*request, kIpv6Mapped, kPassword, out);
  ASSERT_TRUE(n.ok()) << n.error().code;
  const Bytes built(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));

  Bytes body = slice(kSampleIpv6Response, 0, 20);
  const Bytes xor_mapped = slice(kSampleIpv6Response, 36, 24);
  body.insert(body.end(), xor_mapped.begin(), xor_mapped.end());
  EXPECT_EQ(built, testing::seal(body, kPassword));
  EXPECT_EQ(slice(built, 20, 24), xor_mapped);
}

// §2.1 built from its inputs: the vector without SOFTWARE, and with zero
// padding after USERNAME (RFC 8489 §14 has senders pad with zeros; the
// vector's spaces are what a receiver must ignore).
TEST(StunRfc5769, BuildingTheRequestReproducesTheVector) {
  BindingRequestParams params;
  std::copy(testing::kTestTransactionId.begin(), testing::kTestTransactionId.end(),
            params.transaction_id.begin());
  params.username = "evtj:h6vY";
  params.key = kPassword;
  params.priority = 0x6e0001ff;
  params.role = IceRole::kControlled;
  params.tie_breaker = 0x932ff9b151263b36;
  std::array<std::uint8_t, 256> out{};
  auto n = build_binding_request(params, out);
  ASSERT_TRUE(n.ok()) << n.error().code;
  const Bytes built(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));

  Bytes body = slice(kSampleRequest, 0, 20);
  const Bytes ice = slice(kSampleRequest, 40, 8 + 12);  // PRIORITY, ICE-CONTROLLED
  body.insert(body.end(), ice.begin(), ice.end());
  Bytes username = slice(kSampleRequest, 60, 16);
  username[13] = username[14] = username[15] = 0;
  body.insert(body.end(), username.begin(), username.end());
  EXPECT_EQ(built, testing::seal(body, kPassword));

  auto m = parse(built);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->username(), "evtj:h6vY");
  EXPECT_EQ(m->priority(), 0x6e0001ffu);
  EXPECT_EQ(m->ice_controlled(), 0x932ff9b151263b36u);
  EXPECT_TRUE(verify_integrity(*m, kPassword).ok());
  EXPECT_TRUE(verify_fingerprint(*m).ok());
}

// Any change to a covered byte breaks integrity and fingerprint.
TEST(StunRfc5769, TamperedVectorsFailTheChecks) {
  for (const Bytes* v : {&kSampleRequest, &kSampleIpv4Response, &kSampleIpv6Response}) {
    Bytes changed = *v;
    changed[27] ^= 0x01;  // inside SOFTWARE: covered by both
    auto m = parse(changed);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(verify_integrity(*m, kPassword).error().code, "stun_bad_integrity");
    EXPECT_EQ(verify_fingerprint(*m).error().code, "stun_bad_fingerprint");
  }
  // A changed FINGERPRINT leaves MESSAGE-INTEGRITY intact.
  Bytes changed = kSampleRequest;
  changed.back() ^= 0x80;
  auto m = parse(changed);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(verify_integrity(*m, kPassword).ok());
  EXPECT_EQ(verify_fingerprint(*m).error().code, "stun_bad_fingerprint");
  // A changed MESSAGE-INTEGRITY value: the HMAC fails, and so does the CRC over it.
  changed = kSampleRequest;
  changed[changed.size() - 8 - 1] ^= 0x01;
  m = parse(changed);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(verify_integrity(*m, kPassword).error().code, "stun_bad_integrity");
  EXPECT_EQ(verify_fingerprint(*m).error().code, "stun_bad_fingerprint");
}

}  // namespace
}  // namespace parley::stun
