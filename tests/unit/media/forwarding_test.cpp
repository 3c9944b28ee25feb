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
constexpr std::uint32_t kVideoRtxSsrc = 0x33335555;
constexpr std::uint32_t kOutAudio = 0xA0A0A0A0;  // what the server chose for the subscriber
constexpr std::uint32_t kOutVideo = 0xB0B0B0B0;
constexpr std::uint32_t kOutVideoRtx = 0xB1B1B1B1;
constexpr std::uint8_t kMidExtension = 1;
constexpr std::uint8_t kTwccExtension = 5;
constexpr std::uint8_t kAudioLevelExtension = 6;
constexpr std::uint8_t kRidExtension = 10;
constexpr std::uint8_t kRepairedRidExtension = 11;
constexpr std::uint32_t kAudioTrack = 0, kVideoTrack = 1, kSimulcastTrack = 2;

using Extensions = std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>>;

std::vector<std::uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

// An RTP packet with one-byte header extensions (RFC 8285 §4.2).
std::vector<std::uint8_t> rtp_packet(std::uint32_t ssrc, std::uint16_t seq, std::uint8_t pt, std::uint32_t ts,
                                     const std::vector<std::uint8_t>& payload, const Extensions& ext = {}) {
  std::vector<std::uint8_t> p = {0x80, pt, std::uint8_t(seq >> 8), std::uint8_t(seq), std::uint8_t(ts >> 24),
                                 std::uint8_t(ts >> 16), std::uint8_t(ts >> 8), std::uint8_t(ts),
                                 std::uint8_t(ssrc >> 24), std::uint8_t(ssrc >> 16), std::uint8_t(ssrc >> 8), std::uint8_t(ssrc)};
  if (!ext.empty()) {
    p[0] |= 0x10;
    std::vector<std::uint8_t> block;
    for (const auto& [id, v] : ext) {
      block.push_back(std::uint8_t(id << 4 | (v.size() - 1)));
      block.insert(block.end(), v.begin(), v.end());
    }
    while (block.size() % 4) block.push_back(0);
    p.insert(p.end(), {0xBE, 0xDE, 0, std::uint8_t(block.size() / 4)});
    p.insert(p.end(), block.begin(), block.end());
  }
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

// A VP8 payload (RFC 7741 §4.2) with a 15-bit PictureID and TL0PICIDX; a
// keyframe carries its size in the VP8 header (RFC 6386 §9.1).
std::vector<std::uint8_t> vp8_payload(std::uint16_t pid, std::uint8_t tl0, bool key, std::uint16_t w = 640,
                                      std::uint16_t h = 480, std::uint8_t fill = 0) {
  std::vector<std::uint8_t> p = {0x90, 0xC0, std::uint8_t(0x80 | (pid >> 8)), std::uint8_t(pid), tl0};
  if (key) p.insert(p.end(), {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, std::uint8_t(w), std::uint8_t(w >> 8),
                              std::uint8_t(h), std::uint8_t(h >> 8)});
  else p.insert(p.end(), {0x11, 0x02, 0x00});
  for (int i = 0; i < 600; ++i) p.push_back(std::uint8_t(i * 7 + fill));
  return p;
}

std::uint16_t seq_of(const std::vector<std::uint8_t>& p) { return std::uint16_t(p[2] << 8 | p[3]); }
std::uint32_t u32_at(const std::vector<std::uint8_t>& p, std::size_t i) {
  return std::uint32_t(p[i]) << 24 | std::uint32_t(p[i + 1]) << 16 | std::uint32_t(p[i + 2]) << 8 | p[i + 3];
}
std::uint32_t ts_of(const std::vector<std::uint8_t>& p) { return u32_at(p, 4); }
std::uint32_t ssrc_of(const std::vector<std::uint8_t>& p) { return u32_at(p, 8); }

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
      call->add_participant(1, pub_t, {kTwccExtension, kAudioLevelExtension, kMidExtension, kRidExtension,
                                       kRepairedRidExtension});
      call->add_participant(2, sub_t, {0, 0, kMidExtension, 0, 0});
      TrackSpec audio;
      audio.id = kAudioTrack;
      audio.mid = "0";
      audio.kind = StreamKind::audio;
      audio.clock_rate = 48000;
      audio.layers = {{"", kAudioSsrc, 0}};
      audio.formats[111] = PayloadFormat::opus;
      call->publish(1, audio);
      TrackSpec video;
      video.id = kVideoTrack;
      video.mid = "1";
      video.kind = StreamKind::video;
      video.layers = {{"", kVideoSsrc, kVideoRtxSsrc}};
      video.formats[96] = PayloadFormat::vp8;
      video.rtx_media[97] = 96;
      call->publish(1, video);
      TrackSpec simulcast = video;
      simulcast.id = kSimulcastTrack;
      simulcast.mid = "2";
      simulcast.layers = {{"q", 0, 0}, {"f", 0, 0}};
      call->publish(1, simulcast);
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

  void subscribe_audio() {
    OutboundSpec spec;
    spec.ssrc = kOutAudio;
    spec.map[111] = 109;  // the subscriber's negotiation numbered Opus differently
    on_worker(*worker, [&] {
      call->subscribe(2, 1, kAudioTrack, spec);
      return 0;
    });
  }
  void subscribe_video(std::uint32_t track) {
    OutboundSpec spec;
    spec.ssrc = kOutVideo;
    spec.rtx_ssrc = kOutVideoRtx;
    spec.map[96] = 100;
    spec.rtx_map[96] = 101;
    spec.mid_extension = kMidExtension;
    spec.mid = "v";
    on_worker(*worker, [&] {
      call->subscribe(2, 1, track, spec);
      return 0;
    });
  }
  // One frame, in one packet, of the simulcast track's layer 0 ("q",
  // 320 × 180) or 1 ("f", 1280 × 720, and larger), each layer with its own
  // SSRC, numbers and PictureIDs; a keyframe when `key`.
  static constexpr std::uint32_t kLow = 0x0101, kHigh = 0x0202;
  std::uint16_t sim_seq[2] = {100, 5000}, sim_pid[2] = {10, 20000};
  std::uint32_t sim_ts[2] = {1000, 777777};
  void simulcast_frame(int layer, bool key) {
    Extensions ext = {{kMidExtension, text("2")}, {kRidExtension, text(layer ? "f" : "q")}};
    auto payload = vp8_payload(sim_pid[layer]++, 0, key, layer ? 1280 : 320, layer ? 720 : 180);
    if (layer) payload.resize(1100, 0x55);  // the high layer costs more
    sim_ts[layer] += 1800;
    send_protected(pub, rtp_packet(layer ? kHigh : kLow, sim_seq[layer]++, 96, sim_ts[layer], payload, ext));
  }
  int layer_of(std::uint32_t track) { return on_worker(*worker, [&] { return call->current_layer(2, 1, track); }); }

  // A video track of three layers announced by rid: "l" 320 × 180, "m"
  // 640 × 360, "h" 1280 × 720, each larger layer costing more.
  static constexpr std::uint32_t kThreeLayerTrack = 3;
  std::uint16_t tri_seq[3] = {10, 2000, 40000}, tri_pid[3] = {1, 300, 9000};
  std::uint32_t tri_ts[3] = {0, 100, 200};
  void publish_three_layers() {
    TrackSpec t;
    t.id = kThreeLayerTrack;
    t.mid = "3";
    t.kind = StreamKind::video;
    t.layers = {{"l", 0, 0}, {"m", 0, 0}, {"h", 0, 0}};
    t.formats[96] = PayloadFormat::vp8;
    on_worker(*worker, [&] {
      call->publish(1, t);
      return 0;
    });
  }
  void three_layer_frame(int layer, bool key) {
    static constexpr const char* kRids[] = {"l", "m", "h"};
    static constexpr std::uint16_t kWidth[] = {320, 640, 1280}, kHeight[] = {180, 360, 720};
    const auto l = static_cast<std::size_t>(layer);
    Extensions ext = {{kMidExtension, text("3")}, {kRidExtension, text(kRids[l])}};
    auto payload = vp8_payload(tri_pid[l]++, 0, key, kWidth[l], kHeight[l]);
    payload.resize(400 + 300 * l, 0x55);
    tri_ts[l] += 3000;
    send_protected(pub, rtp_packet(0x0300 + static_cast<std::uint32_t>(l), tri_seq[l]++, 96, tri_ts[l], payload, ext));
  }
  // Judges the worker's pressure from `load` (nullopt: the measured load).
  void set_load(std::optional<double> load) {
    on_worker(*worker, [&] {
      worker->set_load_for_test(load);
      return 0;
    });
  }
  std::uint64_t worker_count(const std::atomic<std::uint64_t> WorkerStats::*field) {
    return (worker->stats().*field).load();
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
  // The next RTCP packet of `type` (PT, FMT) the publisher receives,
  // skipping others (transport-wide feedback, keyframe requests).
  std::optional<rtp::RtcpPacket> publisher_rtcp(std::vector<std::uint8_t>& buf, std::uint8_t type, std::uint8_t fmt) {
    for (int i = 0; i < 10; ++i) {
      buf = receive_plain(pub, true);
      if (buf.empty()) return std::nullopt;
      auto compound = rtp::parse_rtcp_compound(buf, rtp::RtcpMode::kReducedSize);
      if (!compound) continue;
      for (const auto& pkt : *compound)
        if (pkt.type() == type && pkt.count() == fmt) return pkt;
    }
    return std::nullopt;
  }
  // The bytes the subscriber should see for a packet sent as `plain`: its
  // SSRC, payload type and header (only its own MID) rewritten.
  static std::vector<std::uint8_t> as_forwarded(const std::vector<std::uint8_t>& plain, std::size_t header,
                                                std::uint32_t ssrc, std::uint8_t pt, const Extensions& ext,
                                                std::uint16_t seq, std::uint32_t ts) {
    std::vector<std::uint8_t> payload(plain.begin() + std::ptrdiff_t(header), plain.end());
    return rtp_packet(ssrc, seq, pt, ts, payload, ext);
  }
};

TEST_F(ForwardingTest, PublishedPacketsReachTheSubscriberOnItsOwnSsrcWithPayloadTypesMapped) {
  subscribe_audio();
  for (std::uint16_t seq = 1; seq <= 20; ++seq) {
    auto plain = rtp_packet(kAudioSsrc, seq, 111, 960u * seq, text("opus frame " + std::to_string(seq)));
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, plain));
    auto got = receive_plain(sub);
    EXPECT_EQ(got, as_forwarded(plain, 12, kOutAudio, 109, {}, seq, 960u * seq)) << "packet " << seq;
  }
  // A track nobody subscribed to, and an SSRC nobody published, go nowhere.
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kVideoSsrc, 1, 96, 0, vp8_payload(1, 0, true))));
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(0xDEADBEEF, 1, 96, 0, vp8_payload(1, 0, true))));
  EXPECT_TRUE(sub.receive(300).empty());
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.rtp_forwarded, 20u);
  EXPECT_EQ(stats.unknown_ssrc, 1u);
}

// Sequence numbers are 16 bits: a stream runs through 65535 to 0 many
// times in a long call (an hour of audio is 180 000 packets) and must never
// be taken for old packets.
TEST_F(ForwardingTest, SequenceNumbersWrapWithoutLosingTheStream) {
  subscribe_audio();
  std::size_t got = 0;
  for (std::uint32_t k = 0; k <= 140; ++k) {  // 1000 apart: twice round the 16-bit space
    auto seq = static_cast<std::uint16_t>(1 + 1000 * k);
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kAudioSsrc, seq, 111, 960 * k, text("opus"))));
    auto d = receive_plain(sub, false, 1000);
    if (!d.empty() && seq_of(d) == seq) ++got;
  }
  EXPECT_EQ(got, 141u);
}

TEST_F(ForwardingTest, ForwardingAllocatesNothingPerPacket) {
  subscribe_audio();
  subscribe_video(kVideoTrack);
  // Warm-up: SRTP creates each SSRC's stream state on its first packet;
  // video starts at a keyframe.
  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kAudioSsrc, seq, 111, 0, text("warm"))));
    ASSERT_FALSE(receive_plain(sub).empty());
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kVideoSsrc, seq, 96, 0, vp8_payload(seq, 0, seq == 1))));
    ASSERT_FALSE(receive_plain(sub).empty());
  }
  on_worker(*worker, [&] {
    forwarding_allocations = 0;
    forwarded_calls = 0;
    return 0;
  });
  for (std::uint16_t seq = 6; seq <= 55; ++seq) {
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kAudioSsrc, seq, 111, 960u * seq, text("opus frame"))));
    ASSERT_FALSE(receive_plain(sub).empty());
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kVideoSsrc, seq, 96, 3000u * seq, vp8_payload(seq, 0, false))));
    ASSERT_FALSE(receive_plain(sub).empty());
  }
  auto [allocs, calls] = on_worker(*worker, [&] { return std::make_pair(forwarding_allocations, forwarded_calls); });
  EXPECT_EQ(calls, 100u);
  EXPECT_EQ(allocs, 0u) << "heap allocations while forwarding 100 packets";
}

TEST_F(ForwardingTest, KeyframeRequestsReachThePublisherRateLimited) {
  // Subscribing to video asks the publisher for a keyframe at once (once
  // the layer is seen to arrive).
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kVideoSsrc, 1, 96, 0, vp8_payload(1, 0, false))));
  std::this_thread::sleep_for(50ms);
  subscribe_video(kVideoTrack);
  std::vector<std::uint8_t> buf;
  auto first = publisher_rtcp(buf, 206, 1);
  ASSERT_TRUE(first);
  auto pli = rtp::parse_pli(*first);
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->media_ssrc, kVideoSsrc);
  // The subscriber's own PLIs (naming the SSRC it receives) within the
  // interval are held back.
  std::array<std::uint8_t, 32> b{};
  auto n = rtp::build_pli(b, 0x9999, kOutVideo);
  std::vector<std::uint8_t> own(b.begin(), b.begin() + *n);
  for (int i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(send_protected(sub, own, true));
  EXPECT_TRUE(pub.receive(300).empty());
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.keyframe_requests_sent, 1u);
  EXPECT_GE(stats.keyframe_requests_suppressed, 5u);
  // After the interval one more gets through.
  std::this_thread::sleep_for(Call::kKeyframeInterval);
  ASSERT_NO_FATAL_FAILURE(send_protected(sub, own, true));
  EXPECT_TRUE(publisher_rtcp(buf, 206, 1));
}

TEST_F(ForwardingTest, NacksAreAnsweredFromTheCacheOnTheSubscribersRtxStream) {
  subscribe_video(kVideoTrack);
  std::map<std::uint16_t, std::vector<std::uint8_t>> sent;
  std::vector<std::uint16_t> lost = {3, 4, 9};
  const Extensions mid = {{kMidExtension, text("v")}};
  for (std::uint16_t seq = 1; seq <= 10; ++seq) {
    sent[seq] = rtp_packet(kVideoSsrc, seq, 96, 3000u * seq, vp8_payload(seq, 0, seq == 1));
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, sent[seq]));
    // "Lost" on the way: dropped before the subscriber's SRTP saw it.
    if (std::find(lost.begin(), lost.end(), seq) != lost.end()) {
      ASSERT_FALSE(sub.receive().empty());
    } else {
      ASSERT_EQ(receive_plain(sub), as_forwarded(sent[seq], 12, kOutVideo, 100, mid, seq, 3000u * seq));
    }
  }
  std::array<std::uint8_t, 64> buf{};
  auto n = rtp::build_nack(buf, 0x9999, kOutVideo, lost);
  ASSERT_NO_FATAL_FAILURE(send_protected(sub, {buf.begin(), buf.begin() + *n}, true));
  std::uint16_t rtx_seq = 0;
  for (auto seq : lost) {
    auto got = receive_plain(sub);
    ASSERT_GT(got.size(), 20u) << "retransmission of " << seq;
    // RFC 4588 §4: the RTX SSRC and payload type, its own sequence, the
    // original timestamp, and the original sequence number before the payload.
    EXPECT_EQ(ssrc_of(got), kOutVideoRtx);
    EXPECT_EQ(got[1] & 0x7F, 101);
    if (seq != lost.front()) {
      EXPECT_EQ(seq_of(got), std::uint16_t(rtx_seq + 1));
    }
    rtx_seq = seq_of(got);
    EXPECT_EQ(ts_of(got), 3000u * seq);
    std::size_t header = 12 + 4 + 4;  // fixed, extension header, the MID element padded
    ASSERT_EQ(got.size(), sent[seq].size() - 12 + header + 2);
    EXPECT_EQ((got[header] << 8 | got[header + 1]), seq);
    EXPECT_TRUE(std::equal(got.begin() + std::ptrdiff_t(header) + 2, got.end(), sent[seq].begin() + 12));
  }
  // A packet never sent: counted as a miss; the publisher is not asked
  // (the server's own NACKs already asked for what it lost).
  std::vector<std::uint16_t> gone = {4000};
  n = rtp::build_nack(buf, 0x9999, kOutVideo, gone);
  ASSERT_NO_FATAL_FAILURE(send_protected(sub, {buf.begin(), buf.begin() + *n}, true));
  std::vector<std::uint8_t> none;
  EXPECT_FALSE(publisher_rtcp(none, 205, 1));
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.retransmitted_from_cache, 3u);
  EXPECT_EQ(stats.nack_misses, 1u);
}

TEST_F(ForwardingTest, GapsFromThePublisherAreNackedAndItsRtxRepairsThem) {
  subscribe_video(kVideoTrack);
  const Extensions mid = {{kMidExtension, text("v")}};
  for (std::uint16_t seq : {1, 2, 5}) {
    auto p = rtp_packet(kVideoSsrc, seq, 96, 3000u * seq, vp8_payload(seq, 0, seq == 1));
    ASSERT_NO_FATAL_FAILURE(send_protected(pub, p));
    ASSERT_EQ(receive_plain(sub), as_forwarded(p, 12, kOutVideo, 100, mid, seq, 3000u * seq));
  }
  std::vector<std::uint8_t> buf;
  auto pkt = publisher_rtcp(buf, 205, 1);
  ASSERT_TRUE(pkt) << "the server asks the publisher for 3 and 4";
  auto nack = rtp::parse_nack(*pkt);
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->media_ssrc(), kVideoSsrc);
  std::vector<std::uint16_t> asked(nack->lost().begin(), nack->lost().end());
  EXPECT_EQ(asked, (std::vector<std::uint16_t>{3, 4}));
  // The publisher repairs 3 on its RTX stream (RFC 4588 §4).
  auto original = rtp_packet(kVideoSsrc, 3, 96, 9000, vp8_payload(3, 0, false));
  std::vector<std::uint8_t> rtx_payload = {0, 3};
  rtx_payload.insert(rtx_payload.end(), original.begin() + 12, original.end());
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kVideoRtxSsrc, 77, 97, 9000, rtx_payload)));
  EXPECT_EQ(receive_plain(sub), as_forwarded(original, 12, kOutVideo, 100, mid, 3, 9000));
  // A padding-only RTX probe goes nowhere.
  ASSERT_NO_FATAL_FAILURE(send_protected(pub, rtp_packet(kVideoRtxSsrc, 78, 97, 9000, {})));
  EXPECT_TRUE(sub.receive(300).empty());
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.nacks_sent, 1u);
  EXPECT_EQ(stats.rtx_received, 2u);
}

// Two layers announced by rid only: their SSRCs are learned from the RID
// extension; the subscriber is moved between them only at a keyframe of
// the new layer, and what it receives runs on without a jump.
TEST_F(ForwardingTest, SimulcastLayersAreLearnedByRidAndSwitchedAtKeyframesWithoutAJump) {
  subscribe_video(kSimulcastTrack);
  std::vector<std::vector<std::uint8_t>> received;
  auto frame = [&](int layer, bool key) { simulcast_frame(layer, key); };
  auto drain = [&] {
    for (auto d = receive_plain(sub, false, 30); !d.empty(); d = receive_plain(sub, false, 30)) received.push_back(d);
  };
  // Both layers arrive; the tile is large, so the high layer is chosen and
  // asked for a keyframe; it is switched to when that keyframe comes.
  for (int i = 0; i < 40 && layer_of(kSimulcastTrack) != 1; ++i) {
    ASSERT_NO_FATAL_FAILURE(frame(0, i % 10 == 0));
    ASSERT_NO_FATAL_FAILURE(frame(1, i % 10 == 0));
    std::this_thread::sleep_for(20ms);
    drain();
  }
  ASSERT_EQ(layer_of(kSimulcastTrack), 1);
  for (int i = 0; i < 5; ++i) {
    ASSERT_NO_FATAL_FAILURE(frame(0, false));
    ASSERT_NO_FATAL_FAILURE(frame(1, false));
    std::this_thread::sleep_for(20ms);
  }
  drain();
  ASSERT_FALSE(received.empty());
  std::size_t before = received.size();
  // The tile shrinks: the low layer is asked for a keyframe; until it comes
  // the high layer goes on.
  on_worker(*worker, [&] {
    call->set_view(2, 1, 320, 180);
    return 0;
  });
  for (int i = 0; i < 3; ++i) {
    ASSERT_NO_FATAL_FAILURE(frame(0, false));
    ASSERT_NO_FATAL_FAILURE(frame(1, false));
    std::this_thread::sleep_for(20ms);
  }
  drain();
  EXPECT_EQ(layer_of(kSimulcastTrack), 1);
  EXPECT_EQ(received.size(), before + 3);
  ASSERT_NO_FATAL_FAILURE(frame(0, true));
  ASSERT_NO_FATAL_FAILURE(frame(1, false));
  for (int i = 0; i < 3; ++i) {
    ASSERT_NO_FATAL_FAILURE(frame(0, false));
    ASSERT_NO_FATAL_FAILURE(frame(1, false));
  }
  std::this_thread::sleep_for(50ms);
  drain();
  EXPECT_EQ(layer_of(kSimulcastTrack), 0);
  // Everything arrived on the subscriber's SSRC, numbered without a gap or
  // a step back, timestamps and PictureIDs rising; the last four frames
  // are the low layer's (320 × 180 keyframe first).
  ASSERT_GE(received.size(), 8u);
  for (std::size_t i = 1; i < received.size(); ++i) {
    const auto &a = received[i - 1], &b = received[i];
    EXPECT_EQ(ssrc_of(b), kOutVideo);
    EXPECT_EQ(seq_of(b), std::uint16_t(seq_of(a) + 1)) << "packet " << i;
    EXPECT_GT(std::int32_t(ts_of(b) - ts_of(a)), 0) << "packet " << i;
    auto pid_a = (a[20 + 2] & 0x7F) << 8 | a[20 + 3], pid_b = (b[20 + 2] & 0x7F) << 8 | b[20 + 3];
    EXPECT_EQ(pid_b, (pid_a + 1) & 0x7FFF) << "packet " << i;
  }
  const auto& key = received[received.size() - 4];
  EXPECT_EQ(key[20 + 5] & 1, 0) << "the switch happens at a keyframe";
  EXPECT_EQ(key[20 + 11] | key[20 + 12] << 8, 320);
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_GE(stats.layer_switches, 1u);
  EXPECT_EQ(stats.unknown_ssrc, 0u);
}

// Receiver reports with heavy loss lower the subscriber's estimate until
// only the low layer fits.
TEST_F(ForwardingTest, ReportedLossMovesTheSubscriberToALowerLayer) {
  subscribe_video(kSimulcastTrack);
  auto frame = [&](int layer, bool key) { simulcast_frame(layer, key); };
  auto run = [&](int frames, auto&& until) {
    for (int i = 0; i < frames && !until(); ++i) {
      frame(0, i % 10 == 0);
      frame(1, i % 10 == 0);
      std::this_thread::sleep_for(10ms);
      while (!sub.receive(0).empty()) {
      }
    }
  };
  run(200, [&] { return layer_of(kSimulcastTrack) == 1; });
  ASSERT_EQ(layer_of(kSimulcastTrack), 1);
  // RFC 3550 §6.4.2: fraction lost 128/256 for the stream it receives.
  rtp::ReportBlock block;
  block.ssrc = kOutVideo;
  block.fraction_lost = 128;
  std::array<std::uint8_t, 64> buf{};
  auto n = rtp::build_receiver_report(buf, 0x9999, std::span(&block, 1));
  for (int i = 0; i < 12; ++i) ASSERT_NO_FATAL_FAILURE(send_protected(sub, {buf.begin(), buf.begin() + *n}, true));
  run(200, [&] { return layer_of(kSimulcastTrack) == 0; });
  EXPECT_EQ(layer_of(kSimulcastTrack), 0);
}

TEST_F(ForwardingTest, PublishersGetTransportWideFeedback) {
  // RFC 8285 one-byte header extension carrying the transport-wide sequence
  // number; packets 1..20 with 7 and 13 never sent.
  std::vector<std::uint16_t> sent_seqs;
  for (std::uint16_t tseq = 1; tseq <= 20; ++tseq) {
    if (tseq == 7 || tseq == 13) continue;
    auto p = rtp_packet(kAudioSsrc, tseq, 111, 0, text("opus"),
                        {{kTwccExtension, {std::uint8_t(tseq >> 8), std::uint8_t(tseq)}}});
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
    auto p = rtp_packet(kAudioSsrc, seq, 111, 0, text("opus"), {{kAudioLevelExtension, {std::uint8_t(0x80 | level)}}});
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

// Behaviour at the limit (docs/media.md): under high pressure a subscriber
// gets one layer below its own choice, saturated the lowest layer; still
// saturated with nothing lower, its video is paused; below the high mark it
// comes back. Each step happens at a keyframe of the new layer, as any
// switch. (The load is set through the worker's test seam: the levels and
// decisions are those a measured load would bring.)
TEST_F(ForwardingTest, PressureLowersLayersThenPausesVideoAndReleasesThemWhenItEases) {
  publish_three_layers();
  subscribe_video(kThreeLayerTrack);
  auto run_until = [&](auto&& done, int frames = 500) {
    for (int i = 0; i < frames && !done(); ++i) {
      for (int l = 0; l < 3; ++l) three_layer_frame(l, i % 10 == 0);
      std::this_thread::sleep_for(10ms);
      while (!sub.receive(0).empty()) {
      }
    }
    return done();
  };
  auto layer_is = [&](int want) { return [&, want] { return layer_of(kThreeLayerTrack) == want; }; };
  ASSERT_TRUE(run_until(layer_is(2))) << "a large tile gets the top layer";

  set_load(0.75);  // high: one layer below
  ASSERT_TRUE(run_until(layer_is(1))) << layer_of(kThreeLayerTrack);
  EXPECT_EQ(on_worker(*worker, [&] { return call->stats().layer_caps; }), 1u);
  EXPECT_EQ(worker->stats().pressure.load(), static_cast<std::uint64_t>(Pressure::high));

  set_load(0.95);  // saturated: the lowest layer
  ASSERT_TRUE(run_until(layer_is(0))) << layer_of(kThreeLayerTrack);
  EXPECT_EQ(on_worker(*worker, [&] { return call->stats().layer_caps; }), 2u);
  EXPECT_EQ(worker_count(&WorkerStats::video_paused), 0u) << "lowering came first";

  // Still saturated, nothing lower: the video is paused.
  ASSERT_TRUE(run_until(layer_is(-1))) << layer_of(kThreeLayerTrack);
  EXPECT_EQ(worker_count(&WorkerStats::video_paused), 1u);
  EXPECT_EQ(worker_count(&WorkerStats::paused_subscribers), 1u);

  // The load eases below the high mark: the video resumes, on the layer the
  // subscriber's own choice gives.
  set_load(0.2);
  ASSERT_TRUE(run_until(layer_is(2))) << layer_of(kThreeLayerTrack);
  EXPECT_EQ(worker_count(&WorkerStats::video_resumed), 1u);
  EXPECT_EQ(worker_count(&WorkerStats::paused_subscribers), 0u);
  EXPECT_EQ(worker_count(&WorkerStats::layer_caps), 2u);
  set_load(std::nullopt);
}

// A single-layer publisher under saturation: nothing can be lowered, so
// the subscriber's video is paused while its audio goes on; once the load
// eases, the publisher is asked for a keyframe and the video comes back.
TEST_F(ForwardingTest, SaturatedWithASingleLayerVideoIsPausedAudioGoesOnAndVideoResumesAtAKeyframe) {
  subscribe_audio();
  subscribe_video(kVideoTrack);
  std::uint16_t aseq = 1, vseq = 1;
  // Sends one audio and one video packet and counts what the subscriber got
  // of each.
  std::size_t audio = 0, video = 0;
  auto send_both = [&](bool key) {
    send_protected(pub, rtp_packet(kAudioSsrc, aseq, 111, 960u * aseq, text("opus")));
    ++aseq;
    send_protected(pub, rtp_packet(kVideoSsrc, vseq, 96, 3000u * vseq, vp8_payload(vseq, 0, key)));
    ++vseq;
    std::this_thread::sleep_for(10ms);
    for (auto d = receive_plain(sub, false, 0); !d.empty(); d = receive_plain(sub, false, 0)) {
      if (ssrc_of(d) == kOutAudio) ++audio;
      if (ssrc_of(d) == kOutVideo) ++video;
    }
  };
  for (int i = 0; i < 10; ++i) send_both(i == 0);
  for (int i = 0; i < 50 && (audio < 10 || video < 10); ++i) send_both(false);
  ASSERT_GE(video, 10u);

  set_load(0.95);
  for (int i = 0; i < 500 && worker_count(&WorkerStats::video_paused) == 0; ++i) send_both(i % 10 == 0);
  ASSERT_EQ(worker_count(&WorkerStats::video_paused), 1u);
  for (int i = 0; i < 30 && layer_of(kVideoTrack) != -1; ++i) send_both(false);
  ASSERT_EQ(layer_of(kVideoTrack), -1);
  // Paused: audio only, keyframes or not.
  audio = video = 0;
  for (int i = 0; i < 20; ++i) send_both(i % 5 == 0);
  EXPECT_EQ(video, 0u);
  EXPECT_GE(audio, 18u) << "audio is never paused";
  auto stats = on_worker(*worker, [&] { return call->stats(); });
  EXPECT_EQ(stats.layer_caps, 0u) << "a single layer cannot be lowered";

  // Eased: a keyframe request reaches the publisher; the video comes back
  // from the next keyframe.
  while (!pub.receive(0).empty()) {
  }  // earlier keyframe requests (the subscription's)
  set_load(0.2);
  std::vector<std::uint8_t> buf;
  std::optional<rtp::RtcpPacket> pli;
  for (int i = 0; i < 500 && worker_count(&WorkerStats::video_resumed) == 0; ++i) send_both(false);
  ASSERT_EQ(worker_count(&WorkerStats::video_resumed), 1u);
  pli = publisher_rtcp(buf, 206, 1);
  ASSERT_TRUE(pli) << "the resumed subscriber needs a keyframe";
  EXPECT_EQ(rtp::parse_pli(*pli)->media_ssrc, kVideoSsrc);
  video = 0;
  for (int i = 0; i < 5; ++i) send_both(false);
  EXPECT_EQ(video, 0u) << "not before a keyframe";
  for (int i = 0; i < 10; ++i) send_both(i == 0);
  EXPECT_GE(video, 9u);
  set_load(std::nullopt);
}

// Interpretation (docs/media.md §Interpretation): a listener's slot carries
// only the channel it is set to, from whichever track feeds the channel; a
// hand-over to another source (here the second interpreter's track, with
// its own numbers and payload type) continues the slot's sequence numbers
// and timestamps; an unset slot and an unfed channel carry nothing; the
// counters say what each listener got; channel audio never makes the floor's
// active speaker; and an interpreter's own slot never carries their voice.
TEST_F(ForwardingTest, ChannelSlotsCarryTheChosenChannelAndRunOnAcrossAHandOver) {
  constexpr std::uint32_t kChannelA = 0xC0C0C0C1, kChannelB = 0xC0C0C0C2, kSlotSsrc = 0xD0D0D0D0;
  constexpr std::uint32_t kTrackA = 10, kTrackB = 11;
  auto channel_track = [](std::uint32_t id, std::string mid, std::uint32_t ssrc, std::uint8_t pt) {
    TrackSpec t;
    t.id = id;
    t.mid = std::move(mid);
    t.kind = StreamKind::audio;
    t.clock_rate = 48000;
    t.layers = {{"", ssrc, 0}};
    t.formats[pt] = PayloadFormat::opus;
    t.channel = true;
    return t;
  };
  auto counters = std::make_shared<ChannelCounters>();
  auto own = std::make_shared<ChannelCounters>();
  on_worker(*worker, [&] {
    call->publish(1, channel_track(kTrackA, "4", kChannelA, 111));
    call->publish(1, channel_track(kTrackB, "5", kChannelB, 100));
    OutboundSpec spec;
    spec.ssrc = kSlotSsrc;
    spec.mid_extension = kMidExtension;
    spec.mid = "9";
    FormatPayloadTypes formats{};
    formats.fill(kNoPayloadType);
    formats[static_cast<std::size_t>(PayloadFormat::opus)] = 109;
    call->add_slot(2, 0, spec, formats, counters);
    // The publisher, as an interpreter, also has a slot on channel 1.
    spec.ssrc = 0xE0E0E0E0;
    call->add_slot(1, 2, spec, formats, own);
    call->set_slot_channel(1, 2, 1);
    return 0;
  });
  std::uint16_t seq_a = 500, seq_b = 30000;
  std::uint32_t ts_a = 1000, ts_b = 4000000000u;
  auto loud = Extensions{{kAudioLevelExtension, {std::uint8_t(0x80 | 10)}}};
  auto send_a = [&] { send_protected(pub, rtp_packet(kChannelA, seq_a++, 111, ts_a += 960, text("voice A"), loud)); };
  auto send_b = [&] { send_protected(pub, rtp_packet(kChannelB, seq_b++, 100, ts_b += 960, text("voice B"), loud)); };

  // No channel chosen, and no channel fed: nothing.
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(send_a());
  EXPECT_TRUE(sub.receive(200).empty());
  on_worker(*worker, [&] {
    call->set_slot_channel(2, 0, 1);
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(send_a());
  EXPECT_TRUE(sub.receive(200).empty()) << "channel 1 has no source yet";

  // Channel 1 fed by track A: the slot carries it, payload type mapped.
  on_worker(*worker, [&] {
    call->set_channel_source(1, 1, kTrackA);
    return 0;
  });
  std::vector<std::uint8_t> last;
  for (int i = 0; i < 5; ++i) {
    ASSERT_NO_FATAL_FAILURE(send_a());
    last = receive_plain(sub);
    ASSERT_FALSE(last.empty()) << "packet " << i;
    EXPECT_EQ(ssrc_of(last), kSlotSsrc);
    EXPECT_EQ(last[1] & 0x7F, 109);
    EXPECT_EQ(std::string(last.end() - 7, last.end()), "voice A");
  }
  // The hand-over: track B feeds channel 1; A no longer reaches the slot.
  on_worker(*worker, [&] {
    call->set_channel_source(1, 1, kTrackB);
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(send_a());
  std::this_thread::sleep_for(20ms);
  ASSERT_NO_FATAL_FAILURE(send_b());
  auto first_b = receive_plain(sub);
  ASSERT_FALSE(first_b.empty());
  EXPECT_EQ(std::string(first_b.end() - 7, first_b.end()), "voice B");
  EXPECT_EQ(ssrc_of(first_b), kSlotSsrc);
  EXPECT_EQ(first_b[1] & 0x7F, 109) << "B's Opus was 100";
  EXPECT_EQ(seq_of(first_b), std::uint16_t(seq_of(last) + 1)) << "numbers run on";
  const std::uint32_t step = ts_of(first_b) - ts_of(last);
  EXPECT_GE(step, 48000u * 20 / 1000) << "at least the 20 ms that passed";
  EXPECT_LT(step, 48000u * 2) << "not a jump";
  ASSERT_NO_FATAL_FAILURE(send_b());
  auto second_b = receive_plain(sub);
  EXPECT_EQ(seq_of(second_b), std::uint16_t(seq_of(first_b) + 1));
  EXPECT_EQ(ts_of(second_b), ts_of(first_b) + 960);

  // Back to the floor only: nothing more.
  on_worker(*worker, [&] {
    call->set_slot_channel(2, 0, -1);
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(send_b());
  EXPECT_TRUE(sub.receive(200).empty());

  EXPECT_EQ(counters->packets[1].load(), 7u);
  EXPECT_EQ(counters->packets[0].load(), 0u);
  EXPECT_EQ(own->packets[1].load(), 0u) << "an interpreter never gets their own voice back";
  EXPECT_EQ(worker_count(&WorkerStats::channel_forwarded), 7u);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(on_worker(*worker, [&] { return speaker; }), 0u) << "channels are not the floor";
}

}  // namespace
}  // namespace parley::media
