// The forwarding path of media::Call between two clients built from the
// project's own parts: what one publishes reaches the other intact, keyframe
// requests are rate-limited, and — once each stream's SRTP state exists —
// forwarding a packet allocates nothing on the heap.
#include "media/call.h"

#include <gtest/gtest.h>

#include <map>

#include "rtp/rtcp.h"
#include "support/counting_allocator.h"
#include "test_client.h"

namespace parley::media {
namespace {

constexpr std::uint32_t kAudioSsrc = 0x11112222;
constexpr std::uint32_t kVideoSsrc = 0x33334444;
constexpr std::uint8_t kTwccExtension = 5;
constexpr std::uint8_t kAudioLevelExtension = 6;

class ForwardingTest : public ::testing::Test {
 protected:
  std::shared_ptr<DtlsContext> ctx = *DtlsContext::create();
  std::unique_ptr<Worker> worker = *Worker::start(WorkerConfig{}, ctx);
  std::unique_ptr<Call> call;
  Client pub, sub;
  Transport *pub_t = nullptr, *sub_t = nullptr;
  std::size_t forwarding_allocations = 0;  // on the worker thread, inside Call::on_media
  std::size_t forwarded_calls = 0;
  ParticipantId speaker = 0;  // on the worker thread

  void SetUp() override {
    pub.server = *Endpoint::parse("127.0.0.1", worker->port());
    sub.server = pub.server;
    on_worker(*worker, [&] {
      call = std::make_unique<Call>(*worker);
      pub_t = *worker->add_transport({"pubU", "publisher-password-0123456789", "cliU", pub.ctx->fingerprint(),
                                      DtlsSession::Role::server});
      sub_t = *worker->add_transport({"subU", "subscriber-password-012345678", "cliU", sub.ctx->fingerprint(),
                                      DtlsSession::Role::server});
      call->on_active_speaker([this](ParticipantId id) { speaker = id; });
      call->add_participant(1, pub_t, kTwccExtension, kAudioLevelExtension);
      call->add_participant(2, sub_t);
      call->publish(1, {kAudioSsrc, StreamKind::audio});
      call->publish(1, {kVideoSsrc, StreamKind::video});
      worker->set_handlers(
          [this](Transport& t, Packet& p, bool rtcp) {
            std::size_t before = test::thread_allocations();
            call->on_media(t, p, rtcp);
            forwarding_allocations += test::thread_allocations() - before;
            ++forwarded_calls;
          },
          nullptr);
      return 0;
    });
    connect_client(*worker, pub, pub_t, "pubU", "publisher-password-0123456789", ctx->fingerprint());
    connect_client(*worker, sub, sub_t, "subU", "subscriber-password-012345678", ctx->fingerprint());
  }
  void TearDown() override {
    on_worker(*worker, [&] {
      call.reset();
      return 0;
    });
  }

  std::vector<std::uint8_t> rtp(std::uint32_t ssrc, std::uint16_t seq, std::uint8_t pt) {
    std::vector<std::uint8_t> p = {0x80, pt, std::uint8_t(seq >> 8), std::uint8_t(seq), 0, 0, 3, 0xC0,
                                   std::uint8_t(ssrc >> 24), std::uint8_t(ssrc >> 16), std::uint8_t(ssrc >> 8), std::uint8_t(ssrc)};
    for (int i = 0; i < 900; ++i) p.push_back(std::uint8_t(i * 7 + seq));
    return p;
  }
  void send_protected(Client& c, const std::vector<std::uint8_t>& plain, bool rtcp = false) {
    std::vector<std::uint8_t> buf(plain.size() + kSrtpMaxTrailer);
    std::copy(plain.begin(), plain.end(), buf.begin());
    auto n = rtcp ? c.srtp_out->protect_rtcp(buf, plain.size()) : c.srtp_out->protect_rtp(buf, plain.size());
    ASSERT_TRUE(n);
    buf.resize(*n);
    c.send(buf);
  }
  // The next datagram for `c`, unprotected; empty on timeout or failure.
  std::vector<std::uint8_t> receive_plain(Client& c, bool rtcp = false, int timeout_ms = 2000) {
    auto d = c.receive(timeout_ms);
    if (d.empty()) return d;
    std::size_t len = d.size();
    d.resize(len + kSrtpMaxTrailer);
    auto n = rtcp ? c.srtp_in->unprotect_rtcp(d, len) : c.srtp_in->unprotect_rtp(d, len);
    if (!n) return {};
    d.resize(*n);
    return d;
  }
};

TEST_F(ForwardingTest, PublishedPacketsReachTheSubscriberIntactWithPayloadTypesMapped) {
  auto map = identity_payload_map();
  map[111] = 109;  // the subscriber's negotiation numbered Opus differently
  on_worker(*worker, [&] {
    call->subscribe(2, kAudioSsrc, map);
    return 0;
  });
  for (std::uint16_t seq = 1; seq <= 20; ++seq) {
    auto plain = rtp(kAudioSsrc, seq, 111);
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, plain));
    auto got = receive_plain(sub);
    ASSERT_EQ(got.size(), plain.size()) << "packet " << seq;
    plain[1] = 109;
    EXPECT_EQ(got, plain);
  }
  // A stream nobody subscribed to, and an SSRC nobody published, go nowhere.
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp(kVideoSsrc, 1, 96)));
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp(0xDEADBEEF, 1, 96)));
  EXPECT_TRUE(sub.receive(300).empty());
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.rtp_forwarded, 20u);
  EXPECT_EQ(stats.unknown_ssrc, 1u);
}

TEST_F(ForwardingTest, ForwardingAllocatesNothingPerPacket) {
  on_worker(*worker, [&] {
    call->subscribe(2, kAudioSsrc, identity_payload_map());
    return 0;
  });
  // Warm-up: libsrtp creates each SSRC's stream state on its first packet.
  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp(kAudioSsrc, seq, 111)));
    ASSERT_FALSE(receive_plain(sub).empty());
  }
  on_worker(*worker, [&] {
    forwarding_allocations = 0;
    forwarded_calls = 0;
    return 0;
  });
  for (std::uint16_t seq = 6; seq <= 105; ++seq) {
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp(kAudioSsrc, seq, 111)));
    ASSERT_FALSE(receive_plain(sub).empty());
  }
  auto [allocs, calls] = on_worker(*worker, [&] { return std::make_pair(forwarding_allocations, forwarded_calls); });
  EXPECT_EQ(calls, 100u);
  EXPECT_EQ(allocs, 0u) << "heap allocations while forwarding 100 packets";
}

TEST_F(ForwardingTest, KeyframeRequestsReachThePublisherRateLimited) {
  on_worker(*worker, [&] {
    call->subscribe(2, kVideoSsrc, identity_payload_map());
    return 0;
  });
  // Subscribing to video asks the publisher for a keyframe at once.
  auto first = receive_plain(pub, true);
  ASSERT_FALSE(first.empty());
  auto compound = rtp::parse_rtcp_compound(first, rtp::RtcpMode::kReducedSize);
  ASSERT_TRUE(compound);
  auto pli = rtp::parse_pli(*compound->begin());
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->media_ssrc, kVideoSsrc);
  // The subscriber's own PLIs within the interval are held back.
  std::array<std::uint8_t, 32> buf{};
  auto n = rtp::build_pli(buf, 0x9999, kVideoSsrc);
  std::vector<std::uint8_t> own(buf.begin(), buf.begin() + *n);
  for (int i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(send_protected(sub, own, true));
  EXPECT_TRUE(pub.receive(300).empty());
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.keyframe_requests_sent, 1u);
  EXPECT_EQ(stats.keyframe_requests_suppressed, 5u);
  // After the interval one more gets through.
  std::this_thread::sleep_for(Call::kKeyframeInterval);
  ASSERT_NO_FATAL_FAILURE(send_protected(sub, own, true));
  EXPECT_FALSE(receive_plain(pub, true).empty());
}

TEST_F(ForwardingTest, NacksAreAnsweredFromTheCacheAndOnlyTheRestGoToThePublisher) {
  on_worker(*worker, [&] {
    call->subscribe(2, kVideoSsrc, identity_payload_map());
    return 0;
  });
  ASSERT_FALSE(receive_plain(pub, true).empty());  // the keyframe request for the new subscriber
  std::map<std::uint16_t, std::vector<std::uint8_t>> sent;
  std::vector<std::uint16_t> lost = {3, 4, 9};
  for (std::uint16_t seq = 1; seq <= 10; ++seq) {
    sent[seq] = rtp(kVideoSsrc, seq, 96);
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, sent[seq]));
    // "Lost" on the way: dropped before the subscriber's SRTP saw it (which
    // would otherwise refuse the retransmission as a replay, as a browser does).
    if (std::find(lost.begin(), lost.end(), seq) != lost.end()) ASSERT_FALSE(sub.receive().empty());
    else ASSERT_EQ(receive_plain(sub), sent[seq]);
  }
  std::array<std::uint8_t, 64> buf{};
  auto n = rtp::build_nack(buf, 0x9999, kVideoSsrc, lost);
  ASSERT_NO_FATAL_FAILURE(send_protected(sub, {buf.begin(), buf.begin() + *n}, true));
  for (auto seq : lost) EXPECT_EQ(receive_plain(sub), sent[seq]) << "retransmission of " << seq;
  EXPECT_TRUE(pub.receive(300).empty()) << "all were in the cache: the publisher is not asked";
  // A packet the cache never held: the NACK goes on to the publisher.
  std::vector<std::uint16_t> gone = {4000};
  n = rtp::build_nack(buf, 0x9999, kVideoSsrc, gone);
  ASSERT_NO_FATAL_FAILURE(send_protected(sub, {buf.begin(), buf.begin() + *n}, true));
  auto forwarded = receive_plain(pub, true);
  ASSERT_FALSE(forwarded.empty());
  auto compound = rtp::parse_rtcp_compound(forwarded, rtp::RtcpMode::kReducedSize);
  ASSERT_TRUE(compound);
  auto nack = rtp::parse_nack(*compound->begin());
  ASSERT_TRUE(nack);
  EXPECT_EQ(*nack->lost().begin(), 4000);
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.retransmitted_from_cache, 3u);
  EXPECT_EQ(stats.nacks_forwarded, 1u);
}

TEST_F(ForwardingTest, PublishersGetTransportWideFeedback) {
  // RFC 8285 one-byte header extension carrying the transport-wide sequence
  // number; packets 1..20 with 7 and 13 never sent.
  std::vector<std::uint16_t> sent_seqs;
  for (std::uint16_t tseq = 1; tseq <= 20; ++tseq) {
    if (tseq == 7 || tseq == 13) continue;
    auto p = rtp(kAudioSsrc, tseq, 111);
    p[0] |= 0x10;
    std::vector<std::uint8_t> ext = {0xBE, 0xDE, 0x00, 0x01, std::uint8_t((kTwccExtension << 4) | 1),
                                     std::uint8_t(tseq >> 8), std::uint8_t(tseq), 0x00};
    p.insert(p.begin() + 12, ext.begin(), ext.end());
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, p));
    sent_seqs.push_back(tseq);
  }
  auto fb = receive_plain(pub, true, 3000);
  ASSERT_FALSE(fb.empty()) << "no feedback within the interval";
  auto compound = rtp::parse_rtcp_compound(fb, rtp::RtcpMode::kReducedSize);
  ASSERT_TRUE(compound);
  auto twcc = rtp::parse_transport_feedback(*compound->begin());
  ASSERT_TRUE(twcc) << twcc.error().message;
  EXPECT_EQ(twcc->base_sequence(), 1);
  EXPECT_EQ(twcc->status_count(), 20);
  std::size_t received = 0, lost = 0;
  for (const auto& r : *twcc) (r.status == rtp::TwccStatus::kNotReceived ? lost : received)++;
  EXPECT_EQ(received, 18u);
  EXPECT_EQ(lost, 2u);
}

TEST_F(ForwardingTest, TheLoudestPublisherBecomesTheActiveSpeaker) {
  // RFC 6464: level 20 (-20 dBov) with the voice activity bit, in a
  // one-byte header extension.
  auto send_level = [&](std::uint16_t seq, std::uint8_t level) {
    auto p = rtp(kAudioSsrc, seq, 111);
    p[0] |= 0x10;
    std::vector<std::uint8_t> ext = {0xBE, 0xDE, 0x00, 0x01, std::uint8_t((kAudioLevelExtension << 4) | 0),
                                     std::uint8_t(0x80 | level), 0x00, 0x00};
    p.insert(p.begin() + 12, ext.begin(), ext.end());
    send_protected(pub, p);
  };
  for (std::uint16_t seq = 1; seq <= 10; ++seq) ASSERT_NO_FATAL_FAILURE(send_level(seq, 120));  // near silence
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(on_worker(*worker, [&] { return speaker; }), 0u) << "silence makes nobody the speaker";
  for (std::uint16_t seq = 11; seq <= 40; ++seq) {
    ASSERT_NO_FATAL_FAILURE(send_level(seq, 20));
    std::this_thread::sleep_for(10ms);
  }
  for (int i = 0; i < 50 && on_worker(*worker, [&] { return speaker; }) == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(on_worker(*worker, [&] { return speaker; }), 1u);
}

}  // namespace
}  // namespace parley::media
