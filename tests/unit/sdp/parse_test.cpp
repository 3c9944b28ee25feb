// The SDP parser on real offers (Chromium 156, aiortc 1.4) and on broken and
// oversized input.

#include <gtest/gtest.h>

#include <string>

#include "sdp/sdp.h"
#include "sdp_test_util.h"

namespace parley::sdp {
namespace {

using test::drop_lines;
using test::error_code;
using test::must_parse;
using test::read_data;
using test::replace_all;

TEST(SdpParse, EveryCapturedOfferParses) {
  for (const auto& name : test::all_offers()) {
    SCOPED_TRACE(name);
    const auto text = read_data(name);
    ASSERT_FALSE(text.empty());
    auto d = parse(text);
    ASSERT_TRUE(d.ok()) << d.error().code << ": " << d.error().message;
    EXPECT_FALSE(d->ice_lite);
    ASSERT_NE(d->bundle_group(), nullptr);
    for (const auto& m : d->media) {
      ASSERT_TRUE(m.mid.has_value());
      EXPECT_TRUE(m.rtcp_mux || m.kind == MediaKind::application);
      const auto& fps = d->effective_fingerprints(m);
      ASSERT_EQ(fps.size(), 1u);
      EXPECT_EQ(fps[0].algorithm, "sha-256");
      EXPECT_EQ(fps[0].bytes.size(), 32u);
      EXPECT_EQ(d->effective_setup(m), SetupRole::actpass);
      EXPECT_TRUE(d->effective_ice_ufrag(m).has_value());
      EXPECT_TRUE(d->effective_ice_pwd(m).has_value());
    }
  }
}

TEST(SdpParse, ChromiumPublisherOffer) {
  const auto d = must_parse(read_data("chromium-publish-audio-video.sdp"));
  EXPECT_EQ(d.origin.username, "-");
  EXPECT_EQ(d.origin.session_version, 2u);
  EXPECT_EQ(d.origin.address, "127.0.0.1");
  EXPECT_TRUE(d.extmap_allow_mixed);
  EXPECT_EQ(d.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(d.msid_semantic.rfind("WMS ", 0), 0u);
  ASSERT_EQ(d.media.size(), 2u);

  const auto& audio = d.media[0];
  EXPECT_EQ(audio.kind, MediaKind::audio);
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(test::formats(audio), (std::vector<std::uint8_t>{111, 63, 9, 0, 8, 13, 110, 126}));
  EXPECT_EQ(audio.direction, Direction::sendrecv);
  EXPECT_EQ(audio.ice_options, (std::vector<std::string>{"trickle"}));
  EXPECT_TRUE(audio.rtcp_rsize);
  const auto* opus = audio.find_payload_type(111);
  ASSERT_NE(opus, nullptr);
  ASSERT_TRUE(opus->rtpmap);
  EXPECT_EQ(opus->rtpmap->encoding, "opus");
  EXPECT_EQ(opus->rtpmap->clock_rate, 48000u);
  EXPECT_EQ(opus->rtpmap->channels, 2u);
  EXPECT_EQ(opus->fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(opus->param("useinbandfec"), "1");
  EXPECT_EQ(opus->param("MINPTIME"), "10");
  EXPECT_TRUE(opus->has_feedback("transport-cc", ""));
  EXPECT_EQ(audio.find_payload_type(63)->fmtp, "111/111");  // RED: not key=value
  EXPECT_EQ(audio.find_payload_type(0)->rtpmap->encoding, "PCMU");
  ASSERT_EQ(audio.extmaps.size(), 4u);
  EXPECT_EQ(audio.extmaps[0].id, 1);
  EXPECT_EQ(audio.extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  ASSERT_EQ(audio.ssrcs.size(), 1u);
  EXPECT_FALSE(audio.ssrcs[0].cname.empty());
  EXPECT_FALSE(audio.ssrcs[0].msid_track.empty());
  ASSERT_EQ(audio.msids.size(), 1u);
  EXPECT_EQ(audio.msids[0].stream_id, audio.ssrcs[0].msid_stream);

  const auto& video = d.media[1];
  EXPECT_EQ(video.kind, MediaKind::video);
  EXPECT_EQ(video.payload_types.size(), 23u);
  const auto* vp8 = video.find_payload_type(96);
  ASSERT_NE(vp8, nullptr);
  EXPECT_EQ(vp8->rtpmap->encoding, "VP8");
  EXPECT_EQ(vp8->rtpmap->channels, 0u);
  EXPECT_TRUE(vp8->has_feedback("nack", "pli"));
  EXPECT_TRUE(vp8->has_feedback("ccm", "fir"));
  EXPECT_TRUE(vp8->has_feedback("goog-remb", ""));
  EXPECT_EQ(video.find_payload_type(97)->param("apt"), "96");
  EXPECT_EQ(video.find_payload_type(102)->param("profile-level-id"), "42001f");
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(video.ssrc_groups[0].ssrcs.size(), 2u);
  EXPECT_EQ(video.ssrcs.size(), 2u);
  EXPECT_NE(video.find_ssrc(video.ssrc_groups[0].ssrcs[1]), nullptr);
  EXPECT_FALSE(video.simulcast.has_value());
}

TEST(SdpParse, ChromiumSimulcastOffer) {
  const auto d = must_parse(read_data("chromium-publish-simulcast.sdp"));
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_EQ(d.media[0].direction, Direction::sendonly);
  const auto& video = d.media[1];
  EXPECT_EQ(video.direction, Direction::sendonly);
  ASSERT_EQ(video.rids.size(), 3u);
  EXPECT_EQ(video.rids[0].id, "q");
  EXPECT_EQ(video.rids[0].direction, RidDirection::send);
  EXPECT_EQ(video.rids[2].id, "f");
  ASSERT_TRUE(video.simulcast);
  ASSERT_EQ(video.simulcast->send.size(), 3u);
  EXPECT_EQ(video.simulcast->send[1][0].rid, "h");
  EXPECT_FALSE(video.simulcast->send[1][0].paused);
  EXPECT_TRUE(video.simulcast->recv.empty());
  EXPECT_TRUE(video.ssrcs.empty());  // simulcast by rid announces no SSRCs
}

TEST(SdpParse, ChromiumDataChannelAndCandidates) {
  const auto d = must_parse(read_data("chromium-publish-with-datachannel.sdp"));
  ASSERT_EQ(d.media.size(), 3u);
  const auto& app = d.media[2];
  EXPECT_EQ(app.kind, MediaKind::application);
  EXPECT_EQ(app.proto, "UDP/DTLS/SCTP");
  EXPECT_EQ(app.formats, (std::vector<std::string>{"webrtc-datachannel"}));
  EXPECT_TRUE(app.payload_types.empty());
  EXPECT_FALSE(app.is_rtp());
  EXPECT_EQ(app.candidates.size(), 8u);
  EXPECT_NE(d.media[0].port, 9);
  EXPECT_NE(d.media[0].candidates[0].find(" udp "), std::string::npos);
}

TEST(SdpParse, AiortcOffers) {
  const auto d = must_parse(read_data("aiortc-publish-audio-video.sdp"));
  EXPECT_EQ(d.msid_semantic, "WMS *");
  ASSERT_EQ(d.media.size(), 2u);
  EXPECT_TRUE(d.media[0].end_of_candidates);
  EXPECT_EQ(d.media[0].candidates.size(), 2u);
  EXPECT_FALSE(d.media[0].rtcp_rsize);
  // aiortc gives each section its own ICE credentials.
  EXPECT_NE(d.media[0].ice_ufrag, d.media[1].ice_ufrag);
  EXPECT_EQ(d.media[0].find_payload_type(96)->rtpmap->encoding, "opus");
  EXPECT_FALSE(d.media[0].find_payload_type(96)->fmtp.has_value());

  const auto r = must_parse(read_data("aiortc-subscribe-recvonly.sdp"));
  EXPECT_EQ(r.effective_direction(r.media[0]), Direction::recvonly);
  EXPECT_EQ(r.effective_direction(r.media[1]), Direction::recvonly);
}

TEST(SdpParse, LineEnds) {
  const auto crlf = read_data("chromium-publish-audio-video.sdp");
  const auto lf = replace_all(crlf, "\r\n", "\n");
  const auto a = must_parse(crlf);
  const auto b = must_parse(lf);
  EXPECT_EQ(a.media.size(), b.media.size());
  EXPECT_EQ(a.media[1].payload_types.size(), b.media[1].payload_types.size());
  EXPECT_EQ(*b.media[0].ice_pwd, *a.media[0].ice_pwd);  // no CR left at the end of values
  // The last line may lack its line end.
  EXPECT_EQ(error_code(crlf.substr(0, crlf.size() - 2)), "ok");
  EXPECT_EQ(error_code(lf.substr(0, lf.size() - 1)), "ok");
  // A CR not followed by LF is an error, in the middle and at the very end.
  EXPECT_EQ(error_code(replace_all(crlf, "a=rtcp-mux\r\n", "a=rtcp-mux\r")), "sdp_bad_line");
  EXPECT_EQ(error_code(crlf.substr(0, crlf.size() - 1)), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(crlf, "s=-\r\n", "s=-\r\r\n")), "sdp_bad_line");
  // Empty lines, NUL bytes, lines without "x=".
  EXPECT_EQ(error_code(crlf + "\r\n"), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(crlf, "t=0 0\r\n", "t=0 0\r\n\r\n")), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(crlf, "s=-", std::string("s=\0-", 4))), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(crlf, "a=rtcp-mux", "a rtcp-mux")), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(crlf, "a=rtcp-mux", "A=rtcp-mux")), "sdp_bad_line");
  EXPECT_EQ(error_code(""), "sdp_empty");
}

TEST(SdpParse, SessionLines) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  EXPECT_EQ(error_code(replace_all(text, "v=0", "v=1")), "sdp_bad_version");
  EXPECT_EQ(error_code(text.substr(text.find("o="))), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(text, "s=-\r\n", "")), "sdp_bad_line");
  EXPECT_EQ(error_code(drop_lines(text, "t=")), "sdp_bad_timing");
  EXPECT_EQ(error_code(replace_all(text, "t=0 0", "t=now")), "sdp_bad_timing");
  EXPECT_EQ(error_code(replace_all(text, " 2 IN IP4 127.0.0.1", " IN IP4 127.0.0.1")),
            "sdp_bad_origin");
  EXPECT_EQ(error_code(replace_all(text, " 2 IN IP4 127.0.0.1", " x IN IP4 127.0.0.1")),
            "sdp_bad_origin");
  // RFC 8866 §5: an unknown type letter rejects the description.
  EXPECT_EQ(error_code(replace_all(text, "t=0 0\r\n", "t=0 0\r\nx=1\r\n")), "sdp_bad_line");
  // Session-only lines inside a media section.
  EXPECT_EQ(error_code(replace_all(text, "a=mid:1\r\n", "a=mid:1\r\nt=0 0\r\n")), "sdp_bad_line");
  EXPECT_EQ(error_code(replace_all(text, "a=mid:1\r\n", "a=mid:1\r\nv=0\r\n")), "sdp_bad_line");
  // Lines the server has no use for are accepted at both levels.
  EXPECT_EQ(error_code(replace_all(text, "a=mid:1\r\n", "a=mid:1\r\nb=AS:2000\r\ni=camera\r\n")),
            "ok");
  EXPECT_EQ(error_code(replace_all(text, "t=0 0\r\n", "i=x\r\nu=http://x\r\nt=0 0\r\nr=1 1 1\r\n")),
            "ok");
}

TEST(SdpParse, Limits) {
  const auto text = read_data("chromium-subscribe-recvonly.sdp");
  // Total size: checked before anything else.
  std::string big = text;
  while (big.size() <= 64 * 1024) big += "a=x-filler:0123456789012345678901234567890123456789\r\n";
  EXPECT_EQ(error_code(big), "sdp_too_large");
  Limits small;
  small.max_bytes = text.size() - 1;
  EXPECT_EQ(error_code(text, small), "sdp_too_large");
  // Line count.
  Limits lines;
  lines.max_lines = 100;
  EXPECT_EQ(error_code(text, lines), "sdp_too_many_lines");
  // Line length.
  EXPECT_EQ(error_code(replace_all(text, "s=-", "s=" + std::string(2000, 'x'))),
            "sdp_line_too_long");
  // Media sections: 65 m= lines.
  std::string many = text.substr(0, text.find("m=audio"));
  for (int i = 0; i < 65; ++i) {
    many += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:m" + std::to_string(i) + "\r\n";
  }
  EXPECT_EQ(error_code(many), "sdp_too_many_media");
  // Payload types on one m= line.
  std::string pts = "m=video 9 UDP/TLS/RTP/SAVPF";
  for (int pt = 0; pt < 65; ++pt) pts += " " + std::to_string(pt + 35);
  EXPECT_EQ(
      error_code(replace_all(text, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", pts)),
      "sdp_too_many_payload_types");
  // Attributes in one section (the recvonly video section has ~170).
  Limits attrs;
  attrs.max_attributes = 100;
  EXPECT_EQ(error_code(text, attrs), "sdp_too_many_attributes");
  // Every real offer fits the defaults.
  for (const auto& name : test::all_offers()) EXPECT_EQ(error_code(read_data(name)), "ok") << name;
}

TEST(SdpParse, MediaLine) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  const std::string audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126";
  EXPECT_EQ(error_code(replace_all(text, audio, "m=audio 9 UDP/TLS/RTP/SAVPF")), "sdp_bad_media");
  EXPECT_EQ(error_code(replace_all(text, audio, "m=audio 70000 UDP/TLS/RTP/SAVPF 111")),
            "sdp_bad_media");
  EXPECT_EQ(error_code(replace_all(text, audio, "m=audio 9 UDP/TLS/RTP/SAVPF 111 128")),
            "sdp_bad_media");
  EXPECT_EQ(error_code(replace_all(text, audio, "m=audio 9 UDP/TLS/RTP/SAVPF 111 x")),
            "sdp_bad_media");
  EXPECT_EQ(error_code(replace_all(text, audio, "m=audio 9 UDP//RTP 111")), "sdp_bad_media");
  EXPECT_EQ(error_code(replace_all(text, audio, "m=audio 9 UDP/TLS/RTP/SAVPF 111 111")),
            "sdp_duplicate_payload_type");
  const auto d = must_parse(replace_all(text, audio, "m=audio 9/2 UDP/TLS/RTP/SAVPF 111"));
  EXPECT_EQ(d.media[0].port, 9);
  // rtpmap and fmtp for formats the m= line does not list describe nothing.
  const auto e = must_parse(replace_all(text, audio, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0"));
  EXPECT_EQ(e.media[0].payload_types.size(), 2u);
  EXPECT_EQ(e.media[0].find_payload_type(63), nullptr);
}

TEST(SdpParse, Attributes) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  auto with = [&](std::string_view line) {
    return replace_all(text, "a=mid:1\r\n", "a=mid:1\r\n" + std::string(line) + "\r\n");
  };
  EXPECT_EQ(error_code(with("a=rtpmap:96 VP8")), "sdp_bad_rtpmap");
  EXPECT_EQ(error_code(with("a=rtpmap:96 VP8/fast")), "sdp_bad_rtpmap");
  EXPECT_EQ(error_code(with("a=rtpmap:96 VP8/90000")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(with("a=fmtp:x apt=1")), "sdp_bad_fmtp");
  EXPECT_EQ(error_code(with("a=fmtp:97 apt=96")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(with("a=rtcp-fb:96")), "sdp_bad_rtcp_fb");
  EXPECT_EQ(error_code(with("a=mid:2")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(replace_all(text, "a=mid:1", "a=mid:0")), "sdp_duplicate_mid");
  EXPECT_EQ(error_code(replace_all(text, "a=mid:1", "a=mid:a b")), "sdp_bad_mid");
  EXPECT_EQ(error_code(with("a=recvonly")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(with("a=rtcp-mux:yes")), "sdp_bad_line");
  EXPECT_EQ(error_code(with("a=setup:both")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(replace_all(text, "a=setup:actpass", "a=setup:both")), "sdp_bad_setup");
  EXPECT_EQ(error_code(with("a=fingerprint:sha-256 AB:CD")), "sdp_bad_fingerprint");
  EXPECT_EQ(error_code(with("a=fingerprint:sha-256 ABCD")), "sdp_bad_fingerprint");
  EXPECT_EQ(error_code(with("a=fingerprint:sha-256")), "sdp_bad_fingerprint");
  EXPECT_EQ(error_code(with("a=ice-ufrag:abcd")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(replace_all(drop_lines(text, "a=ice-ufrag"), "a=mid:1\r\n",
                                   "a=mid:1\r\na=ice-ufrag:ab\r\n")),
            "sdp_bad_ice_credentials");
  EXPECT_EQ(error_code(replace_all(drop_lines(text, "a=ice-pwd"), "a=mid:1\r\n",
                                   "a=mid:1\r\na=ice-pwd:short\r\n")),
            "sdp_bad_ice_credentials");
  EXPECT_EQ(error_code(with("a=extmap:0 urn:x")), "sdp_bad_extmap");
  EXPECT_EQ(error_code(with("a=extmap:256 urn:x")), "sdp_bad_extmap");
  EXPECT_EQ(error_code(with("a=extmap:20/sideways urn:x")), "sdp_bad_extmap");
  EXPECT_EQ(error_code(with("a=extmap:20")), "sdp_bad_extmap");
  EXPECT_EQ(error_code(with("a=extmap:2 urn:x")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(with("a=ssrc:x cname:a")), "sdp_bad_ssrc");
  EXPECT_EQ(error_code(with("a=ssrc:4294967296 cname:a")), "sdp_bad_ssrc");
  EXPECT_EQ(error_code(with("a=ssrc-group:FID 1 2 3")), "sdp_bad_ssrc_group");
  EXPECT_EQ(error_code(with("a=ssrc-group:FID")), "sdp_bad_ssrc_group");
  EXPECT_EQ(error_code(with("a=msid:a b c")), "sdp_bad_msid");
  EXPECT_EQ(error_code(with("a=msid:" + std::string(65, 'a'))), "sdp_bad_msid");
  EXPECT_EQ(error_code(with("a=rid:q both")), "sdp_bad_rid");
  EXPECT_EQ(error_code(with("a=rid:q.1 send")), "sdp_bad_rid");
  EXPECT_EQ(error_code(with("a=rid:q send pt=300")), "sdp_bad_rid");
  EXPECT_EQ(error_code(with("a=rid:q send\r\na=rid:q recv")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(with("a=simulcast:send")), "sdp_bad_simulcast");
  EXPECT_EQ(error_code(with("a=simulcast:send q;;f")), "sdp_bad_simulcast");
  EXPECT_EQ(error_code(with("a=simulcast:send q send h")), "sdp_bad_simulcast");
  EXPECT_EQ(error_code(with("a=simulcast:sideways q")), "sdp_bad_simulcast");
  EXPECT_EQ(error_code(with("a=candidate:")), "sdp_bad_candidate");
  EXPECT_EQ(error_code(with("a=ice-options:ice2")), "sdp_duplicate_attribute");
  EXPECT_EQ(error_code(replace_all(text, "t=0 0\r\n", "t=0 0\r\na=ice-options:\r\n")),
            "sdp_bad_ice_options");
  EXPECT_EQ(error_code(replace_all(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 7")),
            "sdp_bad_group");
  EXPECT_EQ(error_code(replace_all(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 0")),
            "sdp_bad_group");
  EXPECT_EQ(
      error_code(replace_all(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0\r\na=group:BUNDLE 1 0")),
      "sdp_bad_group");
  // Unknown attributes are ignored.
  EXPECT_EQ(error_code(with("a=x-google-flag:conference")), "ok");
  EXPECT_EQ(error_code(with("a=rtcp-xr:rcvr-rtt=all")), "ok");
}

TEST(SdpParse, AttributeValues) {
  const auto text = read_data("chromium-publish-audio-video.sdp");
  auto with = [&](std::string_view lines) {
    return must_parse(replace_all(text, "a=mid:1\r\n", "a=mid:1\r\n" + std::string(lines)));
  };
  // rtcp-fb with "*" applies to every format of the section (RFC 4585 §4.2).
  auto d = with("a=rtcp-fb:* ccm tmmbr\r\n");
  for (const auto& p : d.media[1].payload_types) EXPECT_TRUE(p.has_feedback("ccm", "tmmbr"));
  EXPECT_FALSE(d.media[0].payload_types[0].has_feedback("ccm", "tmmbr"));
  // rid with restrictions, simulcast with alternatives and paused streams.
  d = with(
      "a=rid:a send pt=96,98;max-width=1280;max-height=720\r\na=rid:b send\r\na=rid:c recv\r\n"
      "a=simulcast:send a,~b recv c\r\n");
  const auto& v = d.media[1];
  ASSERT_EQ(v.rids.size(), 3u);
  EXPECT_EQ(v.rids[0].payload_types, (std::vector<std::uint8_t>{96, 98}));
  EXPECT_EQ(v.rids[0].restrictions, "max-width=1280;max-height=720");
  EXPECT_EQ(v.rids[2].direction, RidDirection::recv);
  ASSERT_TRUE(v.simulcast);
  ASSERT_EQ(v.simulcast->send.size(), 1u);
  ASSERT_EQ(v.simulcast->send[0].size(), 2u);
  EXPECT_TRUE(v.simulcast->send[0][1].paused);
  EXPECT_EQ(v.simulcast->send[0][1].rid, "b");
  ASSERT_EQ(v.simulcast->recv.size(), 1u);
  // extmap with a direction and extension attributes.
  d = with("a=extmap:20/sendonly urn:example:ext some attrs\r\n");
  const auto& e = d.media[1].extmaps.front();  // inserted right after a=mid
  EXPECT_EQ(e.id, 20);
  EXPECT_EQ(e.direction, Direction::sendonly);
  EXPECT_EQ(e.uri, "urn:example:ext");
  EXPECT_EQ(e.attributes, "some attrs");
  // Fingerprints: lowercase hex accepted, algorithm lowercased, several kept.
  d = with("a=fingerprint:SHA-1 0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d\r\n");
  ASSERT_EQ(d.media[1].fingerprints.size(), 2u);
  EXPECT_EQ(d.media[1].fingerprints[1].algorithm, "sha-1");
  EXPECT_EQ(d.media[1].fingerprints[1].bytes[0], 0x0a);
  // Session-level values are the default for the media level.
  const auto moved = replace_all(
      drop_lines(drop_lines(drop_lines(text, "a=fingerprint"), "a=ice-ufrag"), "a=ice-pwd"),
      "t=0 0\r\n",
      "t=0 0\r\na=ice-ufrag:sess\r\na=ice-pwd:sessionLevelPassword/22\r\na=fingerprint:sha-256 " +
          std::string(
              "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
              "AA:BB:CC:DD:EE:FF") +
          "\r\na=inactive\r\n");
  d = must_parse(moved);
  EXPECT_EQ(d.effective_ice_ufrag(d.media[1]), "sess");
  EXPECT_EQ(d.effective_ice_pwd(d.media[0]), "sessionLevelPassword/22");
  EXPECT_EQ(d.effective_fingerprints(d.media[0]).size(), 1u);
  EXPECT_EQ(d.effective_direction(d.media[0]), Direction::sendrecv);  // media level wins
  auto no_dir = must_parse(drop_lines(moved, "a=sendrecv"));
  EXPECT_EQ(no_dir.effective_direction(no_dir.media[0]), Direction::inactive);
}

TEST(SdpParse, Validators) {
  EXPECT_TRUE(is_token("webrtc-datachannel"));
  EXPECT_FALSE(is_token("a b"));
  EXPECT_FALSE(is_token(""));
  EXPECT_TRUE(is_proto("UDP/TLS/RTP/SAVPF"));
  EXPECT_FALSE(is_proto("UDP/"));
  EXPECT_FALSE(is_proto("/UDP"));
  EXPECT_FALSE(is_proto("UDP//TLS"));
  EXPECT_TRUE(is_uri("urn:ietf:params:rtp-hdrext:sdes:mid"));
  EXPECT_FALSE(is_uri("urn:a b"));
  EXPECT_TRUE(is_ice_ufrag("abc+"));
  EXPECT_FALSE(is_ice_ufrag("abc"));
  EXPECT_FALSE(is_ice_ufrag("abc-"));
  EXPECT_TRUE(is_ice_pwd(std::string(22, 'x')));
  EXPECT_FALSE(is_ice_pwd(std::string(21, 'x')));
  EXPECT_FALSE(is_ice_pwd(std::string(257, 'x')));
  EXPECT_TRUE(is_rid_id("hi-res_1"));
  EXPECT_FALSE(is_rid_id("~q"));
  EXPECT_TRUE(iequals("H264", "h264"));
  EXPECT_FALSE(iequals("H264", "H265"));
}

}  // namespace
}  // namespace parley::sdp
