#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "media/dtls.h"
#include "media/srtp.h"

namespace parley::media {
namespace {

using Datagrams = std::deque<std::vector<std::uint8_t>>;

struct Pair {
  std::shared_ptr<DtlsContext> server_ctx = *DtlsContext::create();
  std::shared_ptr<DtlsContext> client_ctx = *DtlsContext::create();
  std::unique_ptr<DtlsSession> server, client;
  Datagrams to_server, to_client;
  std::size_t largest = 0;

  explicit Pair(std::string server_expects = "", std::string client_expects = "") {
    if (server_expects.empty()) server_expects = client_ctx->fingerprint();
    if (client_expects.empty()) client_expects = server_ctx->fingerprint();
    server = *DtlsSession::create(server_ctx, DtlsSession::Role::server, server_expects);
    client = *DtlsSession::create(client_ctx, DtlsSession::Role::client, client_expects);
  }
  DtlsSession::Send sink(Datagrams& q) {
    return [this, &q](std::span<const std::uint8_t> d) {
      largest = std::max(largest, d.size());
      q.emplace_back(d.begin(), d.end());
    };
  }
  // Delivers datagrams both ways until nothing moves.
  void run() {
    client->start(sink(to_server));
    for (int round = 0; round < 50 && (!to_server.empty() || !to_client.empty()); ++round) {
      while (!to_server.empty()) {
        auto d = std::move(to_server.front());
        to_server.pop_front();
        server->on_datagram(d, sink(to_client));
      }
      while (!to_client.empty()) {
        auto d = std::move(to_client.front());
        to_client.pop_front();
        client->on_datagram(d, sink(to_server));
      }
    }
  }
};

std::vector<std::uint8_t> rtp_packet(std::uint16_t seq) {
  std::vector<std::uint8_t> p = {0x80, 96, std::uint8_t(seq >> 8), std::uint8_t(seq), 0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78};
  for (int i = 0; i < 100; ++i) p.push_back(std::uint8_t(i));
  return p;
}

TEST(Dtls, HandshakeMatchesFingerprintsAndAgreesOnKeys) {
  Pair p;
  p.run();
  ASSERT_EQ(p.server->state(), DtlsSession::State::connected) << p.server->error();
  ASSERT_EQ(p.client->state(), DtlsSession::State::connected) << p.client->error();
  EXPECT_EQ(p.server->keys().profile, SrtpProfile::aead_aes_128_gcm);  // preferred: cheaper per packet
  EXPECT_EQ(p.server->keys().local, p.client->keys().remote);
  EXPECT_EQ(p.server->keys().remote, p.client->keys().local);
  EXPECT_NE(p.server->keys().local, p.server->keys().remote);
  EXPECT_LE(p.largest, 1200u) << "handshake datagrams fit the configured MTU";
  EXPECT_EQ(p.server_ctx->fingerprint().size(), 32u * 3 - 1);
}

TEST(Dtls, WrongFingerprintFailsTheSession) {
  auto other = *DtlsContext::create();
  Pair p(other->fingerprint(), "");
  p.run();
  EXPECT_EQ(p.server->state(), DtlsSession::State::failed);
  EXPECT_NE(p.server->error().find("fingerprint"), std::string::npos);
}

TEST(Dtls, FingerprintComparisonIgnoresCase) {
  Pair p;
  std::string lower = p.client_ctx->fingerprint();
  for (auto& c : lower) c = static_cast<char>(std::tolower(c));
  p.server = *DtlsSession::create(p.server_ctx, DtlsSession::Role::server, lower);
  p.run();
  EXPECT_EQ(p.server->state(), DtlsSession::State::connected) << p.server->error();
}

TEST(Dtls, GarbageFailsCleanly) {
  auto ctx = *DtlsContext::create();
  auto s = *DtlsSession::create(ctx, DtlsSession::Role::server, "AA");
  std::vector<std::uint8_t> junk(300, 0x16);
  s->on_datagram(junk, [](std::span<const std::uint8_t>) {});
  EXPECT_NE(s->state(), DtlsSession::State::connected);
}

TEST(Srtp, ProtectedPacketsRoundTripAndTamperingIsRefused) {
  Pair p;
  p.run();
  ASSERT_EQ(p.server->state(), DtlsSession::State::connected);
  auto tx = *Srtp::create(p.client->keys(), Srtp::Direction::outbound);
  auto rx = *Srtp::create(p.server->keys(), Srtp::Direction::inbound);
  for (std::uint16_t seq = 1; seq < 20; ++seq) {
    auto plain = rtp_packet(seq);
    std::vector<std::uint8_t> buf(plain.size() + kSrtpMaxTrailer);
    std::copy(plain.begin(), plain.end(), buf.begin());
    auto len = tx->protect_rtp(buf, plain.size());
    ASSERT_TRUE(len);
    EXPECT_EQ(*len, plain.size() + 16);  // GCM tag
    auto copy = buf;
    auto out = rx->unprotect_rtp(buf, *len);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), buf.begin()));
    // The same packet again is a replay.
    auto again = rx->unprotect_rtp(copy, *len);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, "srtp_replay");
  }
  auto plain = rtp_packet(100);
  std::vector<std::uint8_t> buf(plain.size() + kSrtpMaxTrailer);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto len = tx->protect_rtp(buf, plain.size());
  buf[20] ^= 1;
  auto bad = rx->unprotect_rtp(buf, *len);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "srtp_auth");
  // No room for the tag: refused, not overrun.
  std::vector<std::uint8_t> tight = rtp_packet(101);
  EXPECT_FALSE(tx->protect_rtp(tight, tight.size()));
}

TEST(Srtp, CounterModeProfileAndRtcp) {
  SrtpKeys k;
  k.profile = SrtpProfile::aes128_cm_sha1_80;
  k.salt_len = 14;
  for (std::size_t i = 0; i < 30; ++i) {
    k.local[i] = std::uint8_t(i);
    k.remote[i] = std::uint8_t(i);
  }
  auto tx = *Srtp::create(k, Srtp::Direction::outbound);
  auto rx = *Srtp::create(k, Srtp::Direction::inbound);
  auto plain = rtp_packet(7);
  std::vector<std::uint8_t> buf(plain.size() + kSrtpMaxTrailer);
  std::copy(plain.begin(), plain.end(), buf.begin());
  auto len = tx->protect_rtp(buf, plain.size());
  ASSERT_TRUE(len);
  EXPECT_EQ(*len, plain.size() + 10);  // HMAC-SHA1-80 tag
  ASSERT_TRUE(rx->unprotect_rtp(buf, *len));
  // A receiver report: RTCP header + SSRC.
  std::vector<std::uint8_t> rr = {0x80, 201, 0, 1, 0, 0, 0, 9};
  std::vector<std::uint8_t> rbuf(rr.size() + kSrtpMaxTrailer);
  std::copy(rr.begin(), rr.end(), rbuf.begin());
  auto rlen = tx->protect_rtcp(rbuf, rr.size());
  ASSERT_TRUE(rlen);
  auto back = rx->unprotect_rtcp(rbuf, *rlen);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, rr.size());
  EXPECT_TRUE(std::equal(rr.begin(), rr.end(), rbuf.begin()));
}

}  // namespace
}  // namespace parley::media
