// SFrameContext beyond the known answers: round trips with every suite,
// the rules for keys and counters (RFC 9605 §4.4.1, §7.4), refusals of
// tampered, truncated and unknown frames (§4.4.4), the replay window (§9.3),
// buffers and in-place operation.

#include "sframe/context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>

#include "sframe/aead.h"
#include "sframe/header.h"
#include "sframe/key_schedule.h"
#include "test_util.h"

namespace parley::sframe {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

const Bytes kBaseKey = hex("101112131415161718191a1b1c1d1e1f");
const Bytes kMetadata = hex("0102030405");

Bytes pattern(std::size_t n, std::uint8_t seed = 1) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

struct Pair {
  SFrameContext sender, receiver;
};

Pair make_pair(CipherSuite suite, std::uint64_t kid, bool replay = true) {
  Pair p{SFrameContext(suite), SFrameContext(suite)};
  EXPECT_TRUE(p.sender.add_send_key(kid, kBaseKey));
  EXPECT_TRUE(p.receiver.add_receive_key(kid, kBaseKey, {.replay_protection = replay}));
  return p;
}

Bytes encrypt(SFrameContext& c, std::uint64_t kid, std::span<const std::uint8_t> metadata,
              std::span<const std::uint8_t> pt) {
  Bytes out(pt.size() + c.max_overhead());
  auto n = c.encrypt(kid, metadata, pt, out);
  EXPECT_TRUE(n) << n.error().code;
  out.resize(n ? *n : 0);
  return out;
}

std::string decrypt_error(SFrameContext& c, std::span<const std::uint8_t> frame,
                          std::span<const std::uint8_t> metadata) {
  Bytes out(frame.size());
  auto d = c.decrypt(frame, metadata, out);
  return d ? "ok" : d.error().code;
}

class EverySuite : public testing::TestWithParam<CipherSuite> {};

INSTANTIATE_TEST_SUITE_P(
    SFrameContext, EverySuite,
    testing::Values(CipherSuite::kAes128CtrHmacSha256_80, CipherSuite::kAes128CtrHmacSha256_64,
                    CipherSuite::kAes128CtrHmacSha256_32, CipherSuite::kAes128GcmSha256_128,
                    CipherSuite::kAes256GcmSha512_128, CipherSuite::kAes256CtrHmacSha512_80,
                    CipherSuite::kAes256CtrHmacSha512_64, CipherSuite::kAes256CtrHmacSha512_32),
    [](const auto& info) { return std::string(suite_info(info.param).name); });

TEST_P(EverySuite, RoundTripsFramesOfManySizes) {
  auto p = make_pair(GetParam(), 300);
  const std::size_t nt = suite_info(GetParam()).nt;
  // Sizes around the AES block and the frames media sends, one key for all:
  // the reused OpenSSL contexts must start each frame afresh.
  for (std::size_t size : {0, 1, 15, 16, 17, 31, 33, 100, 160, 1200, 3000, 60000}) {
    const Bytes pt = pattern(size, static_cast<std::uint8_t>(size));
    const std::uint64_t ctr = *p.sender.find_key(300)->next_counter();
    const Bytes frame = encrypt(p.sender, 300, kMetadata, pt);
    ASSERT_EQ(frame.size(), header_size(300, ctr) + size + nt);
    EXPECT_EQ(frame.size(), p.sender.ciphertext_size(300, ctr, size));
    Bytes out(frame.size());
    auto d = p.receiver.decrypt(frame, kMetadata, out);
    ASSERT_TRUE(d) << d.error().code << " at size " << size;
    EXPECT_EQ(d->kid, 300u);
    EXPECT_EQ(d->ctr, ctr);
    EXPECT_EQ(Bytes(d->plaintext.begin(), d->plaintext.end()), pt);
  }
}

TEST_P(EverySuite, ReusedKeysMatchFreshOnes) {
  // A frame sealed by a long-used context equals the one a context made for
  // it alone produces (the nonce, not left-over state, decides the output).
  SFrameContext used(GetParam());
  ASSERT_TRUE(used.add_send_key(9, kBaseKey));
  for (std::uint64_t ctr = 0; ctr < 20; ++ctr) {
    const Bytes pt = pattern(ctr * 13 + 5, static_cast<std::uint8_t>(ctr));
    Bytes a(pt.size() + used.max_overhead()), b(a.size());
    auto na = used.encrypt(9, ctr, kMetadata, pt, a);
    SFrameContext fresh(GetParam());
    ASSERT_TRUE(fresh.add_send_key(9, kBaseKey));
    auto nb = fresh.encrypt(9, ctr, kMetadata, pt, b);
    ASSERT_TRUE(na && nb);
    EXPECT_EQ(Bytes(a.begin(), a.begin() + *na), Bytes(b.begin(), b.begin() + *nb));
  }
}

TEST_P(EverySuite, EveryTamperedByteIsRefused) {
  auto p = make_pair(GetParam(), 0x1234, /*replay=*/false);
  const Bytes pt = pattern(40);
  const Bytes frame = encrypt(p.sender, 0x1234, kMetadata, pt);
  ASSERT_EQ(decrypt_error(p.receiver, frame, kMetadata), "ok");
  const std::size_t hsize = parse_header(frame)->size;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      Bytes bad = frame;
      bad[i] ^= bit;
      const std::string code = decrypt_error(p.receiver, bad, kMetadata);
      if (i < hsize) {
        // The header: another KID (unknown here), another shape, or another
        // CTR (so another nonce and AAD).
        EXPECT_TRUE(code == "sframe_auth_failed" || code == "sframe_unknown_kid" ||
                    code == "sframe_bad_header" || code == "sframe_truncated")
            << code << " at byte " << i;
      } else {
        EXPECT_EQ(code, "sframe_auth_failed") << "byte " << i;
      }
    }
  }
  // The metadata is authenticated too (§4.4.3: aad = header + metadata).
  Bytes metadata = kMetadata;
  metadata[2] ^= 0x10;
  EXPECT_EQ(decrypt_error(p.receiver, frame, metadata), "sframe_auth_failed");
  EXPECT_EQ(decrypt_error(p.receiver, frame, {}), "sframe_auth_failed");
  Bytes longer = kMetadata;
  longer.push_back(0);
  EXPECT_EQ(decrypt_error(p.receiver, frame, longer), "sframe_auth_failed");
  // Cut anywhere: short of the header, of the tag, or just wrong.
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const std::string code = decrypt_error(p.receiver, std::span(frame.data(), n), kMetadata);
    if (n < hsize || n < hsize + suite_info(GetParam()).nt)
      EXPECT_EQ(code, "sframe_truncated") << n;
    else
      EXPECT_EQ(code, "sframe_auth_failed") << n;
  }
  // A frame with bytes appended.
  Bytes extended = frame;
  extended.push_back(0);
  EXPECT_EQ(decrypt_error(p.receiver, extended, kMetadata), "sframe_auth_failed");
  // Still fine after all that.
  EXPECT_EQ(decrypt_error(p.receiver, frame, kMetadata), "ok");
}

TEST_P(EverySuite, AnotherKeyOrSuiteDoesNotDecrypt) {
  auto p = make_pair(GetParam(), 5);
  const Bytes frame = encrypt(p.sender, 5, kMetadata, pattern(30));
  SFrameContext other_key(GetParam());
  ASSERT_TRUE(other_key.add_receive_key(5, hex("ff")));
  EXPECT_EQ(decrypt_error(other_key, frame, kMetadata), "sframe_auth_failed");
  // §4.4.2 binds the suite into the labels: the same base key under another
  // suite derives other keys.
  const CipherSuite other_suite = GetParam() == CipherSuite::kAes128GcmSha256_128
                                      ? CipherSuite::kAes128CtrHmacSha256_80
                                      : CipherSuite::kAes128GcmSha256_128;
  SFrameContext other(other_suite);
  ASSERT_TRUE(other.add_receive_key(5, kBaseKey));
  EXPECT_NE(decrypt_error(other, frame, kMetadata), "ok");
}

TEST(SFrameContext, UnknownKidAndKeyUsage) {
  auto p = make_pair(kDefaultCipherSuite, 1);
  const Bytes frame = encrypt(p.sender, 1, {}, pattern(10));
  SFrameContext empty;
  EXPECT_EQ(decrypt_error(empty, frame, {}), "sframe_unknown_kid");

  // §4.4.1: a key is for encryption or decryption, never both.
  Bytes out(64);
  auto e = p.receiver.encrypt(1, {}, pattern(10), out);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "sframe_key_usage");
  EXPECT_EQ(decrypt_error(p.sender, frame, {}), "sframe_key_usage");
  e = p.sender.encrypt(2, {}, pattern(10), out);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "sframe_unknown_kid");

  // One KID, one key, whatever its use.
  auto dup = p.sender.add_receive_key(1, kBaseKey);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "sframe_duplicate_kid");
  EXPECT_EQ(p.sender.add_send_key(1, kBaseKey).error().code, "sframe_duplicate_kid");
  EXPECT_EQ(p.sender.add_send_key(3, {}).error().code, "sframe_bad_key");

  // Removing a key: its frames are unknown again; the KID can be reused.
  EXPECT_TRUE(p.receiver.remove_key(1));
  EXPECT_FALSE(p.receiver.remove_key(1));
  EXPECT_EQ(p.receiver.find_key(1), nullptr);
  EXPECT_EQ(decrypt_error(p.receiver, frame, {}), "sframe_unknown_kid");
  ASSERT_TRUE(p.receiver.add_receive_key(1, kBaseKey));
  EXPECT_EQ(decrypt_error(p.receiver, frame, {}), "ok");
}

TEST(SFrameContext, CountersNeverRepeat) {
  SFrameContext c;
  ASSERT_TRUE(c.add_send_key(4, kBaseKey));
  const Bytes pt = pattern(20);
  Bytes out(pt.size() + c.max_overhead());
  // The next CTR starts at 0 and advances after each frame (§4.4.1).
  for (std::uint64_t expected = 0; expected < 3; ++expected) {
    ASSERT_EQ(c.find_key(4)->next_counter(), expected);
    auto n = c.encrypt(4, {}, pt, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(parse_header(std::span(out.data(), *n))->ctr, expected);
  }
  // §7.4: a CTR already used (or skipped over) is refused...
  for (std::uint64_t used : {0, 1, 2}) {
    auto n = c.encrypt(4, used, {}, pt, out);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, "sframe_counter_reused");
  }
  // ...a later one is taken, and the count continues from it.
  ASSERT_TRUE(c.encrypt(4, 1000, {}, pt, out));
  EXPECT_EQ(c.find_key(4)->next_counter(), 1001u);
  EXPECT_EQ(c.encrypt(4, 999, {}, pt, out).error().code, "sframe_counter_reused");
  // A failed encryption uses no CTR.
  Bytes small(5);
  EXPECT_EQ(c.encrypt(4, {}, pt, small).error().code, "sframe_buffer_too_small");
  EXPECT_EQ(c.find_key(4)->next_counter(), 1001u);
  // The last CTR, 2^64 - 1, can be used once; then the key is spent.
  auto last = c.encrypt(4, UINT64_MAX, {}, pt, out);
  ASSERT_TRUE(last);
  EXPECT_EQ(parse_header(std::span(out.data(), *last))->ctr, UINT64_MAX);
  EXPECT_EQ(c.find_key(4)->next_counter(), std::nullopt);
  EXPECT_EQ(c.encrypt(4, {}, pt, out).error().code, "sframe_counter_exhausted");
  EXPECT_EQ(c.encrypt(4, UINT64_MAX, {}, pt, out).error().code, "sframe_counter_exhausted");
}

TEST(SFrameContext, ReplayWindow) {
  auto p = make_pair(kDefaultCipherSuite, 2);
  std::vector<Bytes> frames;
  for (int i = 0; i < 5; ++i) frames.push_back(encrypt(p.sender, 2, kMetadata, pattern(8)));
  // Out of order is fine; the same CTR twice is not.
  EXPECT_EQ(decrypt_error(p.receiver, frames[1], kMetadata), "ok");
  EXPECT_EQ(decrypt_error(p.receiver, frames[0], kMetadata), "ok");
  EXPECT_EQ(decrypt_error(p.receiver, frames[0], kMetadata), "sframe_replay");
  EXPECT_EQ(decrypt_error(p.receiver, frames[4], kMetadata), "ok");
  EXPECT_EQ(decrypt_error(p.receiver, frames[1], kMetadata), "sframe_replay");
  EXPECT_EQ(decrypt_error(p.receiver, frames[2], kMetadata), "ok");
  // A forged frame does not move the window: CTR 3 still decrypts after a
  // bad copy of it was refused.
  Bytes forged = frames[3];
  forged.back() ^= 1;
  EXPECT_EQ(decrypt_error(p.receiver, forged, kMetadata), "sframe_auth_failed");
  EXPECT_EQ(decrypt_error(p.receiver, frames[3], kMetadata), "ok");
  EXPECT_EQ(decrypt_error(p.receiver, frames[3], kMetadata), "sframe_replay");

  // Too old: kWindow or more below the highest CTR accepted.
  const Bytes pt = pattern(8);
  Bytes far(pt.size() + p.sender.max_overhead());
  const std::uint64_t high = 10 + ReplayWindow::kWindow;
  far.resize(*p.sender.encrypt(2, high, kMetadata, pt, far));
  SFrameContext rewind;  // a second sender with the same key, for older CTRs
  ASSERT_TRUE(rewind.add_send_key(2, kBaseKey));
  auto at = [&](std::uint64_t ctr) {
    Bytes f(pt.size() + rewind.max_overhead());
    f.resize(*rewind.encrypt(2, ctr, kMetadata, pt, f));
    return f;
  };
  const Bytes ctr10 = at(10), ctr11 = at(11);
  EXPECT_EQ(decrypt_error(p.receiver, far, kMetadata), "ok");
  EXPECT_EQ(decrypt_error(p.receiver, ctr10, kMetadata), "sframe_replay");  // high - kWindow
  EXPECT_EQ(decrypt_error(p.receiver, ctr11, kMetadata), "ok");             // just inside

  // Without the window the same frame decrypts again.
  auto q = make_pair(kDefaultCipherSuite, 2, /*replay=*/false);
  const Bytes f = encrypt(q.sender, 2, kMetadata, pattern(8));
  EXPECT_EQ(decrypt_error(q.receiver, f, kMetadata), "ok");
  EXPECT_EQ(decrypt_error(q.receiver, f, kMetadata), "ok");
}

TEST(SFrameContext, ReplayWindowAlone) {
  ReplayWindow w;
  EXPECT_TRUE(w.check(0));
  EXPECT_TRUE(w.check(UINT64_MAX));
  w.accept(5);
  EXPECT_FALSE(w.check(5));
  EXPECT_TRUE(w.check(4));
  EXPECT_TRUE(w.check(6));
  // Jumps within and beyond the window.
  w.accept(100);
  EXPECT_TRUE(w.check(6));
  EXPECT_FALSE(w.check(5));
  EXPECT_FALSE(w.check(100));
  w.accept(100 + 3 * ReplayWindow::kWindow);
  EXPECT_FALSE(w.check(100));
  EXPECT_FALSE(w.check(100 + 2 * ReplayWindow::kWindow));
  EXPECT_TRUE(w.check(100 + 2 * ReplayWindow::kWindow + 1));
  // Bits of CTRs that left the window do not haunt the ones that reuse their
  // slot: every CTR in the new window is unseen but the one accepted.
  ReplayWindow v;
  for (std::uint64_t c = 0; c < ReplayWindow::kWindow; ++c) v.accept(c);
  v.accept(ReplayWindow::kWindow + 10);
  for (std::uint64_t c = ReplayWindow::kWindow; c < ReplayWindow::kWindow + 10; ++c)
    EXPECT_TRUE(v.check(c)) << c;
  EXPECT_FALSE(v.check(ReplayWindow::kWindow + 10));
  EXPECT_FALSE(v.check(10));  // exactly kWindow below: too old
  EXPECT_FALSE(v.check(11));  // inside, and seen
  w.accept(UINT64_MAX);
  EXPECT_FALSE(w.check(UINT64_MAX));
  EXPECT_TRUE(w.check(UINT64_MAX - 1));
}

TEST(SFrameContext, BuffersAndInPlace) {
  auto p = make_pair(CipherSuite::kAes128CtrHmacSha256_80, 77, /*replay=*/false);
  const Bytes pt = pattern(50);
  const std::size_t size = p.sender.ciphertext_size(77, 0, pt.size());
  Bytes exact(size), smaller(size - 1);
  EXPECT_EQ(p.sender.encrypt(77, kMetadata, pt, smaller).error().code, "sframe_buffer_too_small");
  auto n = p.sender.encrypt(77, 0, kMetadata, pt, exact);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, size);

  // Encrypt in place: the plaintext already where its ciphertext goes.
  const std::size_t hsize = header_size(77, 1);
  Bytes buf(hsize + pt.size() + 10);
  std::copy(pt.begin(), pt.end(), buf.begin() + static_cast<std::ptrdiff_t>(hsize));
  auto m = p.sender.encrypt(77, kMetadata, std::span(buf.data() + hsize, pt.size()), buf);
  ASSERT_TRUE(m) << m.error().code;
  buf.resize(*m);
  // ...and decrypt in place, into the ciphertext's own bytes.
  Bytes frame = buf;
  auto d = p.receiver.decrypt(frame, kMetadata, std::span(frame).subspan(hsize));
  ASSERT_TRUE(d) << d.error().code;
  EXPECT_EQ(d->plaintext.data(), frame.data() + hsize);
  EXPECT_EQ(Bytes(d->plaintext.begin(), d->plaintext.end()), pt);

  // Other overlaps are refused before anything is written.
  Bytes shifted(pt.size() + 40);
  std::copy(pt.begin(), pt.end(), shifted.begin());
  const Bytes before = shifted;
  auto bad = p.sender.encrypt(77, kMetadata, std::span(shifted.data(), pt.size()), shifted);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "sframe_bad_argument");
  EXPECT_EQ(shifted, before);
  Bytes frame2 = buf;
  auto bad2 = p.receiver.decrypt(frame2, kMetadata, frame2);  // plaintext over the header
  ASSERT_FALSE(bad2);
  EXPECT_EQ(bad2.error().code, "sframe_bad_argument");
  Bytes out_small(pt.size() - 1);
  EXPECT_EQ(p.receiver.decrypt(buf, kMetadata, out_small).error().code, "sframe_buffer_too_small");
}

TEST(SFrameContext, FailedGcmDecryptionLeavesNoPlaintext) {
  // AES-GCM checks its tag after decrypting: a refusal must wipe what it
  // wrote, so no unauthenticated plaintext reaches the caller.
  auto p = make_pair(CipherSuite::kAes128GcmSha256_128, 3, /*replay=*/false);
  const Bytes pt(64, 0x41);
  Bytes frame = encrypt(p.sender, 3, {}, pt);
  frame.back() ^= 1;
  Bytes out(frame.size(), 0xEE);
  auto d = p.receiver.decrypt(frame, {}, out);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "sframe_auth_failed");
  EXPECT_EQ(std::count(out.begin(), out.begin() + 64, 0x41), 0);
}

TEST(SFrameContext, AeadKeyRefusesWrongKeySizes) {
  for (const SuiteInfo& s : supported_suites()) {
    EXPECT_EQ(AeadKey::create(s, Bytes(s.nk - 1)).error().code, "sframe_bad_key");
    EXPECT_EQ(AeadKey::create(s, Bytes(s.nk + 1)).error().code, "sframe_bad_key");
    EXPECT_TRUE(AeadKey::create(s, Bytes(s.nk)));
  }
}

TEST(SFrameContext, MovesKeepTheirKeys) {
  auto p = make_pair(kDefaultCipherSuite, 8);
  SFrameContext moved = std::move(p.receiver);
  const Bytes frame = encrypt(p.sender, 8, {}, pattern(12));
  EXPECT_EQ(decrypt_error(moved, frame, {}), "ok");
}

}  // namespace
}  // namespace parley::sframe
