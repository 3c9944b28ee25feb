#include "load/client_sdp.h"

#include <algorithm>
#include <sstream>

#include "common/encoding.h"

namespace parley::load {

namespace {

constexpr std::string_view kProto = "UDP/TLS/RTP/SAVPF";
constexpr std::string_view kExtAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr std::string_view kExtTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

void line(std::string& out, const std::string& text) {
  out += text + "\r\n";
}

void session_part(std::string& out, ClientSession& s, const std::vector<std::string>& bundle) {
  line(out, "v=0");
  line(out, "o=- " + std::to_string(s.transport.session_id) + " " + std::to_string(s.version++) +
                " IN IP4 127.0.0.1");
  line(out, "s=-");
  line(out, "t=0 0");
  std::string group = "a=group:BUNDLE";
  for (const auto& mid : bundle) group += " " + mid;
  line(out, group);
  line(out, "a=msid-semantic: WMS");
}

void transport_lines(std::string& out, const ClientSession& s, bool offer, bool live) {
  const auto& t = s.transport;
  line(out, "c=IN IP4 " + (live ? t.address : std::string("0.0.0.0")));
  line(out, "a=ice-ufrag:" + t.ice_ufrag);
  line(out, "a=ice-pwd:" + t.ice_pwd);
  line(out, "a=fingerprint:sha-256 " + t.fingerprint);
  // RFC 5763 §5: the offerer says actpass; the server answers passive, and
  // in answers to its offers the client keeps the DTLS client role.
  line(out, offer ? "a=setup:" + s.offer_setup : std::string("a=setup:active"));
  if (live)
    line(out, "a=candidate:1 1 udp 2130706431 " + t.address + " " + std::to_string(t.port) +
                  " typ host");
}

void codec_lines(std::string& out, TrackKind kind) {
  if (kind == TrackKind::audio) {
    const auto pt = std::to_string(kOpusPayloadType);
    line(out, "a=rtpmap:" + pt + " opus/48000/2");
    line(out, "a=rtcp-fb:" + pt + " transport-cc");
    line(out, "a=fmtp:" + pt + " minptime=10;useinbandfec=1");
  } else {
    const auto pt = std::to_string(kVp8PayloadType);
    line(out, "a=rtpmap:" + pt + " VP8/90000");
    line(out, "a=rtcp-fb:" + pt + " transport-cc");
    line(out, "a=rtcp-fb:" + pt + " ccm fir");
    line(out, "a=rtcp-fb:" + pt + " nack");
    line(out, "a=rtcp-fb:" + pt + " nack pli");
  }
}

void ssrc_lines(std::string& out, const SentTrack& t) {
  line(out, "a=msid:" + t.stream_id + " " + t.track_id);
  line(out, "a=ssrc:" + std::to_string(t.ssrc) + " cname:" + t.cname);
  line(out, "a=ssrc:" + std::to_string(t.ssrc) + " msid:" + t.stream_id + " " + t.track_id);
}

const SentTrack* track_for(const ClientSession& s, const std::string& mid) {
  for (const auto& t : s.tracks)
    if (t.mid == mid) return &t;
  return nullptr;
}

}  // namespace

std::string write_client_offer(ClientSession& s) {
  struct Section {
    TrackKind kind;
    std::string mid;
    const SentTrack* track;
  };
  std::vector<Section> sections;
  if (s.tracks.empty()) {
    sections.push_back({TrackKind::audio, "0", nullptr});
    sections.push_back({TrackKind::video, "1", nullptr});
  } else {
    for (const auto& t : s.tracks) sections.push_back({t.kind, t.mid, &t});
  }
  std::vector<std::string> bundle;
  for (const auto& sec : sections) bundle.push_back(sec.mid);
  std::string out;
  session_part(out, s, bundle);
  for (const auto& sec : sections) {
    const bool audio = sec.kind == TrackKind::audio;
    line(out, std::string("m=") + (audio ? "audio" : "video") + " 9 " + std::string(kProto) + " " +
                  std::to_string(audio ? kOpusPayloadType : kVp8PayloadType));
    transport_lines(out, s, true, true);
    line(out, "a=mid:" + sec.mid);
    if (audio)
      line(out,
           "a=extmap:" + std::to_string(kAudioLevelExtension) + " " + std::string(kExtAudioLevel));
    line(out,
         "a=extmap:" + std::to_string(kTransportCcExtension) + " " + std::string(kExtTransportCc));
    line(out, sec.track ? "a=sendonly" : "a=recvonly");
    line(out, "a=rtcp-mux");
    line(out, "a=rtcp-rsize");
    codec_lines(out, sec.kind);
    if (sec.track) ssrc_lines(out, *sec.track);
  }
  return out;
}

Expected<std::string> write_client_answer(ClientSession& s, const sdp::SessionDescription& offer) {
  std::vector<std::string> bundle;
  for (const auto& m : offer.media)
    if (m.port != 0 && m.mid) bundle.push_back(*m.mid);
  if (bundle.empty())
    return make_error("sdp_answer_unusable", "the server's offer has no live m= section");
  std::string out;
  session_part(out, s, bundle);
  for (const auto& m : offer.media) {
    const std::string mid = m.mid.value_or("");
    if (m.port == 0 || m.mid == std::nullopt) {
      // RFC 3264 §6: a stopped section stays stopped, with one format.
      line(out,
           "m=" + m.media + " 0 " + m.proto + " " + (m.formats.empty() ? "0" : m.formats.front()));
      line(out, "c=IN IP4 0.0.0.0");
      if (!mid.empty()) line(out, "a=mid:" + mid);
      line(out, "a=inactive");
      line(out, "a=rtcp-mux");
      continue;
    }
    // Keep Opus or VP8, with the payload type the server chose.
    std::vector<const sdp::PayloadType*> kept;
    for (const auto& pt : m.payload_types) {
      if (!pt.rtpmap) continue;
      if ((m.kind == sdp::MediaKind::audio && sdp::iequals(pt.rtpmap->encoding, "opus")) ||
          (m.kind == sdp::MediaKind::video && sdp::iequals(pt.rtpmap->encoding, "VP8")))
        kept.push_back(&pt);
    }
    if (kept.empty())
      return make_error("sdp_answer_unusable",
                        "m= section " + mid + " offers neither Opus nor VP8");
    std::string formats;
    for (const auto* pt : kept) formats += " " + std::to_string(pt->pt);
    line(out, "m=" + m.media + " 9 " + m.proto + formats);
    transport_lines(out, s, false, true);
    line(out, "a=mid:" + mid);
    for (const auto& e : m.extmaps)
      if (e.uri == kExtAudioLevel || e.uri == kExtTransportCc)
        line(out, "a=extmap:" + std::to_string(e.id) + " " + e.uri);
    // The server's direction, seen from here (RFC 3264 §6.1).
    const sdp::Direction theirs = offer.effective_direction(m);
    const SentTrack* mine = track_for(s, mid);
    std::string direction = "a=inactive";
    if (mine && (theirs == sdp::Direction::recvonly || theirs == sdp::Direction::sendrecv))
      direction = "a=sendonly";
    else if (!mine && s.receive &&
             (theirs == sdp::Direction::sendonly || theirs == sdp::Direction::sendrecv))
      direction = "a=recvonly";
    line(out, direction);
    line(out, "a=rtcp-mux");
    if (m.rtcp_rsize) line(out, "a=rtcp-rsize");
    for (const auto* pt : kept) {
      const auto n = std::to_string(pt->pt);
      line(out,
           "a=rtpmap:" + n + " " + pt->rtpmap->encoding + "/" +
               std::to_string(pt->rtpmap->clock_rate) +
               (pt->rtpmap->channels ? "/" + std::to_string(pt->rtpmap->channels) : std::string()));
      for (const auto& fb : pt->feedback)
        line(out,
             "a=rtcp-fb:" + n + " " + fb.type + (fb.parameter.empty() ? "" : " " + fb.parameter));
      if (pt->fmtp) line(out, "a=fmtp:" + n + " " + *pt->fmtp);
    }
    if (mine && direction == "a=sendonly") ssrc_lines(out, *mine);
  }
  return out;
}

Expected<ServerTransport> server_transport(const sdp::SessionDescription& answer) {
  const sdp::Group* bundle = answer.bundle_group();
  if (!bundle || bundle->mids.empty())
    return make_error("sdp_answer_unusable", "the server's answer has no BUNDLE group");
  const sdp::MediaSection* tagged = answer.find_mid(bundle->mids.front());
  if (!tagged) return make_error("sdp_answer_unusable", "the BUNDLE tag names no m= section");
  ServerTransport t;
  auto ufrag = answer.effective_ice_ufrag(*tagged);
  auto pwd = answer.effective_ice_pwd(*tagged);
  if (!ufrag || !pwd)
    return make_error("sdp_answer_unusable", "the server's answer has no ICE credentials");
  t.ice_ufrag = *ufrag;
  t.ice_pwd = *pwd;
  for (const auto& f : answer.effective_fingerprints(*tagged))
    if (f.algorithm == "sha-256") t.fingerprint = fingerprint_text(f.bytes);
  if (t.fingerprint.empty())
    return make_error("sdp_answer_unusable", "the server's answer has no sha-256 fingerprint");
  // RFC 8839 §5.1: foundation component transport priority address port typ type.
  for (const auto& c : tagged->candidates) {
    std::istringstream in(c);
    std::string foundation, component, transport, priority, address, typ, type;
    unsigned port = 0;
    if (!(in >> foundation >> component >> transport >> priority >> address >> port >> typ >> type))
      continue;
    if (!sdp::iequals(transport, "udp") || component != "1" || port == 0 || port > 65535) continue;
    t.address = address;
    t.port = static_cast<std::uint16_t>(port);
    break;
  }
  if (t.port == 0)
    return make_error("sdp_answer_unusable", "the server's answer has no UDP host candidate");
  return t;
}

}  // namespace parley::load
