// The frame path of the sframe module allocates nothing: with keys added
// beforehand, header parsing and encoding, encryption and decryption run
// with every C++ allocation counted (operator new is replaced for this test
// binary) and OpenSSL's own allocations counted through its memory hooks.
// Refusals are not covered: an Error carries std::strings.
//
// What is measured rather than required: OpenSSL 3.0's HMAC copies its
// keyed digest state on every re-initialisation and finalisation
// (EVP_MD_CTX_copy_ex duplicates the provider context), two allocations per
// frame for the AES-CTR + HMAC suites. That count is checked not to grow and
// printed; AES-GCM (the default suite) and our own code allocate nothing.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <vector>

#include "sframe/context.h"
#include "sframe/header.h"
#include "support/counting_allocator.h"
#include "support/openssl_allocations.h"


namespace parley::sframe {
namespace {

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

TEST(SFrameAllocation, FramePathAllocatesNothing) {
  constexpr int kFrames = 10;
  ASSERT_TRUE(parley::test::openssl_hooked());
  const std::array<std::uint8_t, 16> base_key{1, 2, 3};
  const std::array<std::uint8_t, 6> metadata{9, 8, 7, 6, 5, 4};
  std::vector<std::uint8_t> pt(1200, 0x5A);
  std::vector<std::uint8_t> frame(pt.size() + kMaxHeaderSize + kMaxTagSize);
  std::vector<std::uint8_t> out(frame.size());
  for (const SuiteInfo& suite : supported_suites()) {
    SCOPED_TRACE(std::string(suite.name));
    SFrameContext sender(suite.id), receiver(suite.id);
    ASSERT_TRUE(sender.add_send_key(0x4242, base_key));
    ASSERT_TRUE(receiver.add_receive_key(0x4242, base_key));
    bool all_ok = true;
    const Counts counts = count([&] {
      for (int i = 0; i < kFrames; ++i) {
        auto n = sender.encrypt(0x4242, metadata, pt, frame);
        all_ok = all_ok && n.ok();
        if (!n) return;
        const std::span<const std::uint8_t> sealed(frame.data(), *n);
        auto h = parse_header(sealed);
        all_ok = all_ok && h.ok() && h->kid == 0x4242;
        std::array<std::uint8_t, kMaxHeaderSize> header{};
        all_ok = all_ok && encode_header(h->kid, h->ctr, header).ok();
        auto d = receiver.decrypt(sealed, metadata, out);
        all_ok = all_ok && d.ok() && d->plaintext.size() == pt.size();
      }
    });
    EXPECT_TRUE(all_ok);
    EXPECT_EQ(counts.cxx, 0u);
    if (suite.aead == AeadKind::kAesGcm) {
      EXPECT_EQ(counts.openssl, 0u);
    } else {
      EXPECT_LE(counts.openssl, 2u * kFrames * 2u);  // 20 HMACs: 10 seals, 10 opens
      std::printf("%s: OpenSSL allocations per HMAC: %.1f\n", std::string(suite.name).c_str(),
                  static_cast<double>(counts.openssl) / (2 * kFrames));
    }
  }
}

}  // namespace
}  // namespace parley::sframe
