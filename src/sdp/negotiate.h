#pragma once
// Offer/answer for the media server (RFC 3264 as profiled by JSEP, RFC 8829).
//
// The server is an ICE-lite (RFC 8445 §2.5), DTLS-server (answers
// a=setup:passive, offers a=setup:actpass and expects active back)
// endpoint with one host candidate, one BUNDLE transport (RFC 8843, with the
// RFC 9143 rule that every bundled m= section carries the same port) and
// rtcp-mux. Clients always offer first; the server answers with
// negotiate_answer() + write_answer(). When the server later adds or removes
// the tracks it sends to a client, it edits the agreed LocalDescription with
// add_send_section() / stop_section(), writes its own offer with write_offer()
// and takes the client's answer with apply_answer().
//
// What is written here was checked against Chromium 156 and aiortc 1.4: the
// capture scripts under tests/unit/sdp/data/ take --check to repeat that.
//
// LocalDescription is the agreed session as the server sees it: one
// LocalSection per m= section, in m= order, directions from the server's point
// of view. It is a plain value the caller keeps between negotiations (the
// session object in the worker owns it); nothing here keeps state.
//
// Error codes, besides the parser's (sdp.h):
//   sdp_peer_ice_lite       the client is ICE-lite too; one side must be full ICE
//   sdp_no_media            no audio or video section the server could accept
//   sdp_no_bundle           no BUNDLE group (or none of the media in it)
//   sdp_no_common_codec     no section offers a codec the server forwards
//   sdp_no_ice_credentials  the BUNDLE transport has no ice-ufrag/ice-pwd
//   sdp_no_fingerprint      the BUNDLE transport has no usable a=fingerprint
//   sdp_bad_setup           the client does not take the DTLS client role
//   sdp_no_rtcp_mux         an accepted RTP section lacks a=rtcp-mux
//   sdp_bad_mid             an accepted section's mid is longer than 16 bytes
//   sdp_bad_track           a SendTrack given by the caller is unusable
//   sdp_unknown_mid         stop_section() for a mid that does not exist
//   sdp_no_payload_type     no free payload type left for a new section
//   sdp_too_many_media      add_send_section() at Capabilities::max_media_sections
//   sdp_answer_mismatch     the client's answer does not fit the server's offer
//   sdp_bad_local_description  the LocalDescription to write is inconsistent

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "sdp/sdp.h"

namespace parley::sdp {

// Header extensions the media server implements (RFC 8285 URIs).
inline constexpr std::string_view kExtMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kExtAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kExtTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kExtRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kExtRepairedRtpStreamId =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kExtAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

// Codecs the server forwards.
enum class Codec { opus, vp8, vp9, h264 };
// The rtpmap encoding name: "opus", "VP8", "VP9", "H264".
std::string_view codec_name(Codec codec);

// H.264 profiles as told apart by profile_idc and profile-iop (RFC 6184 §8.1,
// Table 5), plus the Constrained High and Progressive High profiles that
// later H.264 editions signal with constraint_set4/5 on profile_idc 100.
enum class H264Profile {
  constrained_baseline,
  baseline,
  main,
  extended,
  high,
  constrained_high,
  progressive_high,
  high10,
  high422,
  high444,
  high10_intra,
  high422_intra,
  high444_intra,
  cavlc444_intra,
};
std::string_view to_string(H264Profile profile);

struct H264ProfileLevelId {
  H264Profile profile = H264Profile::baseline;
  std::uint8_t level_idc = 0;  // 10 = level 1.0, 31 = level 3.1, ...
  bool level_1b = false;       // RFC 6184 §8.1: level 1b
};
// Parses the 6 hex digits of profile-level-id; nullopt for profiles and
// levels H.264 does not define.
std::optional<H264ProfileLevelId> parse_h264_profile_level_id(std::string_view hex);
// The profile-level-id of a format's fmtp; RFC 6184 §8.1: absent means
// Baseline at level 1 (42000a).
std::optional<H264ProfileLevelId> h264_profile_level_id(std::span<const FmtpParam> fmtp);
// Orders levels, with 1b between 1.0 and 1.1.
int h264_level_rank(const H264ProfileLevelId& id);
// RFC 6184 §8.2.2: two H.264 formats are the same configuration when the
// profile (not the level) and the packetization-mode agree.
bool h264_same_configuration(std::span<const FmtpParam> a, std::span<const FmtpParam> b);

// What the server implements, in its order of preference.
struct Capabilities {
  std::vector<Codec> audio_codecs{Codec::opus};
  std::vector<Codec> video_codecs{Codec::vp8, Codec::vp9, Codec::h264};
  // H.264 is accepted with packetization-mode=1 and one of these profiles.
  std::vector<H264Profile> h264_profiles{H264Profile::constrained_baseline};
  // VP9 profile-id values accepted (absent means 0).
  std::vector<std::uint8_t> vp9_profiles{0};
  std::vector<std::string> header_extensions{
      std::string(kExtMid), std::string(kExtAudioLevel), std::string(kExtTransportCc),
      std::string(kExtRtpStreamId), std::string(kExtRepairedRtpStreamId)};
  std::vector<RtcpFeedback> rtcp_feedback{
      {"nack", ""}, {"nack", "pli"}, {"ccm", "fir"}, {"transport-cc", ""}};
  std::size_t max_simulcast_layers = 3;
  std::size_t max_media_sections = 64;  // add_send_section() stops here
};

// The server's end of the BUNDLE transport and its session identity.
struct LocalTransport {
  std::string ice_ufrag;  // RFC 8839 §5.4 syntax
  std::string ice_pwd;
  std::vector<std::uint8_t> fingerprint_sha256;  // 32 bytes: the DTLS certificate's digest
  std::string address;                           // IPv4 or IPv6 literal of the host candidate
  std::uint16_t port = 0;                        // UDP
  std::uint64_t session_id = 0;                  // o= sess-id (JSEP §5.2.1: below 2^63)
  std::uint64_t session_version = 0;             // o= sess-version; raise it on every change
};

// A track the server sends to the client in one m= section.
struct SendTrack {
  std::uint32_t ssrc = 0;
  std::optional<std::uint32_t> rtx_ssrc;  // written when RTX was negotiated
  std::string cname;                      // RFC 7022; token characters
  std::string stream_id;                  // RFC 8830 msid-id
  std::string track_id;                   // RFC 8830 msid-appdata
};

struct NegotiatedCodec {
  Codec codec = Codec::opus;
  std::uint8_t pt = 0;
  std::optional<std::uint8_t> rtx_pt;  // RFC 4588 retransmission format
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 0;  // 2 for Opus, else 0
  std::vector<FmtpParam> fmtp;
  std::vector<RtcpFeedback> feedback;
};

struct HeaderExtension {
  std::uint16_t id = 0;
  std::string uri;
  std::optional<Direction> direction;  // as written by the server
};

struct SimulcastLayer {
  std::string rid;
  bool paused = false;
};

enum class RejectReason {
  none,
  unsupported_media,  // not audio or video (e.g. a data channel)
  unsupported_proto,  // not UDP/TLS/RTP/SAVPF
  disabled,           // port 0 in the offer without a=bundle-only
  not_bundled,        // outside the BUNDLE group, or without a mid
  no_common_codec,
  stopped,           // stop_section()
  rejected_by_peer,  // the client's answer set port 0
};
std::string_view to_string(RejectReason reason);

struct LocalSection {
  std::string mid;  // empty only for a rejected section the offer gave none
  MediaKind kind = MediaKind::other;
  std::string media;  // m= media as written
  std::string proto;
  bool rejected = false;  // port 0, outside the BUNDLE group
  RejectReason reason = RejectReason::none;
  std::string rejected_format;  // the one format on a rejected m= line
  // From the server's point of view: recvonly = the client publishes here.
  Direction direction = Direction::inactive;
  std::vector<NegotiatedCodec> codecs;  // the server's preference order
  std::vector<HeaderExtension> extensions;
  bool rtcp_rsize = false;
  std::optional<SendTrack> track;           // what the server sends here
  std::vector<SimulcastLayer> recv_layers;  // rids the client sends (RFC 8853)
};

struct LocalDescription {
  LocalTransport transport;
  std::vector<LocalSection> sections;  // answer: sections[i] answers offer.media[i]
  std::string bundle_tag;              // mid of the tagged m= section
  std::uint64_t next_mid = 0;          // add_send_section() never hands out a mid below
};

// The client's end of the BUNDLE transport, from its tagged m= section.
struct RemoteTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<std::string> ice_options;
  // RFC 8122 §5: only the fingerprints with the strongest hash function the
  // server supports (sha-512 > sha-384 > sha-256); the certificate must
  // match one of them.
  std::vector<Fingerprint> fingerprints;
  std::string bundle_tag;  // the client's tagged mid
};

struct Negotiation {
  LocalDescription local;
  RemoteTransport remote;
};

// Asks for `track` to be sent in the client's m= section `mid` (one the
// client offered to receive in, recvonly or sendrecv). Sections that end up
// rejected or not receiving get no track: check LocalSection::track.
struct TrackAssignment {
  std::string mid;
  SendTrack track;
};

// Answers a client's offer. answer.local.sections[i] answers offer.media[i];
// the client's own SSRCs, msids and rids stay readable in the offer.
[[nodiscard]] Expected<Negotiation> negotiate_answer(const SessionDescription& offer,
                                                     const Capabilities& caps,
                                                     const LocalTransport& transport,
                                                     std::span<const TrackAssignment> tracks = {});

// The text of an answer / of a server offer for `local` (CRLF line ends).
[[nodiscard]] Expected<std::string> write_answer(const LocalDescription& local);
[[nodiscard]] Expected<std::string> write_offer(const LocalDescription& local);

// Renegotiation edits. Both raise local.transport.session_version.
// Adds an m= section at the end that sends `track` to the client, with a mid
// never used in this session, the codecs and header extensions already agreed
// for sections of the same kind (or the server's defaults on free payload
// types and ids when there are none). Returns the new mid.
[[nodiscard]] Expected<std::string> add_send_section(LocalDescription& local, MediaKind kind,
                                                     const SendTrack& track,
                                                     const Capabilities& caps);
// Stops a section (JSEP §5.2.2): it keeps its place and mid, with port 0.
[[nodiscard]] Status stop_section(LocalDescription& local, std::string_view mid);

// Takes the client's answer to write_offer(offered): the agreed session, with
// the codecs, directions and layers the client accepted.
[[nodiscard]] Expected<Negotiation> apply_answer(const LocalDescription& offered,
                                                 const SessionDescription& answer);

}  // namespace parley::sdp
