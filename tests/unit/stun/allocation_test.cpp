// The packet path of the stun module allocates nothing: parse, the accessors,
// attribute iteration, FINGERPRINT, demultiplexing and the builders are run
// with every C++ allocation counted (operator new is replaced for this test
// binary), and OpenSSL's own allocations counted through its memory hooks.
//
// What is measured rather than required: OpenSSL's HMAC allocates a MAC
// context per call (EVP_MAC_CTX_new); that count is printed. Error paths are
// not covered: an Error carries std::strings.

#include <gtest/gtest.h>

#include <cstdio>
#include <new>

#include "stun/demux.h"
#include "stun/stun.h"
#include "support/counting_allocator.h"
#include "support/openssl_allocations.h"
#include "test_util.h"


namespace parley::stun {
namespace {

using testing::Bytes;

constexpr std::string_view kKey = "VOkJxbRl1RmTxUk/WvJxBt";

struct Counts {
  std::size_t cxx;
  std::size_t openssl;
};

template <class F>
Counts count(F&& f) {
  const std::size_t cxx = parley::test::allocations();
  const std::size_t ossl = parley::test::openssl_allocations();
  f();
  return Counts{parley::test::allocations() - cxx, parley::test::openssl_allocations() - ossl};
}

TEST(StunAllocation, ParsingAndAnsweringAllocateNothingOfOurs) {
  // Everything the measured code needs, prepared beforehand.
  BindingRequestParams params;
  params.transaction_id = TransactionId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  params.username = "server:client";
  params.key = kKey;
  params.priority = 1;
  params.use_candidate = true;
  std::array<std::uint8_t, 256> request{};
  std::array<std::uint8_t, 256> response{};
  const SocketAddress peer = SocketAddress::ipv4({192, 0, 2, 1}, 32853);
  std::size_t request_size = 0;
  // Warm up once: OpenSSL fetches its HMAC implementation on first use.
  ASSERT_TRUE(build_binding_request(params, request).ok());

  bool all_ok = true;
  const Counts parse_counts = count([&] {
    auto n = build_binding_request(params, request);
    all_ok = all_ok && n.ok();
    request_size = n.ok() ? *n : 0;
    const std::span<const std::uint8_t> datagram(request.data(), request_size);
    all_ok = all_ok && classify(datagram) == PacketKind::kStun;
    auto m = parse(datagram);
    all_ok = all_ok && m.ok();
    if (!m.ok()) return;
    all_ok = all_ok && m->username() == "server:client" && m->priority() == 1u &&
             m->use_candidate() && m->ice_controlling().has_value();
    std::size_t attributes = 0;
    for (const Attribute& a : m->attributes()) attributes += a.value.size() > 0 ? 1 : 0;
    all_ok = all_ok && attributes == 5;
    all_ok = all_ok && verify_fingerprint(*m).ok();
    all_ok = all_ok && verify_integrity(*m, kKey).ok();
    auto r = build_binding_success(*m, peer, kKey, response);
    all_ok = all_ok && r.ok();
    const std::uint16_t unknown[] = {0x0003};
    all_ok = all_ok && build_error_response(*m, 420, "", unknown, kKey, response).ok();
  });
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(parse_counts.cxx, 0u);

  // Without any HMAC, OpenSSL is not involved at all.
  const std::span<const std::uint8_t> datagram(request.data(), request_size);
  const Counts crc_counts = count([&] {
    auto m = parse(datagram);
    all_ok = all_ok && m.ok() && verify_fingerprint(*m).ok();
  });
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(crc_counts.cxx, 0u);
  EXPECT_EQ(crc_counts.openssl, 0u);

  if (parley::test::openssl_hooked()) {
    // 4 HMACs above: building the request, verifying it, the two responses.
    std::printf("OpenSSL allocations for 4 HMAC-SHA1 computations: %zu\n", parse_counts.openssl);
  }
}

}  // namespace
}  // namespace parley::stun
