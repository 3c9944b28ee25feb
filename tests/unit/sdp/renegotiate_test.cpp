// The server's own offers when it adds and removes the tracks it sends to a
// client (JSEP §5.2.2), and the client's answers to them.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "scenario.h"
#include "sdp/negotiate.h"
#include "sdp/sdp.h"
#include "sdp_test_util.h"

namespace parley::sdp {
namespace {

using test::answer_offer;
using test::lines_of;
using test::must_parse;
using test::read_data;
using test::send_track;

constexpr std::string_view kClientFingerprint =
    "a=fingerprint:sha-256 01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
    "01:23:45:67:89:AB:CD:EF";

// What a browser answers to a server offer: the same sections with the
// opposite directions, its own transport and a=setup:active.
std::string client_answer(const std::string& server_offer) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(server_offer)) {
    auto starts = [&](std::string_view p) { return l.rfind(p, 0) == 0; };
    if (starts("a=ice-lite") || starts("a=candidate") || starts("a=end-of-candidates") ||
        starts("a=ssrc") || starts("a=msid:")) {
      continue;
    }
    if (starts("o=")) {
      out.push_back("o=- 77 3 IN IP4 127.0.0.1");
    } else if (starts("a=ice-ufrag:")) {
      out.push_back("a=ice-ufrag:cLnt");
    } else if (starts("a=ice-pwd:")) {
      out.push_back("a=ice-pwd:client+password/012345678");
    } else if (starts("a=fingerprint:")) {
      out.emplace_back(kClientFingerprint);
    } else if (starts("a=setup:")) {
      out.push_back("a=setup:active");
    } else if (l == "a=sendonly") {
      out.push_back("a=recvonly");
    } else if (l == "a=recvonly") {
      out.push_back("a=sendonly");
    } else if (starts("a=rid:")) {
      out.push_back(test::replace_all(l, " recv", " send"));
    } else if (starts("a=simulcast:recv")) {
      out.push_back(test::replace_all(l, "recv", "send"));
    } else if (starts("m=")) {
      out.push_back(test::replace_all(l, " 40000 ", " 9 "));
    } else {
      out.push_back(l);
    }
  }
  return test::join(out);
}

std::vector<std::string> mids_of(const SessionDescription& d) {
  std::vector<std::string> out;
  for (const auto& m : d.media) out.push_back(m.mid.value_or(""));
  return out;
}

// Replaces the m= line of section `index`, or with an empty `line` cuts the
// text before that section.
std::string with_mline(const std::string& text, int index, const std::string& line) {
  std::vector<std::string> out;
  int section = -1;
  for (const auto& l : lines_of(text)) {
    if (l.rfind("m=", 0) == 0) ++section;
    if (section == index && l.rfind("m=", 0) == 0) {
      if (line.empty()) break;
      out.push_back(line);
    } else {
      out.push_back(l);
    }
  }
  return test::join(out);
}

SessionDescription written_offer(const LocalDescription& local) {
  auto text = write_offer(local);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  return text.ok() ? must_parse(*text) : SessionDescription{};
}

TEST(SdpRenegotiate, AddsTracksWithNewMidsAndAgreedCodecs) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  auto local = a.negotiation.local;
  const Capabilities caps;
  auto mid = add_send_section(local, MediaKind::video, send_track(7000, "cam-2"), caps);
  ASSERT_TRUE(mid.ok()) << mid.error().message;
  EXPECT_EQ(*mid, "2");
  EXPECT_EQ(local.transport.session_version, 3u);
  auto audio_mid = add_send_section(local, MediaKind::audio, send_track(7100, "mic-2"), caps);
  ASSERT_TRUE(audio_mid.ok());
  EXPECT_EQ(*audio_mid, "3");
  EXPECT_EQ(local.transport.session_version, 4u);

  const auto offer = written_offer(local);
  EXPECT_TRUE(offer.ice_lite);
  EXPECT_EQ(offer.origin.session_version, 4u);
  EXPECT_EQ(offer.bundle_group()->mids, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(mids_of(offer), (std::vector<std::string>{"0", "1", "2", "3"}));
  for (const auto& m : offer.media) {
    EXPECT_EQ(m.port, 40000);
    EXPECT_EQ(m.setup, SetupRole::actpass);  // RFC 5763 §5: offers say actpass
    EXPECT_EQ(m.ice_ufrag, "pRly");
    EXPECT_TRUE(m.rtcp_mux);
  }
  // The client's own sections are unchanged: the server still receives.
  EXPECT_EQ(offer.media[0].direction, Direction::recvonly);
  EXPECT_EQ(offer.media[1].direction, Direction::recvonly);
  // The new video section: the payload types the client agreed to for video.
  const auto& video = offer.media[2];
  EXPECT_EQ(video.kind, MediaKind::video);
  EXPECT_EQ(video.direction, Direction::sendonly);
  EXPECT_EQ(test::formats(video), test::formats(a.answer.media[1]));
  EXPECT_EQ(video.find_payload_type(108)->fmtp, a.answer.media[1].find_payload_type(108)->fmtp);
  ASSERT_EQ(video.msids.size(), 1u);
  EXPECT_EQ(video.msids[0].track_id, "cam-2");
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0].ssrcs, (std::vector<std::uint32_t>{7000, 7001}));
  // Same ids as before, without the stream-id extensions (only for what the
  // server receives).
  for (const auto& e : video.extmaps) {
    EXPECT_NE(e.uri, kExtRtpStreamId);
    bool same = false;
    for (const auto& x : a.answer.media[1].extmaps) same = same || (x.id == e.id && x.uri == e.uri);
    EXPECT_TRUE(same) << e.uri;
  }
  EXPECT_TRUE(video.rtcp_rsize);
  const auto& audio = offer.media[3];
  EXPECT_EQ(test::formats(audio), (std::vector<std::uint8_t>{111}));
  EXPECT_EQ(audio.ssrcs.size(), 1u);
  EXPECT_EQ(audio.ssrcs[0].ssrc, 7100u);

  // SSRCs are never sent twice.
  EXPECT_EQ(add_send_section(local, MediaKind::video, send_track(7001, "x"), caps).error().code,
            "sdp_bad_track");
  EXPECT_EQ(
      add_send_section(local, MediaKind::application, send_track(9000, "x"), caps).error().code,
      "sdp_bad_track");
}

TEST(SdpRenegotiate, RemovedTracksKeepTheirPlaceAndMid) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  auto local = a.negotiation.local;
  const Capabilities caps;
  ASSERT_TRUE(add_send_section(local, MediaKind::video, send_track(7000, "cam-2"), caps).ok());
  ASSERT_TRUE(add_send_section(local, MediaKind::video, send_track(7200, "cam-3"), caps).ok());
  const auto before = local.transport.session_version;
  ASSERT_TRUE(stop_section(local, "2").ok());
  EXPECT_EQ(local.transport.session_version, before + 1);
  ASSERT_TRUE(stop_section(local, "2").ok());  // stopping twice changes nothing
  EXPECT_EQ(local.transport.session_version, before + 1);
  EXPECT_EQ(stop_section(local, "9").error().code, "sdp_unknown_mid");

  auto offer = written_offer(local);
  EXPECT_EQ(mids_of(offer), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(offer.media[2].port, 0);  // JSEP §5.2.2: stopped, port 0
  EXPECT_EQ(offer.media[2].kind, MediaKind::video);
  EXPECT_TRUE(offer.media[2].ssrcs.empty());
  EXPECT_TRUE(offer.media[2].msids.empty());
  EXPECT_TRUE(offer.media[2].candidates.empty());
  EXPECT_EQ(offer.media[2].direction, Direction::inactive);
  // It keeps its codecs, transport attributes and rtcp-mux: aiortc 1.4
  // refuses any audio or video section without them, even a stopped one.
  EXPECT_EQ(test::formats(offer.media[2]), test::formats(offer.media[3]));
  EXPECT_EQ(offer.media[2].find_payload_type(96)->rtpmap->encoding, "VP8");
  EXPECT_TRUE(offer.media[2].ice_ufrag.has_value());
  EXPECT_EQ(offer.media[2].setup, SetupRole::actpass);
  EXPECT_TRUE(offer.media[2].rtcp_mux);
  EXPECT_EQ(offer.bundle_group()->mids, (std::vector<std::string>{"0", "1", "3"}));
  EXPECT_EQ(offer.media[3].ssrcs[0].ssrc, 7200u);

  // A new track never reuses the stopped mid, and is appended.
  auto mid = add_send_section(local, MediaKind::video, send_track(7000, "cam-2b"), caps);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*mid, "4");
  offer = written_offer(local);
  EXPECT_EQ(mids_of(offer), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(offer.bundle_group()->mids, (std::vector<std::string>{"0", "1", "3", "4"}));
  // Even when the highest mid was stopped.
  ASSERT_TRUE(stop_section(local, "4").ok());
  mid = add_send_section(local, MediaKind::audio, send_track(8000, "mic"), caps);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*mid, "5");
}

TEST(SdpRenegotiate, StoppingTheTaggedSectionMovesTheTag) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  auto local = a.negotiation.local;
  ASSERT_TRUE(stop_section(local, "0").ok());
  EXPECT_EQ(local.bundle_tag, "1");
  const auto offer = written_offer(local);
  EXPECT_EQ(offer.bundle_group()->mids, (std::vector<std::string>{"1"}));
  EXPECT_EQ(offer.media[0].port, 0);
  // Nothing left to bundle: no offer.
  ASSERT_TRUE(stop_section(local, "1").ok());
  EXPECT_EQ(write_offer(local).error().code, "sdp_bad_local_description");
}

TEST(SdpRenegotiate, DefaultsWhenTheClientAgreedNoSuchMedia) {
  // An audio-only aiortc client: Opus took payload type 96.
  auto offer = must_parse(read_data("aiortc-publish-audio-video.sdp"));
  offer.media.pop_back();
  offer.groups[0].mids = {"0"};
  auto n = negotiate_answer(offer, {}, test::server_transport());
  ASSERT_TRUE(n.ok()) << n.error().message;
  auto local = n->local;
  auto mid = add_send_section(local, MediaKind::video, send_track(7000, "cam"), {});
  ASSERT_TRUE(mid.ok()) << mid.error().message;
  EXPECT_EQ(*mid, "1");
  const auto written = written_offer(local);
  const auto& video = written.media[1];
  // VP8, VP9, H264 on free payload types, each with RTX.
  EXPECT_EQ(test::formats(video), (std::vector<std::uint8_t>{97, 98, 99, 100, 101, 102}));
  EXPECT_EQ(video.find_payload_type(97)->rtpmap->encoding, "VP8");
  EXPECT_EQ(video.find_payload_type(98)->param("apt"), "97");
  EXPECT_EQ(video.find_payload_type(101)->param("profile-level-id"), "42e01f");
  EXPECT_TRUE(video.find_payload_type(97)->has_feedback("nack", "pli"));
  // The mid extension keeps the id the client uses for it; others get free ids.
  const auto mid_ext = std::find_if(video.extmaps.begin(), video.extmaps.end(),
                                    [](const ExtMap& e) { return e.uri == kExtMid; });
  ASSERT_NE(mid_ext, video.extmaps.end());
  EXPECT_EQ(mid_ext->id, 1);
  for (const auto& e : video.extmaps) EXPECT_NE(e.uri, kExtAudioLevel);
  for (const auto& e : video.extmaps) {
    if (e.uri != kExtMid) {
      EXPECT_NE(e.id, 2) << "id 2 is the client's audio level";
    }
  }
}

TEST(SdpRenegotiate, ClientAnswerIsApplied) {
  const auto a = answer_offer(read_data("chromium-publish-simulcast.sdp"));
  auto local = a.negotiation.local;
  ASSERT_TRUE(add_send_section(local, MediaKind::video, send_track(7000, "cam-2"), {}).ok());
  ASSERT_TRUE(add_send_section(local, MediaKind::audio, send_track(7100, "mic-2"), {}).ok());
  const auto offer_text = write_offer(local);
  ASSERT_TRUE(offer_text.ok());
  // The publisher's simulcast stays offered in the server's offer.
  const auto offer = must_parse(*offer_text);
  ASSERT_TRUE(offer.media[1].simulcast);
  EXPECT_EQ(offer.media[1].simulcast->recv.size(), 3u);

  const auto answer = must_parse(client_answer(*offer_text));
  auto applied = apply_answer(local, answer);
  ASSERT_TRUE(applied.ok()) << applied.error().code << ": " << applied.error().message;
  const auto& agreed = applied->local;
  ASSERT_EQ(agreed.sections.size(), 4u);
  EXPECT_EQ(agreed.sections[1].direction, Direction::recvonly);
  EXPECT_EQ(agreed.sections[1].recv_layers.size(), 3u);
  EXPECT_EQ(agreed.sections[2].direction, Direction::sendonly);
  ASSERT_TRUE(agreed.sections[2].track);
  EXPECT_EQ(agreed.sections[2].track->ssrc, 7000u);
  EXPECT_EQ(agreed.sections[2].codecs.size(), local.sections[2].codecs.size());
  EXPECT_EQ(applied->remote.ice_ufrag, "cLnt");
  EXPECT_EQ(applied->remote.ice_pwd, "client+password/012345678");
  EXPECT_EQ(applied->remote.fingerprints[0].bytes[1], 0x23);
  EXPECT_EQ(applied->remote.bundle_tag, "0");
  // The agreed session writes the next offer.
  EXPECT_TRUE(write_offer(agreed).ok());
}

TEST(SdpRenegotiate, ClientAnswerVariants) {
  const auto a = answer_offer(read_data("chromium-publish-audio-video.sdp"));
  auto local = a.negotiation.local;
  ASSERT_TRUE(add_send_section(local, MediaKind::video, send_track(7000, "cam-2"), {}).ok());
  const auto base = client_answer(*write_offer(local));
  auto apply = [&](const std::string& text) { return apply_answer(local, must_parse(text)); };
  ASSERT_TRUE(apply(base).ok());

  // The client keeps only VP8: the codec list shrinks to it.
  auto vp8_only = with_mline(base, 2, "m=video 9 UDP/TLS/RTP/SAVPF 96 97");
  auto r = apply(vp8_only);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->local.sections[2].codecs.size(), 1u);
  EXPECT_EQ(r->local.sections[2].codecs[0].codec, Codec::vp8);
  EXPECT_EQ(r->local.sections[2].codecs[0].rtx_pt, 97);
  // The client declines the track: inactive, nothing to send.
  const auto lines = lines_of(base);
  std::vector<std::string> inactive_lines;
  int section = -1;
  for (const auto& l : lines) {
    if (l.rfind("m=", 0) == 0) ++section;
    inactive_lines.push_back(section == 2 && l == "a=recvonly" ? "a=inactive" : l);
  }
  r = apply(test::join(inactive_lines));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->local.sections[2].direction, Direction::inactive);
  EXPECT_FALSE(r->local.sections[2].track);
  // The client rejects the section (port 0): it is stopped.
  r = apply(test::replace_all(with_mline(base, 2, "m=video 0 UDP/TLS/RTP/SAVPF 96"),
                              "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->local.sections[2].rejected);
  EXPECT_EQ(r->local.sections[2].reason, RejectReason::rejected_by_peer);
  EXPECT_TRUE(write_offer(r->local).ok());

  // Answers that do not fit the offer.
  auto code = [&](const std::string& text) {
    auto x = apply(text);
    return x.ok() ? std::string("ok") : x.error().code;
  };
  EXPECT_EQ(code(test::replace_all(with_mline(base, 2, ""), " 0 1 2\r\n", " 0 1\r\n")),
            "sdp_answer_mismatch");
  EXPECT_EQ(code(test::replace_all(test::replace_all(base, "a=mid:2", "a=mid:7"), " 0 1 2\r\n",
                                   " 0 1 7\r\n")),
            "sdp_answer_mismatch");
  EXPECT_EQ(code(test::replace_all(base, "a=setup:active", "a=setup:passive")), "sdp_bad_setup");
  EXPECT_EQ(code(test::replace_all(base, "a=setup:active", "a=setup:actpass")), "sdp_bad_setup");
  EXPECT_EQ(code(test::drop_lines(base, "a=group:BUNDLE")), "sdp_no_bundle");
  EXPECT_EQ(code(test::drop_lines(base, "a=rtcp-mux")), "sdp_no_rtcp_mux");
  EXPECT_EQ(code(test::drop_lines(base, "a=fingerprint")), "sdp_no_fingerprint");
  EXPECT_EQ(code(test::drop_lines(base, "a=ice-pwd")), "sdp_no_ice_credentials");
  // The client cannot send where the server only sends.
  std::vector<std::string> wrong_dir;
  section = -1;
  for (const auto& l : lines) {
    if (l.rfind("m=", 0) == 0) ++section;
    wrong_dir.push_back(section == 2 && l == "a=recvonly" ? "a=sendonly" : l);
  }
  EXPECT_EQ(code(test::join(wrong_dir)), "sdp_answer_mismatch");
  // A payload type that changed codec, or an H264 profile that changed.
  EXPECT_EQ(code(test::replace_all(base, "a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP9/90000")),
            "sdp_answer_mismatch");
  EXPECT_EQ(code(test::replace_all(base, "profile-level-id=42e01f", "profile-level-id=42001f")),
            "sdp_answer_mismatch");
  EXPECT_EQ(code(with_mline(base, 2, "m=video 9 UDP/TLS/RTP/SAVPF 35")), "sdp_answer_mismatch");
}

// Real answers to the server's offers, captured by the capture scripts'
// --check mode from the fixed server side in scenario.h: two tracks added,
// two more added, the last one stopped.
Negotiation replay_real_answer(const std::string& peer) {
  const auto offer = must_parse(read_data(peer + "-check-offer.sdp"));
  auto n = scenario::answer(offer);
  EXPECT_TRUE(n.ok());
  if (!n.ok()) return {};
  auto local = n->local;
  EXPECT_TRUE(scenario::run_steps(local, "add,add,stop").ok());
  const auto answer = must_parse(read_data(peer + "-check-answer-to-server-offer.sdp"));
  auto agreed = apply_answer(local, answer);
  EXPECT_TRUE(agreed.ok()) << (agreed.ok() ? ""
                                           : agreed.error().code + ": " + agreed.error().message);
  if (!agreed.ok()) return {};
  EXPECT_EQ(agreed->remote.ice_ufrag, answer.effective_ice_ufrag(answer.media[0]));
  EXPECT_EQ(agreed->remote.fingerprints.size(), 1u);
  EXPECT_EQ(agreed->remote.bundle_tag, "0");
  return std::move(*agreed);
}

TEST(SdpRenegotiate, ChromiumAnswersTheServersOffer) {
  const auto agreed = replay_real_answer("chromium");
  const auto& s = agreed.local.sections;
  ASSERT_EQ(s.size(), 6u);
  // The simulcast publisher keeps sending its three layers.
  EXPECT_EQ(s[1].direction, Direction::recvonly);
  EXPECT_EQ(s[1].recv_layers.size(), 3u);
  for (const std::size_t i : {2u, 3u, 4u}) {
    EXPECT_EQ(s[i].direction, Direction::sendonly) << i;
    EXPECT_TRUE(s[i].track.has_value()) << i;
    EXPECT_FALSE(s[i].codecs.empty()) << i;
  }
  EXPECT_EQ(s[2].codecs.front().codec, Codec::vp8);
  EXPECT_EQ(s[2].codecs.front().rtx_pt, 97);
  EXPECT_TRUE(s[5].rejected);
  EXPECT_TRUE(write_offer(agreed.local).ok());
}

TEST(SdpRenegotiate, AiortcAnswersTheServersOffer) {
  const auto agreed = replay_real_answer("aiortc");
  const auto& s = agreed.local.sections;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0].direction, Direction::sendrecv);
  EXPECT_EQ(s[2].direction, Direction::sendonly);
  EXPECT_EQ(s[3].codecs.front().codec, Codec::opus);
  EXPECT_TRUE(s[5].rejected);
  EXPECT_TRUE(write_offer(agreed.local).ok());
}

TEST(SdpRenegotiate, OfferNeedsMidsEverywhere) {
  // A rejected section without a mid can be answered but not offered (JSEP
  // §5.2.1: every m= section of an offer has a mid).
  auto text = read_data("chromium-publish-with-datachannel.sdp");
  text = test::replace_all(text, "a=mid:2\r\n", "");
  text = test::replace_all(text, "a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1");
  const auto a = answer_offer(text);
  EXPECT_FALSE(a.text.empty());
  EXPECT_EQ(write_offer(a.negotiation.local).error().code, "sdp_bad_local_description");
}

}  // namespace
}  // namespace parley::sdp
