#include "sdp/negotiate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "common/encoding.h"

namespace parley::sdp {

namespace {

constexpr std::string_view kProto = "UDP/TLS/RTP/SAVPF";

// RFC 8445 §5.1.2.1 priority of the one host candidate: type preference 126,
// local preference 65535, component 1.
constexpr std::uint32_t kHostPriority = (126u << 24) | (65535u << 8) | (256u - 1u);

bool sends(Direction d) {
  return d == Direction::sendrecv || d == Direction::sendonly;
}
bool receives(Direction d) {
  return d == Direction::sendrecv || d == Direction::recvonly;
}
Direction make_direction(bool send, bool recv) {
  if (send && recv) return Direction::sendrecv;
  if (send) return Direction::sendonly;
  if (recv) return Direction::recvonly;
  return Direction::inactive;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> small_uint(std::string_view s, std::uint64_t max) {
  if (!all_digits(s) || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool rtp_proto(std::string_view proto) {
  return proto.rfind("RTP/", 0) == 0 || proto.find("/RTP/") != std::string_view::npos;
}

bool is_ip_literal(const std::string& address, bool& v6) {
  std::array<unsigned char, 16> buf{};
  if (inet_pton(AF_INET, address.c_str(), buf.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, address.c_str(), buf.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

// fmtp values the writers copy must stay one "key=value" piece.
bool is_fmtp_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F && c != ';' && c != '=';
  });
}

bool is_line_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7F;
  });
}

MediaKind kind_of(Codec c) {
  return c == Codec::opus ? MediaKind::audio : MediaKind::video;
}

std::string list_offered_codecs(const SessionDescription& offer) {
  std::string out;
  for (const auto& m : offer.media) {
    if (m.kind != MediaKind::audio && m.kind != MediaKind::video) continue;
    for (const auto& p : m.payload_types) {
      if (!p.rtpmap || iequals(p.rtpmap->encoding, "rtx")) continue;
      std::string name = p.rtpmap->encoding;
      if (iequals(name, "H264")) {
        name += "(" + std::string(p.param("profile-level-id").value_or("42000a")) + ",mode " +
                std::string(p.param("packetization-mode").value_or("0")) + ")";
      }
      if (out.find(name) != std::string::npos) continue;
      if (!out.empty()) out += ", ";
      out += name;
      if (out.size() > 300) return out + ", ...";
    }
  }
  return out.empty() ? "none" : out;
}

// ---------------------------------------------------------------------------
// Codec matching
// ---------------------------------------------------------------------------

// RFC 6184 §8.1: H.264 levels by level_idc (9 is level 1b for the High
// profiles).
bool known_h264_level(std::uint8_t level) {
  static constexpr std::array<std::uint8_t, 20> kLevels = {9,  10, 11, 12, 13, 20, 21, 22, 30, 31,
                                                           32, 40, 41, 42, 50, 51, 52, 60, 61, 62};
  return std::find(kLevels.begin(), kLevels.end(), level) != kLevels.end();
}

// profile_idc and profile-iop that stand for each profile when the server
// writes a profile-level-id of its own.
std::string default_profile_level_id(H264Profile p) {
  switch (p) {
    case H264Profile::constrained_baseline:
      return "42e01f";
    case H264Profile::baseline:
      return "42001f";
    case H264Profile::main:
      return "4d001f";
    case H264Profile::extended:
      return "58001f";
    case H264Profile::high:
      return "64001f";
    case H264Profile::constrained_high:
      return "640c1f";
    case H264Profile::progressive_high:
      return "64081f";
    case H264Profile::high10:
      return "6e001f";
    case H264Profile::high422:
      return "7a001f";
    case H264Profile::high444:
      return "f4001f";
    case H264Profile::high10_intra:
      return "6e101f";
    case H264Profile::high422_intra:
      return "7a101f";
    case H264Profile::high444_intra:
      return "f4101f";
    case H264Profile::cavlc444_intra:
      return "2c101f";
  }
  return "42e01f";
}

std::string_view packetization_mode(std::span<const FmtpParam> fmtp) {
  for (const auto& p : fmtp) {
    if (iequals(p.key, "packetization-mode")) return p.value;
  }
  return "0";  // RFC 6184 §8.1: absent means single NAL unit mode
}

std::optional<std::string_view> find_param(std::span<const FmtpParam> fmtp, std::string_view key) {
  for (const auto& p : fmtp) {
    if (iequals(p.key, key)) return std::string_view(p.value);
  }
  return std::nullopt;
}

// The rank of an offered format for `codec` (lower is preferred), or nullopt
// when the server cannot take it.
std::optional<std::size_t> match_rank(Codec codec, const PayloadType& p, const Capabilities& caps) {
  if (!p.rtpmap) return std::nullopt;
  const auto& map = *p.rtpmap;
  switch (codec) {
    case Codec::opus:
      // RFC 7587 §7: the media subtype is always opus/48000/2.
      if (iequals(map.encoding, "opus") && map.clock_rate == 48000 && map.channels == 2) return 0;
      return std::nullopt;
    case Codec::vp8:
      // RFC 7741 §6.1: VP8/90000.
      if (iequals(map.encoding, "VP8") && map.clock_rate == 90000 && map.channels == 0) return 0;
      return std::nullopt;
    case Codec::vp9: {
      // VP9 RTP payload format (draft-ietf-payload-vp9, RFC 9628 §6):
      // profile-id, absent meaning 0, must be kept by the answer.
      if (!iequals(map.encoding, "VP9") || map.clock_rate != 90000 || map.channels != 0) {
        return std::nullopt;
      }
      const auto text = p.param("profile-id").value_or("0");
      const auto profile = small_uint(text, 3);
      if (!profile) return std::nullopt;
      const auto it = std::find(caps.vp9_profiles.begin(), caps.vp9_profiles.end(), *profile);
      if (it == caps.vp9_profiles.end()) return std::nullopt;
      return static_cast<std::size_t>(it - caps.vp9_profiles.begin());
    }
    case Codec::h264: {
      // RFC 6184 §8.2.2: packetization-mode and the profile are kept as
      // offered or the format is dropped; the server forwards FU-A and
      // STAP-A, which need packetization-mode=1.
      if (!iequals(map.encoding, "H264") || map.clock_rate != 90000 || map.channels != 0) {
        return std::nullopt;
      }
      if (packetization_mode(p.fmtp_params) != "1") return std::nullopt;
      const auto id = h264_profile_level_id(p.fmtp_params);
      if (!id) return std::nullopt;
      const auto it = std::find(caps.h264_profiles.begin(), caps.h264_profiles.end(), id->profile);
      if (it == caps.h264_profiles.end()) return std::nullopt;
      return static_cast<std::size_t>(it - caps.h264_profiles.begin());
    }
  }
  return std::nullopt;
}

// The format parameters the answer keeps, each validated so that the text
// written stays well-formed.
std::vector<FmtpParam> answer_fmtp(Codec codec, const PayloadType& p) {
  std::vector<FmtpParam> out;
  switch (codec) {
    case Codec::opus:
      // RFC 7587 §6.1: receiver preferences the SFU passes on unchanged.
      if (const auto v = p.param("minptime")) {
        if (const auto n = small_uint(*v, 120); n && *n >= 3)
          out.push_back({"minptime", std::to_string(*n)});
      }
      if (const auto v = p.param("useinbandfec"); v && (*v == "0" || *v == "1")) {
        out.push_back({"useinbandfec", std::string(*v)});
      }
      break;
    case Codec::vp8:
      break;
    case Codec::vp9:
      if (const auto v = p.param("profile-id")) {
        if (const auto n = small_uint(*v, 3)) out.push_back({"profile-id", std::to_string(*n)});
      }
      break;
    case Codec::h264:
      if (p.param("level-asymmetry-allowed") == std::optional<std::string_view>("1")) {
        out.push_back({"level-asymmetry-allowed", "1"});
      }
      out.push_back({"packetization-mode", "1"});
      if (const auto v = p.param("profile-level-id")) {
        std::string hex;
        for (char c : *v) hex += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
        out.push_back({"profile-level-id", hex});
      }
      break;
  }
  return out;
}

std::vector<RtcpFeedback> answer_feedback(const PayloadType& p, const Capabilities& caps) {
  std::vector<RtcpFeedback> out;
  for (const auto& fb : caps.rtcp_feedback) {
    if (p.has_feedback(fb.type, fb.parameter)) out.push_back(fb);
  }
  return out;
}

// RFC 4588 §8: the rtx format whose apt names `pt`, at the same clock rate.
std::optional<std::uint8_t> find_rtx(const MediaSection& m, std::uint8_t pt, std::uint32_t clock) {
  for (const auto& p : m.payload_types) {
    if (!p.rtpmap || !iequals(p.rtpmap->encoding, "rtx") || p.rtpmap->clock_rate != clock) continue;
    const auto apt = p.param("apt");
    if (!apt) continue;
    const auto n = small_uint(*apt, 127);
    if (n && *n == pt && p.pt != pt) return p.pt;
  }
  return std::nullopt;
}

std::vector<NegotiatedCodec> select_codecs(const MediaSection& m, const Capabilities& caps) {
  std::vector<NegotiatedCodec> out;
  const auto& prefs = m.kind == MediaKind::audio ? caps.audio_codecs : caps.video_codecs;
  for (const Codec codec : prefs) {
    if (kind_of(codec) != m.kind) continue;
    std::vector<std::pair<std::size_t, const PayloadType*>> found;
    for (const auto& p : m.payload_types) {
      if (const auto rank = match_rank(codec, p, caps)) found.emplace_back(*rank, &p);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& entry : found) {
      const PayloadType* p = entry.second;
      const bool seen = std::any_of(out.begin(), out.end(),
                                    [&](const NegotiatedCodec& c) { return c.pt == p->pt; });
      if (seen) continue;
      NegotiatedCodec c;
      c.codec = codec;
      c.pt = p->pt;
      c.clock_rate = p->rtpmap->clock_rate;
      c.channels = codec == Codec::opus ? 2 : 0;
      c.fmtp = answer_fmtp(codec, *p);
      c.feedback = answer_feedback(*p, caps);
      c.rtx_pt = find_rtx(m, p->pt, c.clock_rate);
      out.push_back(std::move(c));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------

// RFC 8122 §5: the fingerprints of the strongest hash function both support.
std::vector<Fingerprint> strongest_fingerprints(const std::vector<Fingerprint>& all) {
  for (const std::string_view alg : {"sha-512", "sha-384", "sha-256"}) {
    std::vector<Fingerprint> out;
    for (const auto& f : all) {
      if (f.algorithm == alg) out.push_back(f);
    }
    if (!out.empty()) return out;
  }
  return {};
}

Status check_transport(const LocalTransport& t) {
  bool v6 = false;
  if (!is_ice_ufrag(t.ice_ufrag) || !is_ice_pwd(t.ice_pwd)) {
    return make_error("sdp_bad_local_description",
                      "server ICE credentials do not follow RFC 8839 §5.4");
  }
  if (t.fingerprint_sha256.size() != 32) {
    return make_error("sdp_bad_local_description",
                      "server fingerprint must be a 32-byte SHA-256 digest");
  }
  if (!is_ip_literal(t.address, v6) || t.port == 0) {
    return make_error("sdp_bad_local_description",
                      "server candidate needs an IP literal and a non-zero port, got \"" +
                          t.address.substr(0, 64) + "\"");
  }
  if (t.session_id >= (std::uint64_t{1} << 63)) {
    return make_error("sdp_bad_local_description", "session id must be below 2^63 (JSEP §5.2.1)");
  }
  return ok_status();
}

Status check_track(const SendTrack& t) {
  if (!is_token(t.cname) || t.cname.size() > 255) {
    return make_error("sdp_bad_track", "track cname must be 1-255 token characters");
  }
  if (!is_msid_id(t.stream_id) || !is_msid_id(t.track_id)) {
    return make_error("sdp_bad_track",
                      "msid stream and track ids must be 1-64 token characters (RFC 8830 §2)");
  }
  if (t.rtx_ssrc && *t.rtx_ssrc == t.ssrc) {
    return make_error("sdp_bad_track", "track RTX SSRC equals its media SSRC");
  }
  return ok_status();
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

const LocalSection* tagged_section(const LocalDescription& d) {
  for (const auto& s : d.sections) {
    if (!s.rejected && s.mid == d.bundle_tag) return &s;
  }
  for (const auto& s : d.sections) {
    if (!s.rejected) return &s;
  }
  return nullptr;
}

std::string rejected_format(const LocalSection& s) {
  if (!s.rejected_format.empty()) return s.rejected_format;
  if (!s.codecs.empty()) return std::to_string(s.codecs.front().pt);
  return rtp_proto(s.proto) ? "0" : "-";
}

Status check_codecs(const std::vector<NegotiatedCodec>& codecs) {
  const auto bad = [](std::string message) {
    return make_error("sdp_bad_local_description", std::move(message));
  };
  std::array<bool, 128> pts{};
  for (const auto& c : codecs) {
    for (const auto pt : {std::optional<std::uint8_t>(c.pt), c.rtx_pt}) {
      if (!pt) continue;
      if (*pt > 127 || pts[*pt]) return bad("payload type " + std::to_string(*pt) + " reused");
      pts[*pt] = true;
    }
    if (c.clock_rate == 0 || c.channels > 255) return bad("bad clock rate or channels");
    for (const auto& p : c.fmtp) {
      if (p.key.empty() || !is_fmtp_text(p.key) || !is_fmtp_text(p.value)) {
        return bad("fmtp parameters must be key=value tokens");
      }
    }
    for (const auto& fb : c.feedback) {
      const bool param_ok =
          fb.parameter.empty() ||
          (is_line_text(fb.parameter) && fb.parameter.front() != ' ' && fb.parameter.back() != ' ');
      if (!is_token(fb.type) || !param_ok) return bad("bad rtcp-fb");
    }
  }
  return ok_status();
}

Status check_local(const LocalDescription& d, bool offer) {
  if (auto st = check_transport(d.transport); !st) return st;
  const auto bad = [](std::string message) {
    return make_error("sdp_bad_local_description", std::move(message));
  };
  if (!tagged_section(d)) return bad("no section is accepted: nothing to bundle");
  std::vector<std::uint32_t> ssrcs;
  for (std::size_t i = 0; i < d.sections.size(); ++i) {
    const auto& s = d.sections[i];
    const auto where = "section " + std::to_string(i) + ": ";
    if (!is_token(s.media) || !is_proto(s.proto)) {
      return bad(where + "media must be a token and proto token/token");
    }
    if (!s.mid.empty() || !s.rejected || offer) {
      if (!is_token(s.mid) || s.mid.size() > 64) return bad(where + "mid must be a token");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!s.mid.empty() && d.sections[j].mid == s.mid) return bad(where + "mid used twice");
    }
    if (s.rejected) {
      if (!s.codecs.empty() && rtp_proto(s.proto)) {
        if (auto st = check_codecs(s.codecs); !st) return bad(where + st.error().message);
        continue;
      }
      const auto fmt = rejected_format(s);
      if (!is_token(fmt) || (rtp_proto(s.proto) && !small_uint(fmt, 127))) {
        return bad(where + "format on a rejected m= line must be a payload type");
      }
      continue;
    }
    if (s.mid.size() > 16) return bad(where + "mid of a bundled section must fit 16 bytes");
    if ((s.kind != MediaKind::audio && s.kind != MediaKind::video) || s.proto != kProto) {
      return bad(where + "accepted sections are audio or video over UDP/TLS/RTP/SAVPF");
    }
    if (s.codecs.empty()) return bad(where + "an accepted section needs a codec");
    if (auto st = check_codecs(s.codecs); !st) return bad(where + st.error().message);
    for (std::size_t j = 0; j < s.extensions.size(); ++j) {
      const auto& e = s.extensions[j];
      if (e.id == 0 || e.id > 255 || !is_uri(e.uri)) return bad(where + "bad header extension");
      for (std::size_t k = 0; k < j; ++k) {
        if (s.extensions[k].id == e.id) return bad(where + "header extension id reused");
      }
    }
    for (std::size_t j = 0; j < s.recv_layers.size(); ++j) {
      if (!is_rid_id(s.recv_layers[j].rid)) return bad(where + "bad rid");
      for (std::size_t k = 0; k < j; ++k) {
        if (s.recv_layers[k].rid == s.recv_layers[j].rid) return bad(where + "rid used twice");
      }
    }
    if (s.track && sends(s.direction)) {
      if (auto st = check_track(*s.track); !st) return bad(where + st.error().message);
      for (const auto ssrc : {std::optional<std::uint32_t>(s.track->ssrc), s.track->rtx_ssrc}) {
        if (!ssrc) continue;
        if (std::find(ssrcs.begin(), ssrcs.end(), *ssrc) != ssrcs.end()) {
          return bad(where + "SSRC " + std::to_string(*ssrc) + " sent twice");
        }
        ssrcs.push_back(*ssrc);
      }
    }
  }
  return ok_status();
}

void add_line(std::string& out, std::string_view a, std::string_view b = {},
              std::string_view c = {}, std::string_view d = {}) {
  out.append(a).append(b).append(c).append(d).append("\r\n");
}

std::string format_list(const std::vector<NegotiatedCodec>& codecs) {
  std::string out;
  for (const auto& c : codecs) {
    out += " " + std::to_string(c.pt);
    if (c.rtx_pt) out += " " + std::to_string(*c.rtx_pt);
  }
  return out;
}

// RFC 8866 §6.6 rtpmap, RFC 4585 §4.2 rtcp-fb, RFC 8866 §6.15 fmtp, and
// RFC 4588 §8 for the retransmission format of each codec.
void add_codec_lines(std::string& out, const std::vector<NegotiatedCodec>& codecs, bool feedback) {
  for (const auto& c : codecs) {
    const auto pt = std::to_string(c.pt);
    std::string map = std::string(codec_name(c.codec)) + "/" + std::to_string(c.clock_rate);
    if (c.channels) map += "/" + std::to_string(c.channels);
    add_line(out, "a=rtpmap:" + pt + " ", map);
    for (const auto& fb : c.feedback) {
      if (feedback)
        add_line(out, "a=rtcp-fb:" + pt + " ", fb.type, fb.parameter.empty() ? "" : " ",
                 fb.parameter);
    }
    if (!c.fmtp.empty()) {
      std::string params;
      for (const auto& p : c.fmtp) {
        if (!params.empty()) params += ';';
        params += p.key;
        if (!p.value.empty()) params += "=" + p.value;
      }
      add_line(out, "a=fmtp:" + pt + " ", params);
    }
    if (c.rtx_pt) {
      const auto rtx = std::to_string(*c.rtx_pt);
      add_line(out, "a=rtpmap:" + rtx + " rtx/", std::to_string(c.clock_rate));
      add_line(out, "a=fmtp:" + rtx + " apt=", pt);
    }
  }
}

std::string render(const LocalDescription& d, bool offer) {
  const auto& t = d.transport;
  bool v6 = false;
  is_ip_literal(t.address, v6);
  const std::string port = std::to_string(t.port);
  const std::string conn = std::string(v6 ? "IN IP6 " : "IN IP4 ") + t.address;
  const std::string fingerprint = fingerprint_text(t.fingerprint_sha256);
  const auto* tag = tagged_section(d);

  std::string out;
  out.reserve(1024 + d.sections.size() * 1024);
  // RFC 8866 §5 / JSEP §5.2.1: session part.
  add_line(out, "v=0");
  add_line(out, "o=- ", std::to_string(t.session_id) + " " + std::to_string(t.session_version),
           " IN IP4 0.0.0.0");
  add_line(out, "s=-");
  add_line(out, "t=0 0");
  // RFC 8839 §5.3: ice-lite is a session-level attribute.
  add_line(out, "a=ice-lite");
  // RFC 8843 §7.3 (RFC 9143): the tagged mid comes first.
  std::string group = "a=group:BUNDLE " + tag->mid;
  for (const auto& s : d.sections) {
    if (!s.rejected && &s != tag) group += " " + s.mid;
  }
  add_line(out, group);

  for (const auto& s : d.sections) {
    const std::string_view setup = offer ? "a=setup:actpass" : "a=setup:passive";
    if (s.rejected) {
      // RFC 3264 §6 / JSEP §5.3.1: port 0 and no candidates. A stopped
      // section keeps its codecs, the others name one format. The transport
      // attributes, rtcp-mux and codecs stay: they change nothing for a
      // rejected section, and aiortc 1.4 refuses a description in which any
      // audio or video section lacks them.
      const bool with_codecs = !s.codecs.empty() && rtp_proto(s.proto);
      if (with_codecs) {
        add_line(out, "m=" + s.media + " 0 " + s.proto, format_list(s.codecs));
      } else {
        add_line(out, "m=" + s.media + " 0 " + s.proto + " ", rejected_format(s));
      }
      add_line(out, "c=IN IP4 0.0.0.0");
      if (!s.mid.empty()) add_line(out, "a=mid:", s.mid);
      add_line(out, "a=ice-ufrag:", t.ice_ufrag);
      add_line(out, "a=ice-pwd:", t.ice_pwd);
      add_line(out, "a=fingerprint:sha-256 ", fingerprint);
      add_line(out, setup);
      if (rtp_proto(s.proto)) add_line(out, "a=inactive");
      if (rtp_proto(s.proto)) add_line(out, "a=rtcp-mux");
      if (with_codecs) add_codec_lines(out, s.codecs, false);
      continue;
    }
    add_line(out, "m=" + s.media + " " + port + " " + std::string(kProto), format_list(s.codecs));
    add_line(out, "c=", conn);
    add_line(out, "a=mid:", s.mid);
    // Transport attributes in every bundled section, as JSEP §5.3.1 writes
    // them and as peers that read them per section expect.
    add_line(out, "a=ice-ufrag:", t.ice_ufrag);
    add_line(out, "a=ice-pwd:", t.ice_pwd);
    add_line(out, "a=fingerprint:sha-256 ", fingerprint);
    // RFC 5763 §5: an answer from the server takes the DTLS server role
    // (passive); an offer must say actpass, and the client, already the DTLS
    // client, answers active again (checked by apply_answer).
    add_line(out, setup);
    // RFC 8839 §5.1 host candidate; a=end-of-candidates (RFC 8840): no more.
    add_line(out, "a=candidate:1 1 udp " + std::to_string(kHostPriority) + " ", t.address,
             " " + port, " typ host");
    add_line(out, "a=end-of-candidates");
    for (const auto& e : s.extensions) {
      std::string dir = e.direction ? "/" + std::string(to_string(*e.direction)) : std::string();
      add_line(out, "a=extmap:" + std::to_string(e.id) + dir + " ", e.uri);
    }
    add_line(out, "a=", to_string(s.direction));
    const bool sending = s.track && sends(s.direction);
    if (sending) add_line(out, "a=msid:", s.track->stream_id + " " + s.track->track_id);
    add_line(out, "a=rtcp-mux");
    if (s.rtcp_rsize) add_line(out, "a=rtcp-rsize");
    add_codec_lines(out, s.codecs, true);
    const bool has_rtx = std::any_of(s.codecs.begin(), s.codecs.end(),
                                     [](const NegotiatedCodec& c) { return c.rtx_pt.has_value(); });
    if (!s.recv_layers.empty() && receives(s.direction)) {
      // RFC 8851 §4 / RFC 8853 §5.3: the layers the server takes.
      std::string list;
      for (const auto& l : s.recv_layers) {
        add_line(out, "a=rid:", l.rid, " recv");
        if (!list.empty()) list += ';';
        if (l.paused) list += '~';
        list += l.rid;
      }
      add_line(out, "a=simulcast:recv ", list);
    }
    if (sending) {
      // RFC 5576 §4.1-4.2, RFC 4588 §8.2.
      const auto& tr = *s.track;
      const auto ssrc = std::to_string(tr.ssrc);
      const bool rtx = has_rtx && tr.rtx_ssrc;
      if (rtx) add_line(out, "a=ssrc-group:FID " + ssrc + " ", std::to_string(*tr.rtx_ssrc));
      const std::string msid = " msid:" + tr.stream_id + " " + tr.track_id;
      add_line(out, "a=ssrc:" + ssrc + " cname:", tr.cname);
      add_line(out, "a=ssrc:" + ssrc, msid);
      if (rtx) {
        const auto r = std::to_string(*tr.rtx_ssrc);
        add_line(out, "a=ssrc:" + r + " cname:", tr.cname);
        add_line(out, "a=ssrc:" + r, msid);
      }
    }
  }
  return out;
}

std::uint64_t next_numeric_mid(const std::vector<LocalSection>& sections, std::uint64_t floor) {
  std::uint64_t n = floor;
  for (const auto& s : sections) {
    if (const auto v = small_uint(s.mid, (std::uint64_t{1} << 62)); v && *v + 1 > n) n = *v + 1;
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------
// Names and H.264
// ---------------------------------------------------------------------------

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::opus:
      return "opus";
    case Codec::vp8:
      return "VP8";
    case Codec::vp9:
      return "VP9";
    case Codec::h264:
      break;
  }
  return "H264";
}

std::string_view to_string(H264Profile profile) {
  switch (profile) {
    case H264Profile::constrained_baseline:
      return "constrained-baseline";
    case H264Profile::baseline:
      return "baseline";
    case H264Profile::main:
      return "main";
    case H264Profile::extended:
      return "extended";
    case H264Profile::high:
      return "high";
    case H264Profile::constrained_high:
      return "constrained-high";
    case H264Profile::progressive_high:
      return "progressive-high";
    case H264Profile::high10:
      return "high-10";
    case H264Profile::high422:
      return "high-4:2:2";
    case H264Profile::high444:
      return "high-4:4:4-predictive";
    case H264Profile::high10_intra:
      return "high-10-intra";
    case H264Profile::high422_intra:
      return "high-4:2:2-intra";
    case H264Profile::high444_intra:
      return "high-4:4:4-intra";
    case H264Profile::cavlc444_intra:
      break;
  }
  return "cavlc-4:4:4-intra";
}

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::none:
      return "none";
    case RejectReason::unsupported_media:
      return "unsupported_media";
    case RejectReason::unsupported_proto:
      return "unsupported_proto";
    case RejectReason::disabled:
      return "disabled";
    case RejectReason::not_bundled:
      return "not_bundled";
    case RejectReason::no_common_codec:
      return "no_common_codec";
    case RejectReason::stopped:
      return "stopped";
    case RejectReason::rejected_by_peer:
      break;
  }
  return "rejected_by_peer";
}

std::optional<H264ProfileLevelId> parse_h264_profile_level_id(std::string_view hex) {
  // RFC 6184 §8.1: profile_idc, profile-iop, level_idc, two hex digits each.
  if (hex.size() != 6) return std::nullopt;
  std::array<std::uint8_t, 3> b{};
  for (std::size_t i = 0; i < 3; ++i) {
    const int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  const std::uint8_t idc = b[0], iop = b[1], level = b[2];
  if (iop & 0x03) return std::nullopt;  // reserved_zero_2bits
  const bool set0 = iop & 0x80, set1 = iop & 0x40, set3 = iop & 0x10, set4 = iop & 0x08,
             set5 = iop & 0x04;
  H264ProfileLevelId id;
  // RFC 6184 Table 5: combinations of profile_idc and profile-iop that
  // denote the same profile.
  switch (idc) {
    case 0x42:  // Baseline; constraint_set1 makes it Constrained Baseline
      id.profile = set1 ? H264Profile::constrained_baseline : H264Profile::baseline;
      break;
    case 0x4D:  // Main; constraint_set0 makes it Constrained Baseline
      id.profile = set0 ? H264Profile::constrained_baseline : H264Profile::main;
      break;
    case 0x58:  // Extended; set0 Baseline, set0+set1 Constrained Baseline
      id.profile = set0 ? (set1 ? H264Profile::constrained_baseline : H264Profile::baseline)
                        : H264Profile::extended;
      break;
    case 0x64:  // High; set4 Progressive High, set4+set5 Constrained High
      id.profile = set4 ? (set5 ? H264Profile::constrained_high : H264Profile::progressive_high)
                        : H264Profile::high;
      break;
    case 0x6E:  // constraint_set3 marks the intra-only profiles
      id.profile = set3 ? H264Profile::high10_intra : H264Profile::high10;
      break;
    case 0x7A:
      id.profile = set3 ? H264Profile::high422_intra : H264Profile::high422;
      break;
    case 0xF4:
      id.profile = set3 ? H264Profile::high444_intra : H264Profile::high444;
      break;
    case 0x2C:
      id.profile = H264Profile::cavlc444_intra;
      break;
    default:
      return std::nullopt;
  }
  if (!known_h264_level(level)) return std::nullopt;
  id.level_idc = level;
  // Level 1b: level_idc 11 with constraint_set3 in the Baseline, Main and
  // Extended families; level_idc 9 elsewhere.
  const bool baseline_family = idc == 0x42 || idc == 0x4D || idc == 0x58;
  id.level_1b = level == 9 || (level == 11 && set3 && baseline_family);
  return id;
}

std::optional<H264ProfileLevelId> h264_profile_level_id(std::span<const FmtpParam> fmtp) {
  // RFC 6184 §8.1: absent, Baseline without further constraints at level 1.
  return parse_h264_profile_level_id(find_param(fmtp, "profile-level-id").value_or("42000a"));
}

int h264_level_rank(const H264ProfileLevelId& id) {
  return id.level_1b ? 105 : id.level_idc * 10;
}

bool h264_same_configuration(std::span<const FmtpParam> a, std::span<const FmtpParam> b) {
  if (packetization_mode(a) != packetization_mode(b)) return false;
  const auto pa = h264_profile_level_id(a), pb = h264_profile_level_id(b);
  return pa && pb && pa->profile == pb->profile;
}

// ---------------------------------------------------------------------------
// Answering a client's offer
// ---------------------------------------------------------------------------

Expected<Negotiation> negotiate_answer(const SessionDescription& offer, const Capabilities& caps,
                                       const LocalTransport& transport,
                                       std::span<const TrackAssignment> tracks) {
  if (auto st = check_transport(transport); !st) return st.error();
  // RFC 8445 §2.5: a lite agent sends no connectivity checks, and the server
  // learns the client's address only from the checks it receives.
  if (offer.ice_lite) {
    return make_error("sdp_peer_ice_lite",
                      "the offer is ICE-lite and so is the server; the client must run full ICE");
  }
  const bool any_media = std::any_of(offer.media.begin(), offer.media.end(), [](const auto& m) {
    return m.kind == MediaKind::audio || m.kind == MediaKind::video;
  });
  if (!any_media) {
    return make_error("sdp_no_media", "the offer has no audio or video m= section");
  }
  const Group* bundle = offer.bundle_group();
  if (!bundle || bundle->mids.empty()) {
    return make_error("sdp_no_bundle",
                      "the offer has no a=group:BUNDLE; the server serves every m= section on one "
                      "transport (RFC 8843; RTCPeerConnection bundlePolicy \"max-bundle\")");
  }

  Negotiation result;
  auto& local = result.local;
  local.transport = transport;
  local.sections.reserve(offer.media.size());
  bool no_codec = false;
  for (const auto& m : offer.media) {
    LocalSection s;
    s.mid = m.mid.value_or("");
    s.kind = m.kind;
    s.media = m.media;
    s.proto = m.proto;
    if (m.is_rtp() && !m.payload_types.empty()) {
      s.rejected_format = std::to_string(m.payload_types.front().pt);
    } else if (!m.formats.empty()) {
      s.rejected_format = m.formats.front();
    }
    const bool bundled =
        m.mid && std::find(bundle->mids.begin(), bundle->mids.end(), *m.mid) != bundle->mids.end();
    if (m.kind != MediaKind::audio && m.kind != MediaKind::video) {
      s.reason = RejectReason::unsupported_media;
    } else if (m.proto != kProto) {
      s.reason = RejectReason::unsupported_proto;
    } else if (m.port == 0 && !m.bundle_only) {
      // RFC 8843 §7.3: port 0 without bundle-only disables the section.
      s.reason = RejectReason::disabled;
    } else if (!bundled) {
      s.reason = RejectReason::not_bundled;
    } else {
      s.codecs = select_codecs(m, caps);
      if (s.codecs.empty()) {
        s.reason = RejectReason::no_common_codec;
        no_codec = true;
      }
    }
    s.rejected = s.reason != RejectReason::none;
    if (s.rejected) s.codecs.clear();
    local.sections.push_back(std::move(s));
  }

  // RFC 8843 §7.3.1 (RFC 9143): the offerer-tagged section is the first mid
  // of the group that is accepted and has a port.
  const MediaSection* tagged = nullptr;
  for (const auto& mid : bundle->mids) {
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
      const auto& m = offer.media[i];
      if (m.mid && *m.mid == mid && !local.sections[i].rejected && m.port != 0) tagged = &m;
    }
    if (tagged) break;
  }
  if (!tagged) {
    if (no_codec) {
      return make_error("sdp_no_common_codec",
                        "no m= section offers a codec the server forwards (opus/48000/2, VP8, VP9 "
                        "profile 0, H264 packetization-mode=1 constrained baseline); offered: " +
                            list_offered_codecs(offer));
    }
    return make_error("sdp_no_bundle",
                      "no audio or video m= section is in the BUNDLE group with a port and "
                      "UDP/TLS/RTP/SAVPF");
  }
  local.bundle_tag = *tagged->mid;

  // The BUNDLE transport is described by the tagged section (RFC 8843 §7.4).
  auto ufrag = offer.effective_ice_ufrag(*tagged);
  auto pwd = offer.effective_ice_pwd(*tagged);
  if (!ufrag || !pwd) {
    return make_error("sdp_no_ice_credentials", "m= section " + *tagged->mid +
                                                    " carries the BUNDLE transport but has no "
                                                    "a=ice-ufrag and a=ice-pwd (RFC 8839 §5.4)");
  }
  auto fingerprints = strongest_fingerprints(offer.effective_fingerprints(*tagged));
  if (fingerprints.empty()) {
    return make_error("sdp_no_fingerprint",
                      "m= section " + *tagged->mid +
                          " carries the BUNDLE transport but has no "
                          "a=fingerprint with sha-256, sha-384 or sha-512 (RFC 8122 §5)");
  }
  // RFC 4145 §4.1: absent means active. RFC 5763 §5: the server answers
  // passive, so the client must be able to take the active role.
  const auto setup = offer.effective_setup(*tagged).value_or(SetupRole::active);
  if (setup != SetupRole::actpass && setup != SetupRole::active) {
    return make_error("sdp_bad_setup",
                      "the offer has a=setup:" + std::string(to_string(setup)) +
                          "; the server is the DTLS server, so offer a=setup:actpass or active");
  }
  result.remote.ice_ufrag = std::move(*ufrag);
  result.remote.ice_pwd = std::move(*pwd);
  result.remote.ice_options = tagged->ice_options.empty() ? offer.ice_options : tagged->ice_options;
  result.remote.fingerprints = std::move(fingerprints);
  result.remote.bundle_tag = *tagged->mid;

  // Bundled sections share one RTP session (RFC 8843 §9), so an extension id
  // must mean the same in all of them: a later conflicting mapping is dropped.
  std::vector<std::pair<std::uint16_t, std::string_view>> bundle_ext;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const auto& m = offer.media[i];
    auto& s = local.sections[i];
    if (s.rejected) continue;
    // RFC 5761 §5.1.1 and RFC 8843 §9.3: bundled RTP needs rtcp-mux.
    if (!m.rtcp_mux && !m.rtcp_mux_only) {
      return make_error(
          "sdp_no_rtcp_mux",
          "m= section " + s.mid +
              " has no a=rtcp-mux; the server multiplexes RTP "
              "and RTCP on one port (RFC 5761, RTCPeerConnection rtcpMuxPolicy \"require\")");
    }
    // RFC 8285 §4.2: the one-byte header extension carries at most 16
    // bytes, and the server reads the mid from it.
    if (s.mid.size() > 16) {
      return make_error("sdp_bad_mid", "mid \"" + s.mid +
                                           "\" is longer than the 16 bytes an RTP "
                                           "header extension element can carry");
    }
    const Direction offered = offer.effective_direction(m);
    s.direction = make_direction(false, sends(offered));
    s.rtcp_rsize = m.rtcp_rsize;

    // Media-level extmaps, then session-level ones not overridden (RFC 8285 §7).
    std::vector<const ExtMap*> exts;
    for (const auto& e : m.extmaps) exts.push_back(&e);
    for (const auto& e : offer.extmaps) {
      const bool overridden = std::any_of(m.extmaps.begin(), m.extmaps.end(),
                                          [&](const ExtMap& x) { return x.id == e.id; });
      if (!overridden) exts.push_back(&e);
    }
    for (const auto* e : exts) {
      if (std::find(caps.header_extensions.begin(), caps.header_extensions.end(), e->uri) ==
          caps.header_extensions.end()) {
        continue;
      }
      bool conflict = false, known = false;
      for (const auto& [id, uri] : bundle_ext) {
        if ((id == e->id) != (uri == e->uri)) conflict = true;
        if (id == e->id && uri == e->uri) known = true;
      }
      if (conflict) continue;
      if (!known) bundle_ext.emplace_back(e->id, e->uri);
      HeaderExtension h;
      h.id = e->id;
      h.uri = e->uri;
      // RFC 8285 §6: the answer's direction mirrors the offer's.
      if (e->direction) h.direction = reverse(*e->direction);
      s.extensions.push_back(std::move(h));
    }

    // RFC 8853 §5.3 / RFC 8851 §4: simulcast the client sends, up to the
    // server's layer limit; each layer identified by the rtp-stream-id
    // header extension, so none without it.
    const bool has_rid_ext = std::any_of(s.extensions.begin(), s.extensions.end(),
                                         [](const auto& h) { return h.uri == kExtRtpStreamId; });
    if (m.simulcast && sends(offered) && has_rid_ext) {
      for (const auto& stream : m.simulcast->send) {
        if (s.recv_layers.size() >= caps.max_simulcast_layers) break;
        for (const auto& alt : stream) {
          const Rid* rid = m.find_rid(alt.rid);
          if (!rid || rid->direction != RidDirection::send) continue;
          const bool used = std::any_of(s.recv_layers.begin(), s.recv_layers.end(),
                                        [&](const auto& l) { return l.rid == alt.rid; });
          if (used) continue;
          if (!rid->payload_types.empty()) {
            const bool usable = std::any_of(
                rid->payload_types.begin(), rid->payload_types.end(), [&](std::uint8_t pt) {
                  return std::any_of(s.codecs.begin(), s.codecs.end(),
                                     [&](const auto& c) { return c.pt == pt; });
                });
            if (!usable) continue;
          }
          s.recv_layers.push_back({alt.rid, alt.paused});
          break;
        }
      }
    }
  }

  // The server's tracks, in sections the client receives in.
  std::vector<std::uint32_t> ssrcs;
  for (const auto& m : offer.media) {
    for (const auto& info : m.ssrcs) ssrcs.push_back(info.ssrc);
  }
  for (std::size_t t = 0; t < tracks.size(); ++t) {
    const auto& a = tracks[t];
    if (auto st = check_track(a.track); !st) return st.error();
    std::size_t index = offer.media.size();
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
      if (offer.media[i].mid && *offer.media[i].mid == a.mid) index = i;
    }
    if (index == offer.media.size()) {
      return make_error("sdp_bad_track", "no m= section with mid \"" + a.mid.substr(0, 64) + "\"");
    }
    for (std::size_t u = 0; u < t; ++u) {
      if (tracks[u].mid == a.mid) return make_error("sdp_bad_track", "two tracks for mid " + a.mid);
    }
    for (const auto ssrc : {std::optional<std::uint32_t>(a.track.ssrc), a.track.rtx_ssrc}) {
      if (!ssrc) continue;
      if (std::find(ssrcs.begin(), ssrcs.end(), *ssrc) != ssrcs.end()) {
        return make_error("sdp_bad_track", "SSRC " + std::to_string(*ssrc) +
                                               " is already used in this session (RFC 3550 §8)");
      }
      ssrcs.push_back(*ssrc);
    }
    auto& s = local.sections[index];
    const Direction offered = offer.effective_direction(offer.media[index]);
    if (s.rejected || !receives(offered)) continue;
    s.track = a.track;
    s.direction = make_direction(true, sends(offered));
  }

  local.next_mid = next_numeric_mid(local.sections, 0);
  return result;
}

Expected<std::string> write_answer(const LocalDescription& local) {
  if (auto st = check_local(local, false); !st) return st.error();
  return render(local, false);
}

Expected<std::string> write_offer(const LocalDescription& local) {
  if (auto st = check_local(local, true); !st) return st.error();
  return render(local, true);
}

// ---------------------------------------------------------------------------
// Renegotiation
// ---------------------------------------------------------------------------

namespace {

bool pt_used(const LocalDescription& local, std::uint8_t pt) {
  for (const auto& s : local.sections) {
    for (const auto& c : s.codecs) {
      if (c.pt == pt || c.rtx_pt == pt) return true;
    }
  }
  return false;
}

std::optional<std::uint8_t> free_pt(const LocalDescription& local,
                                    const std::vector<std::uint8_t>& taken) {
  // Dynamic payload types 96-127 (RFC 3551 §6), then the unassigned 35-63
  // that browsers use too; 64-95 would clash with RTCP packet types under
  // rtcp-mux (RFC 5761 §4).
  for (int pt = 96; pt <= 127; ++pt) {
    const auto p = static_cast<std::uint8_t>(pt);
    if (!pt_used(local, p) && std::find(taken.begin(), taken.end(), p) == taken.end()) return p;
  }
  for (int pt = 35; pt <= 63; ++pt) {
    const auto p = static_cast<std::uint8_t>(pt);
    if (!pt_used(local, p) && std::find(taken.begin(), taken.end(), p) == taken.end()) return p;
  }
  return std::nullopt;
}

Expected<std::vector<NegotiatedCodec>> default_codecs(const LocalDescription& local, MediaKind kind,
                                                      const Capabilities& caps) {
  std::vector<NegotiatedCodec> out;
  std::vector<std::uint8_t> taken;
  auto next = [&]() -> std::optional<std::uint8_t> {
    auto pt = free_pt(local, taken);
    if (pt) taken.push_back(*pt);
    return pt;
  };
  const auto& prefs = kind == MediaKind::audio ? caps.audio_codecs : caps.video_codecs;
  for (const Codec codec : prefs) {
    if (kind_of(codec) != kind) continue;
    std::vector<std::vector<FmtpParam>> variants;
    switch (codec) {
      case Codec::opus:
        variants.push_back({{"minptime", "10"}, {"useinbandfec", "1"}});
        break;
      case Codec::vp8:
        variants.emplace_back();
        break;
      case Codec::vp9:
        for (const auto p : caps.vp9_profiles)
          variants.push_back({{"profile-id", std::to_string(p)}});
        break;
      case Codec::h264:
        for (const auto p : caps.h264_profiles) {
          variants.push_back({{"level-asymmetry-allowed", "1"},
                              {"packetization-mode", "1"},
                              {"profile-level-id", default_profile_level_id(p)}});
        }
        break;
    }
    for (auto& fmtp : variants) {
      NegotiatedCodec c;
      c.codec = codec;
      const auto pt = next();
      if (!pt) return make_error("sdp_no_payload_type", "no free RTP payload type left");
      c.pt = *pt;
      c.clock_rate = codec == Codec::opus ? 48000 : 90000;
      c.channels = codec == Codec::opus ? 2 : 0;
      c.fmtp = std::move(fmtp);
      for (const auto& fb : caps.rtcp_feedback) {
        if (kind == MediaKind::video || fb.type == "transport-cc") c.feedback.push_back(fb);
      }
      if (kind == MediaKind::video) {
        const auto rtx = next();
        if (!rtx) return make_error("sdp_no_payload_type", "no free RTP payload type left");
        c.rtx_pt = *rtx;
      }
      out.push_back(std::move(c));
    }
  }
  if (out.empty()) {
    return make_error("sdp_no_payload_type",
                      "the server has no codec for " + std::string(to_string(kind)));
  }
  return out;
}

std::vector<HeaderExtension> send_extensions(const LocalDescription& local, MediaKind kind,
                                             const Capabilities& caps) {
  std::vector<HeaderExtension> out;
  std::vector<std::uint16_t> used;
  for (const auto& s : local.sections) {
    for (const auto& e : s.extensions) used.push_back(e.id);
  }
  for (const auto& uri : caps.header_extensions) {
    // Stream ids matter for what the server receives, audio level for audio.
    if (uri == kExtRtpStreamId || uri == kExtRepairedRtpStreamId) continue;
    if (uri == kExtAudioLevel && kind != MediaKind::audio) continue;
    std::optional<std::uint16_t> id;
    for (const auto& s : local.sections) {
      for (const auto& e : s.extensions) {
        if (e.uri == uri && !id) id = e.id;
      }
    }
    if (!id) {
      for (std::uint16_t v = 1; v <= 14 && !id; ++v) {
        if (std::find(used.begin(), used.end(), v) == used.end()) id = v;
      }
      if (!id) continue;
      used.push_back(*id);
    }
    out.push_back({*id, uri, std::nullopt});
  }
  return out;
}

}  // namespace

Expected<std::string> add_send_section(LocalDescription& local, MediaKind kind,
                                       const SendTrack& track, const Capabilities& caps) {
  if (kind != MediaKind::audio && kind != MediaKind::video) {
    return make_error("sdp_bad_track", "the server sends audio or video only");
  }
  if (auto st = check_track(track); !st) return st.error();
  if (local.sections.size() >= caps.max_media_sections) {
    return make_error(
        "sdp_too_many_media",
        "the session already has " + std::to_string(local.sections.size()) + " m= sections");
  }
  for (const auto& s : local.sections) {
    if (!s.track) continue;
    for (const auto a : {std::optional<std::uint32_t>(track.ssrc), track.rtx_ssrc}) {
      for (const auto b : {std::optional<std::uint32_t>(s.track->ssrc), s.track->rtx_ssrc}) {
        if (a && b && *a == *b) {
          return make_error("sdp_bad_track", "SSRC " + std::to_string(*a) + " is already sent");
        }
      }
    }
  }

  LocalSection s;
  s.kind = kind;
  s.media = std::string(to_string(kind));
  s.proto = std::string(kProto);
  s.direction = Direction::sendonly;
  s.track = track;
  // Reuse what the client already agreed to for this kind of media: the same
  // payload types mean the same codecs across the BUNDLE group.
  const LocalSection* like = nullptr;
  for (const auto& x : local.sections) {
    if (!x.rejected && x.kind == kind && !x.codecs.empty()) {
      like = &x;
      break;
    }
  }
  if (like) {
    s.codecs = like->codecs;
    s.rtcp_rsize = like->rtcp_rsize;
    for (const auto& e : like->extensions) {
      if (e.uri == kExtRtpStreamId || e.uri == kExtRepairedRtpStreamId) continue;
      s.extensions.push_back({e.id, e.uri, std::nullopt});
    }
  } else {
    auto codecs = default_codecs(local, kind, caps);
    if (!codecs) return codecs.error();
    s.codecs = std::move(*codecs);
    s.rtcp_rsize = true;
    s.extensions = send_extensions(local, kind, caps);
  }
  // JSEP §5.2.2: a new m= section gets a mid never used before.
  std::uint64_t n = next_numeric_mid(local.sections, local.next_mid);
  auto taken = [&](const std::string& mid) {
    return std::any_of(local.sections.begin(), local.sections.end(),
                       [&](const auto& x) { return x.mid == mid; });
  };
  while (taken(std::to_string(n))) ++n;
  s.mid = std::to_string(n);
  local.next_mid = n + 1;
  local.sections.push_back(std::move(s));
  if (local.bundle_tag.empty() || !tagged_section(local))
    local.bundle_tag = local.sections.back().mid;
  ++local.transport.session_version;
  return local.sections.back().mid;
}

Status stop_section(LocalDescription& local, std::string_view mid) {
  for (auto& s : local.sections) {
    if (s.mid != mid || mid.empty()) continue;
    if (!s.rejected) {
      if (s.rejected_format.empty() && !s.codecs.empty()) {
        s.rejected_format = std::to_string(s.codecs.front().pt);
      }
      s.rejected = true;
      s.reason = RejectReason::stopped;
      s.track.reset();
      s.recv_layers.clear();
      s.direction = Direction::inactive;
      ++local.transport.session_version;
    }
    if (local.bundle_tag == mid) {
      const auto* tag = tagged_section(local);
      local.bundle_tag = tag ? tag->mid : std::string();
    }
    return ok_status();
  }
  return make_error("sdp_unknown_mid",
                    "no m= section with mid \"" + std::string(mid.substr(0, 64)) + "\"");
}

Expected<Negotiation> apply_answer(const LocalDescription& offered,
                                   const SessionDescription& answer) {
  const auto mismatch = [](std::string message) {
    return make_error("sdp_answer_mismatch", std::move(message));
  };
  if (answer.media.size() != offered.sections.size()) {
    return mismatch("the answer has " + std::to_string(answer.media.size()) +
                    " m= sections, the offer " + std::to_string(offered.sections.size()) +
                    " (RFC 3264 §6)");
  }
  const Group* bundle = answer.bundle_group();
  Negotiation result;
  result.local = offered;
  auto& local = result.local;
  for (std::size_t i = 0; i < answer.media.size(); ++i) {
    const auto& m = answer.media[i];
    auto& s = local.sections[i];
    const auto where = "m= section " + std::to_string(i) + ": ";
    if (m.media != s.media) return mismatch(where + "media type changed");
    if (s.rejected) continue;
    if (m.mid.value_or("") != s.mid) return mismatch(where + "mid changed");
    const bool bundled =
        bundle && std::find(bundle->mids.begin(), bundle->mids.end(), s.mid) != bundle->mids.end();
    // RFC 3264 §6: port 0 rejects; under RFC 8843 a bundled section may have
    // port 0 with a=bundle-only.
    if ((m.port == 0 && !m.bundle_only) || !bundled || m.proto != s.proto) {
      if (s.rejected_format.empty() && !s.codecs.empty()) {
        s.rejected_format = std::to_string(s.codecs.front().pt);
      }
      s.rejected = true;
      s.reason =
          bundled || m.port == 0 ? RejectReason::rejected_by_peer : RejectReason::not_bundled;
      s.track.reset();
      s.recv_layers.clear();
      s.direction = Direction::inactive;
      continue;
    }
    if (!m.rtcp_mux && !m.rtcp_mux_only) {
      return make_error("sdp_no_rtcp_mux", where + "the answer has no a=rtcp-mux");
    }
    // The answer lists a subset of the offered formats (RFC 3264 §6.1).
    std::vector<NegotiatedCodec> kept;
    for (const auto& c : s.codecs) {
      const PayloadType* p = m.find_payload_type(c.pt);
      if (!p) continue;
      if (p->rtpmap && (!iequals(p->rtpmap->encoding, codec_name(c.codec)) ||
                        p->rtpmap->clock_rate != c.clock_rate)) {
        return mismatch(where + "payload type " + std::to_string(c.pt) + " changed its codec");
      }
      if (c.codec == Codec::h264 && !h264_same_configuration(c.fmtp, p->fmtp_params)) {
        return mismatch(where + "H264 payload type " + std::to_string(c.pt) +
                        " changed profile or packetization-mode (RFC 6184 §8.2.2)");
      }
      NegotiatedCodec k = c;
      if (k.rtx_pt && !m.find_payload_type(*k.rtx_pt)) k.rtx_pt.reset();
      std::vector<RtcpFeedback> fb;
      for (const auto& f : k.feedback) {
        if (p->has_feedback(f.type, f.parameter)) fb.push_back(f);
      }
      k.feedback = std::move(fb);
      kept.push_back(std::move(k));
    }
    if (kept.empty()) return mismatch(where + "the answer keeps none of the offered codecs");
    s.codecs = std::move(kept);
    // RFC 3264 §6.1: directions must be compatible; the result is what both allow.
    const Direction theirs = answer.effective_direction(m);
    if ((sends(theirs) && !receives(s.direction)) || (receives(theirs) && !sends(s.direction))) {
      return mismatch(where + "a=" + std::string(to_string(theirs)) +
                      " answers a=" + std::string(to_string(s.direction)));
    }
    s.direction = make_direction(sends(s.direction) && receives(theirs),
                                 receives(s.direction) && sends(theirs));
    if (!sends(s.direction)) s.track.reset();
    std::vector<HeaderExtension> exts;
    for (const auto& e : s.extensions) {
      const bool agreed = std::any_of(m.extmaps.begin(), m.extmaps.end(), [&](const ExtMap& x) {
        return x.id == e.id && x.uri == e.uri;
      });
      if (agreed) exts.push_back(e);
    }
    s.extensions = std::move(exts);
    s.rtcp_rsize = s.rtcp_rsize && m.rtcp_rsize;
    if (!s.recv_layers.empty()) {
      std::vector<SimulcastLayer> layers;
      if (m.simulcast && receives(s.direction)) {
        for (const auto& l : s.recv_layers) {
          for (const auto& stream : m.simulcast->send) {
            for (const auto& alt : stream) {
              if (alt.rid == l.rid) layers.push_back({l.rid, alt.paused});
            }
          }
        }
      }
      s.recv_layers = std::move(layers);
    }
  }

  const LocalSection* tag = nullptr;
  if (bundle) {
    for (const auto& mid : bundle->mids) {
      for (const auto& s : local.sections) {
        if (!s.rejected && s.mid == mid && !tag) tag = &s;
      }
    }
  }
  if (!tag) {
    return make_error("sdp_no_bundle", "the answer accepts no m= section in a BUNDLE group");
  }
  const MediaSection* m = answer.find_mid(tag->mid);
  auto ufrag = answer.effective_ice_ufrag(*m);
  auto pwd = answer.effective_ice_pwd(*m);
  if (!ufrag || !pwd) {
    return make_error("sdp_no_ice_credentials", "the answer has no a=ice-ufrag and a=ice-pwd");
  }
  auto fingerprints = strongest_fingerprints(answer.effective_fingerprints(*m));
  if (fingerprints.empty()) {
    return make_error("sdp_no_fingerprint", "the answer has no sha-256/384/512 a=fingerprint");
  }
  // RFC 5763 §5 / RFC 4145 §4.1: the answer to actpass picks a role. The
  // server stays the DTLS server of the existing association, so the client
  // must stay active; a passive answer would need a new DTLS association.
  const auto setup = answer.effective_setup(*m);
  if (setup != SetupRole::active) {
    return make_error("sdp_bad_setup",
                      "the answer must have a=setup:active: the server remains the DTLS server");
  }
  result.remote.ice_ufrag = std::move(*ufrag);
  result.remote.ice_pwd = std::move(*pwd);
  result.remote.ice_options = m->ice_options.empty() ? answer.ice_options : m->ice_options;
  result.remote.fingerprints = std::move(fingerprints);
  result.remote.bundle_tag = tag->mid;
  // Keep the server's tag if the client kept that section, else the first
  // accepted one becomes the tag of the server's next offer.
  if (const auto* t = tagged_section(local)) local.bundle_tag = t->mid;
  return result;
}

}  // namespace parley::sdp
