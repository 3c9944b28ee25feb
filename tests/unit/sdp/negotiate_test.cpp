// Answers to real offers: every rule of the server's answer checked on the
// answer parsed back, and the refusals of offers the server cannot serve.

#include "sdp/negotiate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/encoding.h"
#include "sdp/sdp.h"
#include "sdp_test_util.h"

namespace parley::sdp {
namespace {

using test::answer_offer;
using test::drop_lines;
using test::negotiate_error;
using test::read_data;
using test::replace_all;
using test::send_track;
using test::server_transport;

std::vector<std::string> uris(const MediaSection& m) {
  std::vector<std::string> out;
  for (const auto& e : m.extmaps) out.push_back(e.uri);
  return out;
}

const ExtMap* find_ext(const MediaSection& m, std::string_view uri) {
  for (const auto& e : m.extmaps) {
    if (e.uri == uri) return &e;
  }
  return nullptr;
}

// The rules every accepted section of every answer follows.
void check_answer_transport(const test::Answered& a) {
  const auto t = server_transport();
  const auto& ans = a.answer;
  EXPECT_TRUE(ans.ice_lite);
  EXPECT_EQ(ans.origin.session_id, std::to_string(t.session_id));
  EXPECT_EQ(ans.origin.session_version, t.session_version);
  ASSERT_EQ(ans.media.size(), a.offer.media.size());
  const Group* bundle = ans.bundle_group();
  ASSERT_NE(bundle, nullptr);
  ASSERT_FALSE(bundle->mids.empty());
  EXPECT_EQ(bundle->mids[0], a.negotiation.local.bundle_tag);
  for (std::size_t i = 0; i < ans.media.size(); ++i) {
    SCOPED_TRACE("section " + std::to_string(i));
    const auto& m = ans.media[i];
    const auto& o = a.offer.media[i];
    EXPECT_EQ(m.media, o.media);  // same order and kind (RFC 3264 §6)
    EXPECT_EQ(m.mid, o.mid);
    const bool bundled = std::find(bundle->mids.begin(), bundle->mids.end(), m.mid.value_or("")) !=
                         bundle->mids.end();
    if (m.port == 0) {
      EXPECT_FALSE(bundled);
      EXPECT_TRUE(m.candidates.empty());
      continue;
    }
    EXPECT_TRUE(bundled);
    EXPECT_EQ(m.port, t.port);  // RFC 9143: the same port in every bundled section
    EXPECT_EQ(m.proto, "UDP/TLS/RTP/SAVPF");
    EXPECT_EQ(m.ice_ufrag, t.ice_ufrag);
    EXPECT_EQ(m.ice_pwd, t.ice_pwd);
    ASSERT_EQ(m.fingerprints.size(), 1u);
    EXPECT_EQ(m.fingerprints[0].algorithm, "sha-256");
    EXPECT_EQ(m.fingerprints[0].bytes, t.fingerprint_sha256);
    EXPECT_EQ(m.setup, SetupRole::passive);
    ASSERT_EQ(m.candidates.size(), 1u);
    EXPECT_EQ(m.candidates[0], "1 1 udp 2130706431 192.0.2.10 40000 typ host");
    EXPECT_TRUE(m.end_of_candidates);
    EXPECT_TRUE(m.rtcp_mux);
    EXPECT_EQ(m.rtcp_rsize, o.rtcp_rsize);
    EXPECT_FALSE(m.payload_types.empty());
    // Only the feedback and header extensions the server implements, with
    // the offer's ids.
    for (const auto& p : m.payload_types) {
      for (const auto& fb : p.feedback) {
        const bool known = (fb.type == "nack" && (fb.parameter.empty() || fb.parameter == "pli")) ||
                           (fb.type == "ccm" && fb.parameter == "fir") ||
                           (fb.type == "transport-cc" && fb.parameter.empty());
        EXPECT_TRUE(known) << fb.type << " " << fb.parameter;
        const auto* offered = o.find_payload_type(p.pt);
        ASSERT_NE(offered, nullptr);
        EXPECT_TRUE(offered->has_feedback(fb.type, fb.parameter));
      }
    }
    for (const auto& e : m.extmaps) {
      const Capabilities caps;
      EXPECT_NE(std::find(caps.header_extensions.begin(), caps.header_extensions.end(), e.uri),
                caps.header_extensions.end())
          << e.uri;
      const auto* offered = find_ext(o, e.uri);
      ASSERT_NE(offered, nullptr) << e.uri;
      EXPECT_EQ(offered->id, e.id);
    }
  }
  // The client's transport, from its tagged section.
  const auto* tagged = a.offer.find_mid(a.negotiation.remote.bundle_tag);
  ASSERT_NE(tagged, nullptr);
  EXPECT_EQ(a.negotiation.remote.ice_ufrag, a.offer.effective_ice_ufrag(*tagged));
  EXPECT_EQ(a.negotiation.remote.ice_pwd, a.offer.effective_ice_pwd(*tagged));
  ASSERT_EQ(a.negotiation.remote.fingerprints.size(), 1u);
  EXPECT_EQ(a.negotiation.remote.fingerprints[0].bytes,
            a.offer.effective_fingerprints(*tagged)[0].bytes);
}

TEST(SdpAnswer, EveryCapturedOfferIsAnswered) {
  for (const auto& name : test::all_offers()) {
    SCOPED_TRACE(name);
    const auto a = answer_offer(read_data(name));
    check_answer_transport(a);
  }
}

TEST(SdpAnswer, ChromiumPublisher) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  check_answer_transport(a);
  ASSERT_EQ(a.answer.media.size(), 2u);
  EXPECT_EQ(a.answer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));

  // Audio: Opus only, fmtp minptime and useinbandfec kept, transport-cc.
  const auto& audio = a.answer.media[0];
  EXPECT_EQ(test::formats(audio), (std::vector<std::uint8_t>{111}));
  const auto& opus = audio.payload_types[0];
  EXPECT_EQ(opus.rtpmap->encoding, "opus");
  EXPECT_EQ(opus.rtpmap->clock_rate, 48000u);
  EXPECT_EQ(opus.rtpmap->channels, 2u);
  EXPECT_EQ(opus.fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(opus.feedback, (std::vector<RtcpFeedback>{{"transport-cc", ""}}));
  EXPECT_EQ(uris(audio),
            (std::vector<std::string>{std::string(kExtAudioLevel), std::string(kExtTransportCc),
                                      std::string(kExtMid)}));
  // The client publishes (sendrecv): the server only receives.
  EXPECT_EQ(audio.direction, Direction::recvonly);
  EXPECT_TRUE(audio.msids.empty());
  EXPECT_TRUE(audio.ssrcs.empty());

  // Video: VP8, VP9 profile 0, H264 constrained baseline mode 1, each with RTX.
  const auto& video = a.answer.media[1];
  EXPECT_EQ(test::formats(video), (std::vector<std::uint8_t>{96, 97, 98, 99, 108, 109}));
  EXPECT_EQ(video.find_payload_type(96)->rtpmap->encoding, "VP8");
  EXPECT_EQ(video.find_payload_type(97)->rtpmap->encoding, "rtx");
  EXPECT_EQ(video.find_payload_type(97)->param("apt"), "96");
  EXPECT_EQ(video.find_payload_type(98)->rtpmap->encoding, "VP9");
  EXPECT_EQ(video.find_payload_type(98)->fmtp, "profile-id=0");
  EXPECT_EQ(video.find_payload_type(99)->param("apt"), "98");
  const auto* h264 = video.find_payload_type(108);
  EXPECT_EQ(h264->rtpmap->encoding, "H264");
  EXPECT_EQ(h264->fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  EXPECT_EQ(video.find_payload_type(109)->param("apt"), "108");
  EXPECT_EQ(video.find_payload_type(96)->feedback,
            (std::vector<RtcpFeedback>{
                {"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"transport-cc", ""}}));
  EXPECT_TRUE(video.find_payload_type(97)->feedback.empty());
  EXPECT_EQ(uris(video), (std::vector<std::string>{
                             std::string(kExtTransportCc), std::string(kExtMid),
                             std::string(kExtRtpStreamId), std::string(kExtRepairedRtpStreamId)}));
  EXPECT_EQ(video.direction, Direction::recvonly);
  EXPECT_FALSE(video.simulcast);
  EXPECT_TRUE(video.rids.empty());

  // The model says the same as the text.
  const auto& s = a.negotiation.local.sections[1];
  ASSERT_EQ(s.codecs.size(), 3u);
  EXPECT_EQ(s.codecs[0].codec, Codec::vp8);
  EXPECT_EQ(s.codecs[1].codec, Codec::vp9);
  EXPECT_EQ(s.codecs[2].codec, Codec::h264);
  EXPECT_EQ(s.codecs[2].rtx_pt, 109);
  EXPECT_EQ(a.negotiation.remote.ice_options, (std::vector<std::string>{"trickle"}));
  EXPECT_EQ(a.negotiation.local.next_mid, 2u);
}

TEST(SdpAnswer, AbsSendTimeWhenEnabled) {
  Capabilities caps;
  caps.header_extensions.emplace_back(kExtAbsSendTime);
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"), caps);
  for (const auto& m : a.answer.media) {
    const auto* e = find_ext(m, kExtAbsSendTime);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->id, 2);
  }
}

TEST(SdpAnswer, ServerPreferenceOrderNotTheOffers) {
  // The offer puts H264 first; the answer still prefers VP8.
  const auto a = answer_offer(read_data("chromium-publish-h264-first.sdp"));
  ASSERT_EQ(a.answer.media.size(), 1u);
  EXPECT_EQ(test::formats(a.answer.media[0]),
            (std::vector<std::uint8_t>{96, 97, 98, 99, 108, 109}));
  // A server that prefers H264 answers it first.
  Capabilities caps;
  caps.video_codecs = {Codec::h264, Codec::vp8};
  const auto b = answer_offer(read_data("chromium-publish-h264-first.sdp"), caps);
  EXPECT_EQ(test::formats(b.answer.media[0]), (std::vector<std::uint8_t>{108, 109, 96, 97}));
}

TEST(SdpAnswer, ChromiumSimulcast) {
  const auto a = answer_offer(read_data("chromium-publish-simulcast.sdp"));
  check_answer_transport(a);
  const auto& video = a.answer.media[1];
  EXPECT_EQ(video.direction, Direction::recvonly);
  ASSERT_EQ(video.rids.size(), 3u);
  for (const auto& r : video.rids) EXPECT_EQ(r.direction, RidDirection::recv);
  EXPECT_EQ(video.rids[0].id, "q");
  EXPECT_EQ(video.rids[1].id, "h");
  EXPECT_EQ(video.rids[2].id, "f");
  ASSERT_TRUE(video.simulcast);
  EXPECT_TRUE(video.simulcast->send.empty());
  ASSERT_EQ(video.simulcast->recv.size(), 3u);
  EXPECT_EQ(video.simulcast->recv[2][0].rid, "f");
  ASSERT_EQ(a.negotiation.local.sections[1].recv_layers.size(), 3u);

  // Up to the server's limit, in the offer's order.
  Capabilities two;
  two.max_simulcast_layers = 2;
  const auto b = answer_offer(read_data("chromium-publish-simulcast.sdp"), two);
  ASSERT_TRUE(b.answer.media[1].simulcast);
  ASSERT_EQ(b.answer.media[1].simulcast->recv.size(), 2u);
  EXPECT_EQ(b.answer.media[1].rids.size(), 2u);
  EXPECT_EQ(b.answer.media[1].rids[1].id, "h");
}

TEST(SdpAnswer, SimulcastEdgeCases) {
  const auto text = read_data("chromium-publish-simulcast.sdp");
  // A fourth layer is cut; paused layers stay paused.
  const auto four =
      replace_all(replace_all(text, "a=rid:f send\r\n", "a=rid:f send\r\na=rid:x send\r\n"),
                  "a=simulcast:send q;h;f", "a=simulcast:send q;~h;f;x");
  auto a = answer_offer(four);
  ASSERT_TRUE(a.answer.media[1].simulcast);
  const auto& recv = a.answer.media[1].simulcast->recv;
  ASSERT_EQ(recv.size(), 3u);
  EXPECT_TRUE(recv[1][0].paused);
  EXPECT_EQ(recv[2][0].rid, "f");
  // Alternatives: the first usable one is taken.
  const auto alt = replace_all(text, "a=simulcast:send q;h;f", "a=simulcast:send nope,q;h;f");
  a = answer_offer(alt);
  EXPECT_EQ(a.answer.media[1].simulcast->recv[0][0].rid, "q");
  // A rid limited to formats the server refused is dropped.
  const auto restricted = replace_all(text, "a=rid:q send", "a=rid:q send pt=45");
  a = answer_offer(restricted);
  ASSERT_EQ(a.answer.media[1].simulcast->recv.size(), 2u);
  EXPECT_EQ(a.answer.media[1].rids[0].id, "h");
  // Without the rtp-stream-id extension layers cannot be told apart: no simulcast.
  a = answer_offer(drop_lines(text, "a=extmap:10 "));
  EXPECT_FALSE(a.answer.media[1].simulcast);
  EXPECT_TRUE(a.answer.media[1].rids.empty());
}

TEST(SdpAnswer, SubscriberSectionsFilledByTheServer) {
  const auto text = read_data("chromium-subscribe-recvonly.sdp");
  // Nothing to send yet: receive-only sections are answered inactive.
  auto a = answer_offer(text);
  check_answer_transport(a);
  for (const auto& m : a.answer.media) {
    EXPECT_EQ(m.direction, Direction::inactive);
    EXPECT_TRUE(m.ssrcs.empty());
  }
  // With the server's tracks: sendonly, msid and SSRCs with cname and RTX.
  a = answer_offer(text, {}, {{"0", send_track(1000, "mic-7")}, {"1", send_track(2000, "cam-7")}});
  check_answer_transport(a);
  const auto& audio = a.answer.media[0];
  EXPECT_EQ(audio.direction, Direction::sendonly);
  ASSERT_EQ(audio.msids.size(), 1u);
  EXPECT_EQ(audio.msids[0].stream_id, "peer-7");
  EXPECT_EQ(audio.msids[0].track_id, "mic-7");
  ASSERT_EQ(audio.ssrcs.size(), 1u);  // no RTX for Opus: no repair SSRC
  EXPECT_EQ(audio.ssrcs[0].ssrc, 1000u);
  EXPECT_EQ(audio.ssrcs[0].cname, "parley-server");
  EXPECT_EQ(audio.ssrcs[0].msid_track, "mic-7");
  EXPECT_TRUE(audio.ssrc_groups.empty());
  const auto& video = a.answer.media[1];
  EXPECT_EQ(video.direction, Direction::sendonly);
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(video.ssrc_groups[0].ssrcs, (std::vector<std::uint32_t>{2000, 2001}));
  ASSERT_EQ(video.ssrcs.size(), 2u);
  EXPECT_EQ(video.ssrcs[1].cname, "parley-server");
  EXPECT_EQ(video.msids[0].track_id, "cam-7");
  ASSERT_TRUE(a.negotiation.local.sections[1].track);
  // The receive-only offer lists many H264 profiles; only the server's is kept.
  EXPECT_EQ(test::formats(video).size(), 6u);

  // aiortc's receive-only offer too.
  a = answer_offer(read_data("aiortc-subscribe-recvonly.sdp"), {},
                   {{"0", send_track(1000, "mic-7")}, {"1", send_track(2000, "cam-7")}});
  check_answer_transport(a);
  EXPECT_EQ(a.answer.media[0].direction, Direction::sendonly);
  EXPECT_EQ(test::formats(a.answer.media[0]), (std::vector<std::uint8_t>{96}));
  EXPECT_FALSE(a.answer.media[0].payload_types[0].fmtp.has_value());
  // aiortc offers VP8 and H264 42001f/42e01f: the constrained baseline one.
  EXPECT_EQ(test::formats(a.answer.media[1]), (std::vector<std::uint8_t>{97, 98, 101, 102}));
}

TEST(SdpAnswer, SendrecvSectionCarriesBothWays) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"), {},
                              {{"1", send_track(5000, "cam-9")}});
  EXPECT_EQ(a.answer.media[0].direction, Direction::recvonly);
  EXPECT_EQ(a.answer.media[1].direction, Direction::sendrecv);
  EXPECT_EQ(a.answer.media[1].msids[0].track_id, "cam-9");
}

TEST(SdpAnswer, TracksOnlyWhereTheClientReceives) {
  // A publisher's sendonly section cannot carry a server track: not placed.
  const auto a = answer_offer(read_data("chromium-publish-simulcast.sdp"), {},
                              {{"1", send_track(5000, "cam-9")}});
  EXPECT_EQ(a.answer.media[1].direction, Direction::recvonly);
  EXPECT_FALSE(a.negotiation.local.sections[1].track);
  EXPECT_TRUE(a.answer.media[1].ssrcs.empty());
  // Unknown mids, SSRC clashes and bad ids are the caller's mistakes.
  const auto text = read_data("chromium-publish-audio-video.sdp");
  EXPECT_EQ(negotiate_error(text, {}, {{"7", send_track(5000, "x")}}), "sdp_bad_track");
  const auto offer = test::must_parse(text);
  const auto clash = offer.media[0].ssrcs[0].ssrc;
  EXPECT_EQ(negotiate_error(text, {}, {{"1", send_track(clash, "x")}}), "sdp_bad_track");
  EXPECT_EQ(negotiate_error(text, {}, {{"1", send_track(5000, "x")}, {"1", send_track(6000, "y")}}),
            "sdp_bad_track");
  EXPECT_EQ(negotiate_error(text, {}, {{"1", send_track(5000, "a b")}}), "sdp_bad_track");
  auto same = send_track(5000, "x");
  same.rtx_ssrc = 5000;
  EXPECT_EQ(negotiate_error(text, {}, {{"1", same}}), "sdp_bad_track");
}

TEST(SdpAnswer, DataChannelRejected) {
  const auto a = answer_offer(read_data("chromium-publish-with-datachannel.sdp"));
  check_answer_transport(a);
  ASSERT_EQ(a.answer.media.size(), 3u);
  const auto& app = a.answer.media[2];
  EXPECT_EQ(app.port, 0);  // JSEP §5.3.1 / RFC 3264 §6
  EXPECT_EQ(app.media, "application");
  EXPECT_EQ(app.proto, "UDP/DTLS/SCTP");
  EXPECT_EQ(app.formats, (std::vector<std::string>{"webrtc-datachannel"}));
  EXPECT_EQ(app.mid, "2");
  EXPECT_TRUE(app.candidates.empty());
  EXPECT_EQ(app.ice_ufrag, "pRly");  // aiortc 1.4 wants credentials in every section
  EXPECT_FALSE(app.rtcp_mux);
  EXPECT_EQ(a.answer.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(a.negotiation.local.sections[2].reason, RejectReason::unsupported_media);
}

TEST(SdpAnswer, TaggedSectionSkipsRejectedOnes) {
  // The data channel first in the group: the first accepted mid becomes the
  // tag (RFC 9143 §7.3.1) and leads the answer's group.
  const auto text = replace_all(read_data("chromium-publish-with-datachannel.sdp"),
                                "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 2 1 0");
  const auto a = answer_offer(text);
  EXPECT_EQ(a.negotiation.local.bundle_tag, "1");
  EXPECT_EQ(a.negotiation.remote.bundle_tag, "1");
  EXPECT_EQ(a.answer.bundle_group()->mids, (std::vector<std::string>{"1", "0"}));
}

TEST(SdpAnswer, BundleOnlyAndDisabledSections) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  const std::string video = "m=video 9 UDP/TLS/RTP/SAVPF";
  // Port 0 with a=bundle-only: accepted on the BUNDLE port (RFC 8843 §6).
  auto a = answer_offer(replace_all(replace_all(text, video, "m=video 0 UDP/TLS/RTP/SAVPF"),
                                    "a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n"));
  EXPECT_EQ(a.answer.media[1].port, 40000);
  EXPECT_EQ(a.negotiation.local.bundle_tag, "0");
  // Port 0 alone: the offerer disabled it.
  a = answer_offer(replace_all(text, video, "m=video 0 UDP/TLS/RTP/SAVPF"));
  EXPECT_EQ(a.answer.media[1].port, 0);
  EXPECT_EQ(a.negotiation.local.sections[1].reason, RejectReason::disabled);
  EXPECT_EQ(test::formats(a.answer.media[1]), (std::vector<std::uint8_t>{96}));
  // Outside the BUNDLE group: rejected.
  a = answer_offer(replace_all(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0"));
  EXPECT_EQ(a.answer.media[1].port, 0);
  EXPECT_EQ(a.negotiation.local.sections[1].reason, RejectReason::not_bundled);
  // Another transport protocol: rejected.
  a = answer_offer(replace_all(text, video, "m=video 9 TCP/DTLS/RTP/SAVPF"));
  EXPECT_EQ(a.negotiation.local.sections[1].reason, RejectReason::unsupported_proto);
  EXPECT_EQ(a.answer.media[1].proto, "TCP/DTLS/RTP/SAVPF");
  // No codec in common in one section: that section alone is rejected.
  a = answer_offer(replace_all(text, "VP8/90000", "VP7/90000"), [] {
    Capabilities c;
    c.video_codecs = {Codec::vp8};
    return c;
  }());
  EXPECT_EQ(a.negotiation.local.sections[1].reason, RejectReason::no_common_codec);
  EXPECT_EQ(a.answer.media[0].port, 40000);
}

TEST(SdpAnswer, RefusesWhatTheServerCannotServe) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  EXPECT_EQ(negotiate_error(text), "ok");
  EXPECT_EQ(negotiate_error(drop_lines(text, "a=fingerprint:")), "sdp_no_fingerprint");
  EXPECT_EQ(negotiate_error(replace_all(text, "a=fingerprint:sha-256 ", "a=fingerprint:sha-1 ")),
            "parse:sdp_bad_fingerprint");
  // Only hash functions the server does not take (RFC 8122 §5 allows md5).
  EXPECT_EQ(
      negotiate_error(replace_all(drop_lines(text, "a=fingerprint:"), "t=0 0\r\n",
                                  "t=0 0\r\na=fingerprint:md5 " +
                                      fingerprint_text(std::vector<std::uint8_t>(16, 3)) + "\r\n")),
      "sdp_no_fingerprint");
  EXPECT_EQ(negotiate_error(drop_lines(text, "a=ice-ufrag:")), "sdp_no_ice_credentials");
  EXPECT_EQ(negotiate_error(drop_lines(text, "a=ice-pwd:")), "sdp_no_ice_credentials");
  EXPECT_EQ(negotiate_error(drop_lines(text, "a=rtcp-mux")), "sdp_no_rtcp_mux");
  EXPECT_EQ(negotiate_error(drop_lines(text, "a=group:BUNDLE")), "sdp_no_bundle");
  EXPECT_EQ(negotiate_error(replace_all(text, "a=setup:actpass", "a=setup:passive")),
            "sdp_bad_setup");
  EXPECT_EQ(negotiate_error(replace_all(text, "a=setup:actpass", "a=setup:holdconn")),
            "sdp_bad_setup");
  EXPECT_EQ(negotiate_error(replace_all(text, "a=setup:actpass", "a=setup:active")), "ok");
  EXPECT_EQ(negotiate_error(drop_lines(text, "a=setup:")), "ok");  // RFC 4145: absent = active
  EXPECT_EQ(negotiate_error(replace_all(text, "t=0 0\r\n", "t=0 0\r\na=ice-lite\r\n")),
            "sdp_peer_ice_lite");
  EXPECT_EQ(negotiate_error(replace_all(replace_all(text, "a=mid:1", "a=mid:0123456789abcdefg"),
                                        "BUNDLE 0 1", "BUNDLE 0 0123456789abcdefg")),
            "sdp_bad_mid");
  // No codec the server forwards anywhere.
  auto no_codec = replace_all(text, "opus/48000/2", "opus/48000/1");
  for (const auto* name : {"VP8/", "VP9/", "H264/"}) no_codec = replace_all(no_codec, name, "XX/");
  const auto offer = test::must_parse(no_codec);
  auto n = negotiate_answer(offer, {}, server_transport());
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, "sdp_no_common_codec");
  EXPECT_NE(n.error().message.find("PCMU"), std::string::npos) << n.error().message;
  // H264 in single NAL unit mode only is no common codec either.
  Capabilities h264_only;
  h264_only.video_codecs = {Codec::h264};
  const auto video_only =
      test::join({"v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "a=group:BUNDLE v",
                  "m=video 9 UDP/TLS/RTP/SAVPF 104", "a=mid:v", "a=ice-ufrag:abcd",
                  "a=ice-pwd:0123456789012345678901",
                  "a=fingerprint:sha-256 " + fingerprint_text(std::vector<std::uint8_t>(32, 1)),
                  "a=setup:actpass", "a=rtcp-mux", "a=rtpmap:104 H264/90000",
                  "a=fmtp:104 packetization-mode=0;profile-level-id=42e01f"});
  EXPECT_EQ(negotiate_error(video_only, h264_only), "sdp_no_common_codec");
  EXPECT_EQ(negotiate_error(replace_all(video_only, "packetization-mode=0", "packetization-mode=1"),
                            h264_only),
            "ok");
  // Only a data channel: nothing to serve.
  const auto data_only =
      test::join({"v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "a=group:BUNDLE d",
                  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "a=mid:d"});
  EXPECT_EQ(negotiate_error(data_only), "sdp_no_media");
  // Bad server parameters are refused, not written.
  auto t = server_transport();
  t.address = "not-an-ip";
  EXPECT_FALSE(negotiate_answer(test::must_parse(text), {}, t).ok());
}

TEST(SdpAnswer, FingerprintsAndSessionLevelTransport) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  // A stronger hash next to sha-256: only the strongest is kept (RFC 8122 §5).
  std::string sha384 =
      "a=fingerprint:sha-384 " + fingerprint_text(std::vector<std::uint8_t>(48, 2));
  auto a = answer_offer(
      replace_all(text, "a=setup:actpass\r\na=mid:0", sha384 + "\r\na=setup:actpass\r\na=mid:0"));
  ASSERT_EQ(a.negotiation.remote.fingerprints.size(), 1u);
  EXPECT_EQ(a.negotiation.remote.fingerprints[0].algorithm, "sha-384");
  // Transport attributes at session level only.
  std::string moved =
      drop_lines(drop_lines(drop_lines(text, "a=fingerprint:"), "a=ice-ufrag:"), "a=ice-pwd:");
  moved = replace_all(
      moved, "t=0 0\r\n",
      "t=0 0\r\na=ice-ufrag:sess\r\na=ice-pwd:0123456789012345678901\r\n" + sha384 + "\r\n");
  a = answer_offer(moved);
  EXPECT_EQ(a.negotiation.remote.ice_ufrag, "sess");
  EXPECT_EQ(a.negotiation.remote.fingerprints[0].bytes.size(), 48u);
}

TEST(SdpAnswer, ExtensionIdsStayConsistentAcrossTheBundle) {
  // aiortc maps id 2 to audio level in audio and to abs-send-time in video.
  Capabilities caps;
  caps.header_extensions.emplace_back(kExtAbsSendTime);
  const auto a = answer_offer(read_data("aiortc-publish-audio-video.sdp"), caps);
  EXPECT_NE(find_ext(a.answer.media[0], kExtAudioLevel), nullptr);
  EXPECT_EQ(find_ext(a.answer.media[1], kExtAbsSendTime), nullptr);
  EXPECT_EQ(find_ext(a.answer.media[1], kExtMid)->id, 1);
  // Directions in extmap are mirrored (RFC 8285 §6).
  const auto text = replace_all(read_data("chromium-publish-audio-video.sdp"),
                                "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                                "a=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid");
  const auto b = answer_offer(text);
  EXPECT_EQ(find_ext(b.answer.media[0], kExtMid)->direction, Direction::recvonly);
  EXPECT_EQ(find_ext(b.answer.media[0], kExtTransportCc)->direction, std::nullopt);
}

TEST(SdpAnswer, AnswerTextIsCrlfAndStable) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  EXPECT_EQ(
      a.text.rfind("v=0\r\no=- 4611686018427387904 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                   "a=ice-lite\r\na=group:BUNDLE 0 1\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 111\r\n"
                   "c=IN IP4 192.0.2.10\r\n",
                   0),
      0u)
      << a.text;
  EXPECT_EQ(a.text.find('\n'), a.text.find("\r\n") + 1);
  EXPECT_EQ(a.text.substr(a.text.size() - 2), "\r\n");
  // The same input gives the same text.
  EXPECT_EQ(answer_offer(read_data("chromium-publish-audio-video.sdp")).text, a.text);
  // IPv6 candidate address.
  auto t = server_transport();
  t.address = "2001:db8::10";
  auto n = negotiate_answer(a.offer, {}, t);
  ASSERT_TRUE(n.ok());
  auto text = write_answer(n->local);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("c=IN IP6 2001:db8::10\r\n"), std::string::npos);
  EXPECT_NE(text->find("udp 2130706431 2001:db8::10 40000 typ host"), std::string::npos);
}

TEST(SdpAnswer, WriterRefusesInconsistentModels) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  auto local = a.negotiation.local;
  local.sections[1].mid = "0";
  EXPECT_EQ(write_answer(local).error().code, "sdp_bad_local_description");
  local = a.negotiation.local;
  local.sections[0].codecs.clear();
  EXPECT_FALSE(write_answer(local).ok());
  local = a.negotiation.local;
  local.sections[1].codecs[0].rtx_pt = local.sections[1].codecs[1].pt;
  EXPECT_FALSE(write_answer(local).ok());
  local = a.negotiation.local;
  local.sections[0].codecs[0].fmtp.push_back({"evil", "x;y"});
  EXPECT_FALSE(write_answer(local).ok());
  local = a.negotiation.local;
  for (auto& s : local.sections) s.rejected = true;
  EXPECT_FALSE(write_answer(local).ok());
  local = a.negotiation.local;
  local.transport.fingerprint_sha256.pop_back();
  EXPECT_FALSE(write_answer(local).ok());
}

}  // namespace
}  // namespace parley::sdp
